/**
 * TensorFlow.js Layers models, built and saved by @tensorflow/tfjs in the
 * test itself, run here with tfjs's outputs: LSTM with tfjs's default
 * hard_sigmoid gates, sigmoid gates (converted to a native LanguageModel),
 * bidirectional reset-before GRU, SimpleRNN, a reset-before GRU with sigmoid
 * gates (converted to a native LanguageModel); and a reset_after=true GRU, which
 * tfjs refuses to build, against Keras's equations written out here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { FormatError, LanguageModel, Random, importTfjs, loadTfjsModel, noGrad } from '../packages/recurrent/src/node.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-tfjs-'));

interface Saved {
  modelJson: { modelTopology: unknown; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>; format: string };
  weights: Uint8Array;
}

async function save(model: tf.LayersModel, name: string): Promise<{ path: string; saved: Saved }> {
  let saved: Saved | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    const data = a.weightData as ArrayBuffer;
    saved = {
      modelJson: { modelTopology: a.modelTopology, weightsManifest: [{ paths: [`${name}.bin`], weights: a.weightSpecs! }], format: 'layers-model' },
      weights: new Uint8Array(data.slice(0)),
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const s = saved as unknown as Saved;
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(s.modelJson));
  writeFileSync(join(work, `${name}.bin`), s.weights);
  return { path, saved: s };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const V = 12;
const T = 7;
const B = 3;
const rng = new Random(5);
const tokens = Array.from({ length: B * T }, () => rng.int(V));
const floats = Array.from({ length: B * T * 4 }, () => rng.normal());

describe('TensorFlow.js Layers models', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('LSTM with tfjs\'s default hard_sigmoid gates: the same outputs as tfjs', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: V, outputDim: 6, inputLength: T }),
        tf.layers.lstm({ units: 8, returnSequences: true }),
        tf.layers.dense({ units: V, activation: 'softmax' }),
      ],
    });
    const want = await (m.predict(tf.tensor2d(tokens, [B, T])) as tf.Tensor).data();
    const { path } = await save(m, 'lstm-hard');
    const ours = await loadTfjsModel(path);
    const got = ours.predict({ data: tokens, shape: [B, T] });
    const err = maxDiff(got.data, want);
    assert.ok(err < 1e-5, `max |ours - tfjs| = ${err}`);
    assert.throws(() => ours.toNative(), /hard_sigmoid gates/);
  });

  it('LSTM with sigmoid gates, 2 layers: runs natively and converts to a LanguageModel', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: V, outputDim: 5, inputLength: T }),
        tf.layers.lstm({ units: 6, returnSequences: true, recurrentActivation: 'sigmoid' }),
        tf.layers.lstm({ units: 6, returnSequences: true, recurrentActivation: 'sigmoid' }),
        tf.layers.dense({ units: V }),
      ],
    });
    const want = await (m.predict(tf.tensor2d(tokens, [B, T])) as tf.Tensor).data();
    const { path } = await save(m, 'lstm-sigmoid');
    const ours = await loadTfjsModel(path);
    assert.ok(maxDiff(ours.predict({ data: tokens, shape: [B, T] }).data, want) < 1e-5);
    const native = ours.toNative();
    assert.ok(native instanceof LanguageModel);
    const logits = noGrad(() => native.forward({ data: Int32Array.from(tokens), shape: [B, T] }).logits);
    const err = maxDiff(logits.data, want);
    assert.ok(err < 1e-5, `native LanguageModel vs tfjs: ${err}`);
  });

  it('bidirectional GRU (reset before the matmul, tfjs\'s only kind) and SimpleRNN, last step, Dense', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 5, returnSequences: true }) as tf.RNN, inputShape: [T, 4], mergeMode: 'concat' }),
        tf.layers.simpleRNN({ units: 4, returnSequences: false }),
        tf.layers.dense({ units: 2, activation: 'tanh' }),
      ],
    });
    const want = await (m.predict(tf.tensor3d(floats, [B, T, 4])) as tf.Tensor).data();
    const { path } = await save(m, 'bigru');
    const got = (await loadTfjsModel(path)).predict({ data: floats, shape: [B, T, 4] });
    assert.deepEqual(got.shape, [B, 2]);
    const err = maxDiff(got.data, want);
    assert.ok(err < 1e-5, `max |ours - tfjs| = ${err}`);
  });

  it('a reset_after=true GRU, which tfjs refuses, runs here with Keras\'s equations', async () => {
    assert.throws(() => tf.layers.gru({ units: 4, resetAfter: true } as Parameters<typeof tf.layers.gru>[0]), /reset_after/);
    const U = 4;
    const I = 3;
    const m = tf.sequential({ layers: [tf.layers.gru({ units: U, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, I] })] });
    const { saved } = await save(m, 'gru-before');
    // The same layer as Keras writes it with reset_after=True: bias (2, 3U) = [input bias; recurrent bias].
    const json = JSON.parse(JSON.stringify(saved.modelJson)) as Saved['modelJson'] & { modelTopology: { config: { layers: Array<{ config: Record<string, unknown> }> } } };
    json.modelTopology.config.layers[0]!.config.reset_after = true;
    const specs = json.weightsManifest[0]!.weights;
    specs[2]!.shape = [2, 3 * U];
    const kernel = new Float32Array(saved.weights.buffer.slice(0, I * 3 * U * 4));
    const rk = new Float32Array(saved.weights.buffer.slice(I * 3 * U * 4, (I + U) * 3 * U * 4));
    const bias = Float32Array.from({ length: 2 * 3 * U }, () => rng.normal() * 0.5);
    const bytes = new Uint8Array((kernel.length + rk.length + bias.length) * 4);
    const all = new Float32Array(bytes.buffer);
    all.set(kernel, 0);
    all.set(rk, kernel.length);
    all.set(bias, kernel.length + rk.length);
    const x = Array.from({ length: B * T * I }, () => rng.normal());
    const got = importTfjs(json, bytes, 'gru-after.json').predict({ data: x, shape: [B, T, I] });
    // Keras GRU, reset_after=True, gates z, r, h in column blocks of the (in, 3U) kernels.
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const want = new Float32Array(B * T * U);
    for (let b = 0; b < B; b++) {
      let h = new Array<number>(U).fill(0);
      for (let t = 0; t < T; t++) {
        const mx = Array.from({ length: 3 * U }, (_, j) => bias[j]! + Array.from({ length: I }, (_, i) => x[(b * T + t) * I + i]! * kernel[i * 3 * U + j]!).reduce((p, q) => p + q, 0));
        const mh = Array.from({ length: 3 * U }, (_, j) => bias[3 * U + j]! + h.reduce((p, hk, k) => p + hk * rk[k * 3 * U + j]!, 0));
        const z = Array.from({ length: U }, (_, u) => sig(mx[u]! + mh[u]!));
        const r = Array.from({ length: U }, (_, u) => sig(mx[U + u]! + mh[U + u]!));
        const hh = Array.from({ length: U }, (_, u) => Math.tanh(mx[2 * U + u]! + r[u]! * mh[2 * U + u]!));
        h = h.map((hp, u) => z[u]! * hp + (1 - z[u]!) * hh[u]!);
        h.forEach((v, u) => { want[(b * T + t) * U + u] = v; });
      }
    }
    const err = maxDiff(got.data, want);
    assert.ok(err < 1e-5, `max |ours - Keras equations| = ${err}`);
  });

  it('refuses malformed models, saying what and where', async () => {
    const m = tf.sequential({ layers: [tf.layers.simpleRNN({ units: 3, inputShape: [T, 2] })] });
    const { saved } = await save(m, 'small');
    assert.throws(() => importTfjs(saved.modelJson, saved.weights.subarray(0, 10), 'short.json'), (e: Error) => e instanceof FormatError && /needs bytes 0\.\.\d+ but the shards hold 10/.test(e.message));
    const wrongShape = JSON.parse(JSON.stringify(saved.modelJson)) as Saved['modelJson'];
    wrongShape.weightsManifest[0]!.weights[0]!.shape = [5, 3];
    assert.throws(() => importTfjs(wrongShape, saved.weights, 'shape.json'), /weight '.*kernel' has shape \[5, 3\], .* needs \[2, 3\]/);
    const conv = { modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Conv1D', config: { name: 'conv1d_1' } }] } }, weightsManifest: [] };
    assert.throws(() => importTfjs(conv, new Uint8Array(0), 'conv.json'), /layer 'conv1d_1' of class 'Conv1D' is not supported/);
    assert.throws(() => importTfjs({}, new Uint8Array(0), 'x.json'), /not a TensorFlow.js Layers model/);
    await assert.rejects(loadTfjsModel(join(work, 'missing.json')), /missing\.json: cannot read the model\.json \(ENOENT\)/);
  });

  it('a reset-before GRU (sigmoid gates) converts to a native LanguageModel with linearBeforeReset false', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: V, outputDim: 4, inputLength: T }),
        tf.layers.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' }),
        tf.layers.dense({ units: V }),
      ],
    });
    const want = await (m.predict(tf.tensor2d(tokens, [B, T])) as tf.Tensor).data();
    const { path } = await save(m, 'gru-before-lm');
    const k = await loadTfjsModel(path);
    assert.ok(maxDiff(k.predict({ data: tokens, shape: [B, T] }).data, want) < 1e-5);
    const native = k.toNative();
    assert.ok(native instanceof LanguageModel);
    assert.equal(native.rnn.linearBeforeReset, false);
    const logits = noGrad(() => native.forward({ data: Int32Array.from(tokens), shape: [B, T] }).logits);
    assert.ok(maxDiff(logits.data, want) < 1e-5, 'native model vs tfjs');
  });
});
