/**
 * ONNX's own backend node tests for the recurrent operators, from Debian's
 * libonnx-testdata (installed by .ci/run): every `test_{lstm,gru,rnn,simple_rnn}_*`
 * case — weights as graph inputs, layout=1, the reset-first GRU
 * (linear_before_reset=0, ONNX's default), peepholes, sequence_lens, initial
 * states — run through importOnnx(...).run() on both backends, every output
 * within ONNX's own tolerance of the expected one.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getBackend, setBackend } from '../packages/recurrent/src/node.js';
import { importOnnx, readOnnxTensor } from '../packages/recurrent/src/onnx.js';

const ROOT = '/usr/share/libonnx-testdata/data/node';
const present = existsSync(ROOT);
const cases = present ? readdirSync(ROOT).filter((d) => /^test_(lstm|gru|rnn|simple_rnn)_/.test(d)).sort() : [];

describe('ONNX backend node tests (libonnx-testdata)', () => {
  it('the test data is installed, with the twelve recurrent cases', () => {
    assert.ok(present, `${ROOT} is missing: apt-get install libonnx-testdata (.ci/run does)`);
    assert.ok(cases.length >= 12, `expected at least 12 recurrent cases, found ${cases.length}: ${cases.join(', ')}`);
    for (const op of ['lstm', 'gru', 'rnn']) assert.ok(cases.some((c) => c.includes(`_${op}_`)), `a ${op} case`);
  });

  for (const backend of ['js', 'wasm'] as const) {
    for (const name of cases) {
      it(`${name} (${backend})`, async () => {
        const before = getBackend();
        await setBackend(backend);
        try {
          const model = importOnnx(readFileSync(join(ROOT, name, 'model.onnx')), `${name}/model.onnx`);
          const sets = readdirSync(join(ROOT, name)).filter((d) => d.startsWith('test_data_set_'));
          assert.ok(sets.length > 0, 'at least one data set');
          for (const set of sets) {
            const dir = join(ROOT, name, set);
            const tensor = (file: string) => readOnnxTensor(readFileSync(join(dir, file)), `${name}/${set}/${file}`).tensor;
            const feeds = Object.fromEntries(model.inputs.map((input, k) => [input.name, tensor(`input_${k}.pb`)]));
            const got = model.run(feeds);
            model.outputs.forEach((output, k) => {
              const want = tensor(`output_${k}.pb`);
              const out = got[output.name]!;
              assert.deepEqual(out.shape, want.shape, `${set}: ${output.name} shape`);
              // ONNX's backend tests compare with rtol 1e-3, atol 1e-7.
              for (let i = 0; i < want.size; i++) {
                const tol = 1e-7 + 1e-3 * Math.abs(want.data[i]!);
                assert.ok(Math.abs(out.data[i]! - want.data[i]!) <= tol, `${set}: ${output.name}[${i}] = ${out.data[i]}, expected ${want.data[i]}`);
              }
            });
          }
        } finally {
          await setBackend(before === 'js' ? 'js' : 'wasm');
        }
      });
    }
  }
});
