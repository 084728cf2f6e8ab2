/**
 * ONNX both ways.
 *  out: every PyTorch fixture model (LSTM, GRU, RNN; uni- and bidirectional;
 *       1 and 2 layers), imported here, exported to ONNX, run by onnxruntime-node:
 *       its outputs equal ours within 1e-5 (largest error printed), and ONNX's
 *       own checker (Debian's python3-onnx, installed by .ci/run) accepts every file;
 *  in:  the same models as torch.onnx exported them run here with PyTorch's
 *       outputs, and convert to native models;
 *  bad: truncated files, tensors whose bytes do not match their dims, an
 *       unsupported operator: refused with what and where.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  ConfigError, FormatError, GRU, LSTM, LanguageModel, Random, Tensor, createRecurrent, importTorch, type RecurrentBase,
} from '../packages/recurrent/src/node.js';
import { exportOnnx, importOnnx, toNativeModel } from '../packages/recurrent/src/onnx.js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, ModelProtoSchema, NodeProtoSchema } from '../packages/recurrent/src/interop/onnx/onnx_pb.js';
import { fixtureDir as dir, loadTorchCase, maxAbsDiff, runImported } from './interop-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-onnx-'));
const cases = ['lstm', 'gru', 'rnn'].flatMap((m) => ['uni', 'bi'].flatMap((d) => [1, 2].map((l) => `lm-${m}-${d}-${l}layer`)))
  .concat(['regressor-renamed-gru', 'rnn-relu-bi-2layer']);
const exported: string[] = [];
const errors: Record<string, number> = {};

async function runOrt(bytes: Uint8Array, name: string, x: { data: Float32Array; shape: number[] }, int64: boolean): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const feed = int64 ? new ort.Tensor('int64', BigInt64Array.from(Array.from(x.data, (v) => BigInt(v))), x.shape) : new ort.Tensor('float32', x.data, x.shape);
  const out = await session.run({ [name]: feed });
  return out[session.outputNames[0]!]!.data as Float32Array;
}

describe('ONNX export: here -> ONNX -> onnxruntime', () => {
  for (const name of cases) {
    it(name, async () => {
      const c = loadTorchCase(name);
      const model = importTorch(c.weights, { ...(c.meta.rename ? { rename: c.meta.rename } : {}), ...(c.meta.nonlinearity ? { nonlinearity: c.meta.nonlinearity } : {}) }, name);
      const ours = runImported(model, c.input);
      const bytes = exportOnnx(model);
      const path = join(work, `${name}.onnx`);
      writeFileSync(path, bytes);
      exported.push(path);
      const theirs = await runOrt(bytes, model instanceof LanguageModel ? 'tokens' : 'input', { data: c.input.data, shape: [...c.input.shape] }, model instanceof LanguageModel);
      const err = maxAbsDiff(theirs, ours.data);
      errors[name] = err;
      assert.ok(err <= 1e-5, `max |onnxruntime - ours| = ${err}`);
      assert.ok(maxAbsDiff(theirs, c.output.data) <= 2e-5, 'and PyTorch\'s');
      // Back in: the exported file runs here and converts to the same kind of model.
      const back = importOnnx(bytes, path);
      assert.ok(maxAbsDiff(Object.values(back.run({ [back.inputs[0]!.name]: c.input }))[0]!.data, ours.data) <= 1e-5);
      assert.equal(toNativeModel(back).constructor.name, model.constructor.name);
    });
  }

  it('ONNX\'s checker accepts every exported file (python3-onnx, full check)', () => {
    assert.ok(exported.length === cases.length, 'all exports ran');
    const script = 'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint("checked", len(sys.argv) - 1)';
    // Debian's python3 (with python3-onnx), not another one earlier on PATH.
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const r = spawnSync(python, ['-c', script, ...exported], { encoding: 'utf8' });
    assert.equal(r.error, undefined, 'python3 is needed for the checker');
    assert.ok(!/No module named 'onnx'/.test(r.stderr), 'python3-onnx is missing: apt-get install python3-onnx (.ci/run does)');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`checked ${cases.length}`));
  });

  after(() => {
    const worst = Object.entries(errors).sort((a, b) => b[1] - a[1])[0];
    if (worst) console.log(`# ONNX export: largest |onnxruntime - ours| over ${Object.keys(errors).length} models: ${worst[1].toExponential(2)} (${worst[0]})`);
  });

  // The cells PyTorch lacks, against onnxruntime's own implementation of them (random weights, several steps,
  // so the peepholes on c_{t-1} and the reset-first product matter).
  const variants: Array<[string, () => RecurrentBase]> = [
    ['LSTM with peepholes, 2 layers, bidirectional', () => new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, peepholes: true, batchFirst: true, rng: new Random(21) })],
    ['GRU with the reset gate first (linear_before_reset=0), 2 layers, bidirectional', () => new GRU({ inputSize: 3, hiddenSize: 6, numLayers: 2, bidirectional: true, linearBeforeReset: false, batchFirst: true, rng: new Random(22) })],
  ];
  for (const [name, make] of variants) {
    it(`${name}: onnxruntime agrees, and the file comes back as the same module`, async () => {
      const m = make();
      const rng = new Random(23);
      const x = new Tensor(Float32Array.from({ length: 2 * 7 * 3 }, () => rng.normal()), [2, 7, 3]);
      const ours = m.forward(x).output;
      const bytes = exportOnnx(m);
      const theirs = await runOrt(bytes, 'input', { data: x.data, shape: [...x.shape] }, false);
      const err = maxAbsDiff(theirs, ours.data);
      assert.ok(err <= 1e-5, `max |onnxruntime - ours| = ${err}`);
      const native = toNativeModel(importOnnx(bytes, `${name}.onnx`)) as RecurrentBase;
      assert.equal(native.peepholes, m.peepholes);
      assert.equal(native.linearBeforeReset, m.linearBeforeReset);
      assert.ok(maxAbsDiff(native.forward(x).output.data, ours.data) <= 1e-6);
      // The variant really differs from the plain cell with the same weights.
      const plain = createRecurrent(m.kind, { inputSize: 3, hiddenSize: m.hiddenSize, numLayers: 2, bidirectional: true, batchFirst: true });
      plain.loadStateDict(Object.fromEntries(Object.entries(m.stateDict()).filter(([k]) => !k.startsWith('weight_peephole'))));
      assert.ok(maxAbsDiff(plain.forward(x).output.data, ours.data) > 1e-3, 'the variant changes the outputs');
    });
  }

  it('refuses an LSTM projection, which ONNX cannot express', () => {
    assert.throws(() => exportOnnx(new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 })), (e: Error) => e instanceof ConfigError && /no projection/.test(e.message));
  });
});

describe('ONNX import: torch.onnx files run here', () => {
  for (const name of cases) {
    it(name, () => {
      const c = loadTorchCase(name);
      const m = importOnnx(new Uint8Array(readFileSync(join(dir, `${name}.onnx`))), `${name}.onnx`);
      const got = Object.values(m.run({ [m.inputs[0]!.name]: c.input }))[0]!;
      const err = maxAbsDiff(got.data, c.output.data);
      assert.ok(err <= 1e-5, `max |ours - torch| = ${err}`);
      if (name.startsWith('lm-')) {
        const native = toNativeModel(m);
        assert.ok(native instanceof LanguageModel);
        assert.ok(maxAbsDiff(runImported(native, c.input).data, c.output.data) <= 1e-5);
      }
    });
  }
});

describe('malformed ONNX files', () => {
  const good = exportOnnx(importTorch(loadTorchCase('lm-lstm-uni-1layer').weights));

  it('a truncated file', () => {
    assert.throws(() => importOnnx(good.subarray(0, good.length - 37), 'cut.onnx'), (e: Error) => e instanceof FormatError && /^cut\.onnx: not a readable ONNX model/.test(e.message));
  });

  it('a tensor whose bytes do not match its dims, without allocating what the dims claim', () => {
    const m = fromBinary(ModelProtoSchema, good);
    const t = m.graph!.initializer[0]!;
    t.dims = [1_000_000_000n, 1000n];
    const bytes = toBinary(ModelProtoSchema, m);
    assert.throws(() => importOnnx(bytes, 'dims.onnx'), /dims\.onnx: initializer: tensor 'embedding\.weight' has dims \[1000000000, 1000\] \(4000000000000 bytes\) but holds 220 bytes/);
  });

  it('a tensor claiming 100,000 dims: a short error that says so, not every dim', () => {
    const m = fromBinary(ModelProtoSchema, good);
    m.graph!.initializer[0]!.dims = Array.from({ length: 100_000 }, () => 2n);
    const err = (() => {
      try {
        importOnnx(toBinary(ModelProtoSchema, m), 'dims.onnx');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    assert.ok(err instanceof FormatError);
    assert.match(err.message, /tensor 'embedding\.weight' has dims \[2, 2, 2, 2, 2, 2, 2, 2, \.\.\. \(100,000 dims\)\]/);
    assert.ok(err.message.length < 300, `${err.message.length} characters`);
  });

  it('an unsupported operator, named with its node', () => {
    const m = fromBinary(ModelProtoSchema, good);
    m.graph!.node.push(create(NodeProtoSchema, { opType: 'Softmax', name: 'probs', input: ['logits'], output: ['p'] }));
    assert.throws(() => importOnnx(toBinary(ModelProtoSchema, m), 'op.onnx'), /op\.onnx: node 'probs' \(Softmax\): operator 'Softmax' is not supported/);
  });

  it('a recurrent node with an attribute value it cannot honour (layout=2, cell clipping)', () => {
    const m = fromBinary(ModelProtoSchema, exportOnnx(importTorch(loadTorchCase('lm-gru-uni-1layer').weights)));
    const gru = m.graph!.node.find((n) => n.opType === 'GRU')!;
    gru.attribute.push(create(AttributeProtoSchema, { name: 'layout', type: AttributeProto_AttributeType.INT, i: 2n }));
    assert.throws(() => importOnnx(toBinary(ModelProtoSchema, m), 'gru.onnx'), /gru\.onnx: node '.*' \(GRU\): layout must be 0 or 1, got 2/);
    gru.attribute = gru.attribute.filter((a) => a.name !== 'layout');
    gru.attribute.push(create(AttributeProtoSchema, { name: 'clip', type: AttributeProto_AttributeType.FLOAT, f: 3 }));
    assert.throws(() => importOnnx(toBinary(ModelProtoSchema, m), 'gru.onnx'), /cell clipping \('clip'\) is not supported/);
  });
});
