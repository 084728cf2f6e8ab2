/**
 * PyTorch round trips: state dicts saved by PyTorch (test/fixtures/interop/torch,
 * made by scripts/make-interop-fixtures.py) load here and give PyTorch's
 * outputs within 1e-5; exported again, every tensor is PyTorch's to the bit,
 * under PyTorch's names, so `load_state_dict` in PyTorch restores the model.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FormatError, Tensor, exportTorch, importTorch, inferRecurrent, parseSafetensors, serializeSafetensors, torchModuleSource,
} from '../packages/recurrent/src/node.js';
import { fixtureDir as dir, loadTorchCase, maxAbsDiff, runImported } from './interop-helpers.js';

const cases = readdirSync(dir).filter((f) => f.endsWith('.io.safetensors')).map((f) => f.slice(0, -'.io.safetensors'.length)).sort();

describe('PyTorch state dicts: torch -> here -> torch', () => {
  assert.ok(cases.length >= 15, `fixtures present (${cases.length})`);
  for (const name of cases) {
    it(name, () => {
      const c = loadTorchCase(name);
      const options = { ...(c.meta.rename ? { rename: c.meta.rename } : {}), ...(c.meta.nonlinearity ? { nonlinearity: c.meta.nonlinearity } : {}) };
      const model = importTorch(c.weights, options, name);
      assert.equal(model.constructor.name, c.meta.model === 'RNN' ? 'RNN' : c.meta.model);
      const got = runImported(model, c.input);
      assert.deepEqual(got.shape, c.output.shape);
      const err = maxAbsDiff(got.data, c.output.data);
      assert.ok(err <= 1e-5, `max |ours - torch| = ${err}`);
      // Back out under the original names: the same tensors, bit for bit.
      const back = Object.fromEntries(Object.entries(c.meta.rename ?? {}).map(([k, v]) => [v, k]));
      const exported = parseSafetensors(exportTorch(model, back));
      const original = parseSafetensors(c.weights);
      assert.deepEqual(exported.names().sort(), original.names().sort());
      for (const n of original.names()) assert.deepEqual(exported.float32(n).data, original.float32(n).data, n);
      assert.match(torchModuleSource(model, `${name}.safetensors`), /class Model|def Model/);
    });
  }

  it('infers the architecture from names and shapes', () => {
    const st = parseSafetensors(readFileSync(join(dir, 'lm-lstm-proj-bi-2layer.safetensors')));
    assert.deepEqual(inferRecurrent(st, 'rnn.'), { mode: 'LSTM', inputSize: 5, hiddenSize: 6, numLayers: 2, bidirectional: true, bias: true, projSize: 3 });
  });

  it('refuses what it cannot place, saying what and how to fix it', () => {
    const c = loadTorchCase('regressor-renamed-gru');
    assert.throws(() => importTorch(c.weights, {}, 'r.safetensors'), (e: Error) => e instanceof FormatError && /tensors this import does not place: fc.weight, fc.bias; .*rename/.test(e.message));
    const bad = serializeSafetensors({ 'rnn.weight_ih_l0': new Tensor(new Float32Array(10), [5, 2]), 'rnn.weight_hh_l0': new Tensor(new Float32Array(10), [5, 2]) });
    assert.throws(() => importTorch(bad, {}, 'bad.safetensors'), /expected 4, 3 or 1 gate blocks/);
    assert.throws(() => importTorch(serializeSafetensors({ w: new Tensor(new Float32Array(1), [1]) }), {}, 'w.safetensors'), /no recurrent weights/);
  });
});
