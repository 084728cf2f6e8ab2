/**
 * The parts of the playground that need no browser: the chunk scheduler (who
 * trains when), sessions that train in chunks exactly as in one go, the views'
 * shapes, and the library pieces written for it (spectralRadius, MemoryRun in
 * stretches, the final beam, traces of a language model).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LanguageModel, MemoryRun, Random, beamSearch, beamSearchAll, languageModelActivations, languageModelConnectivity, languageModelGradients, runMemoryTask,
  SequenceRegressor, Tensor, inEvalMode, spectralRadius, traceLanguageModel, traceRegressor,
} from '../packages/recurrent/src/index.js';
import { type MemorySession, computeViews, copyLags, createSession, heldOutText } from '../packages/playground/src/index.js';
import { ChunkScheduler } from '../packages/playground/web/scheduler.js';
import type { ToWorker } from '../packages/playground/src/protocol.js';

describe('playground logic', () => {
  it('spectralRadius: rotations, diagonals, nilpotent and non-normal matrices; a bad shape is named', () => {
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    assert.ok(Math.abs(spectralRadius([0.9 * c, -0.9 * s, 0.9 * s, 0.9 * c], 2) - 0.9) < 1e-3, 'a scaled rotation (complex eigenvalues)');
    assert.ok(Math.abs(spectralRadius([3, 0, 0, -0.5], 2) - 3) < 1e-3);
    assert.equal(spectralRadius([0, 1, 0, 0], 2), 0, 'nilpotent');
    assert.equal(spectralRadius([0, 0, 0, 0], 2), 0);
    // Upper triangular with a large off-diagonal: eigenvalues 0.7 and 0.2, far from normal.
    assert.ok(Math.abs(spectralRadius([0.7, 100, 0, 0.2], 2) / 0.7 - 1) < 0.02);
    // A random orthogonal matrix times 1.5 (every eigenvalue of modulus 1.5), as the memory task builds it.
    const run = new MemoryRun({ task: 'adding', cell: 'RNN_TANH', length: 10, parameters: 500, steps: 1, spectralRadius: 1.5 });
    const H = run.hiddenSize;
    const whh = run.model.rnn.namedParameters().find(([n]) => n === 'weight_hh_l0')![1].data;
    assert.ok(Math.abs(spectralRadius(whh, H) - 1.5) < 0.02 * 1.5, `orthogonal x 1.5: ${spectralRadius(whh, H)}`);
    assert.throws(() => spectralRadius([1, 2, 3], 2), /expected a square matrix of 2 x 2 = 4 values, got 3/);
  });

  it('MemoryRun trains in stretches exactly as runMemoryTask in one go', async () => {
    const config = { task: 'adding', cell: 'GRU', length: 20, parameters: 1500, steps: 90, evalEvery: 15 } as const;
    const whole = await runMemoryTask(config);
    const run = new MemoryRun(config);
    for (let i = 0; i < 6; i++) await run.train({ steps: 15 });
    const parts = run.result();
    assert.deepEqual(parts.curve.map((p) => [p.step, p.value, p.trainLoss]), whole.curve.map((p) => [p.step, p.value, p.trainLoss]));
    assert.equal(run.step, 90);
    await run.train({ steps: 10 });
    assert.equal(run.step, 90, 'no steps past config.steps');
    // Looking at the result between stretches changes nothing of the training.
    const looked = new MemoryRun(config);
    for (let i = 0; i < 6; i++) {
      await looked.train({ steps: 15 });
      looked.result();
    }
    assert.deepEqual(looked.result().curve.map((p) => [p.step, p.value]), whole.curve.map((p) => [p.step, p.value]));
  });

  it('a text session in chunks equals one in a single stretch; the views have the shapes the page draws', async () => {
    const text = 'the whale, "the sea" (and the ship).\n'.repeat(60);
    const a = createSession({ cell: 'LSTM', hiddenSize: 12, seqLen: 10, batch: 4 }, text);
    const b = createSession({ cell: 'LSTM', hiddenSize: 12, seqLen: 10, batch: 4 }, text);
    await a.train(20);
    const parts = await a.train(20);
    const one = await b.train(40);
    assert.equal(one.step, 40);
    assert.equal(parts.valLoss, one.valLoss, 'the held-out loss after 20 + 20 steps is that after 40');
    assert.deepEqual([(await a.train(0)).step], [40], 'a chunk of no steps changes nothing');
    const v = computeViews(b);
    const T = Array.from(heldOutText(text, 64)).length;
    assert.equal(v.stepView.labels.length, T);
    assert.equal(v.stepView.gates!.length, T * 4 * 12);
    assert.equal(v.connectivity.matrix.length, (T - 1) ** 2);
    assert.equal(v.memory.gradientNorms.length, 160);
    assert.equal(v.memory.spectralRadius.length, 4);
    assert.ok(v.activations && v.activations.values.length === v.activations.chars.length * 12 && v.activations.best.length >= 3);
    // Connectivity is causal: nothing depends on a later character.
    for (let t = 0; t < T - 1; t++) for (let s2 = t + 1; s2 < T - 1; s2++) assert.equal(v.connectivity.matrix[t * (T - 1) + s2], 0);
  });

  it('adding views: the error against the lag in bins over the first half, gradients and connectivity of the regressor', async () => {
    const s = createSession({ task: 'adding', cell: 'GRU', length: 30, parameters: 1000 }, '') as MemorySession;
    await s.train(20);
    const v = computeViews(s);
    assert.equal(v.activations, null);
    assert.ok(v.memory.lag && v.memory.lag.lags.length >= 2 && v.memory.lag.lags.every((l) => l >= 15 && l <= 29), JSON.stringify(v.memory.lag));
    assert.ok(v.memory.lag!.values.every((r) => r > 0 && Number.isFinite(r)));
    assert.equal(v.connectivity.matrix.length, 30 * 30);
    assert.equal(v.stepView.labels.filter((l) => l === '▲').length, 2);
    assert.throws(() => createSession({ task: 'sort' as 'text', cell: 'GRU' }, ''), /unknown playground task "sort": expected one of text, adding/);
    assert.throws(() => createSession({ cell: 'GRU', clip: -1 }, 'abc'), /clip must be 0 \(off\) or positive, got -1/);
  });

  it('copy views: recall after fewer and more blanks than trained, gradients and connectivity through the targets', async () => {
    const s = createSession({ task: 'copy', cell: 'LSTM', length: 8, parameters: 2000 }, '') as MemorySession;
    const r = await s.train(20);
    assert.ok(r.valLoss > 0 && Number.isFinite(r.loss));
    const v = computeViews(s);
    assert.deepEqual(v.memory.lag!.lags, copyLags(8));
    assert.deepEqual(copyLags(8), [2, 4, 8, 12, 16]);
    assert.ok(v.memory.lag!.values.every((a) => a >= 0 && a <= 1));
    const T = 8 + 20;
    assert.equal(v.stepView.labels.length, T);
    assert.equal(v.stepView.labels.filter((l) => l === '▶').length, 11);
    assert.equal(v.memory.gradientNorms.length, T);
    assert.equal(v.connectivity.matrix.length, T * T);
    assert.match(v.connectivity.outputs[T - 1]!, /recalling [1-8]/);
  });

  it('the scheduler: at most `slots` chunks at once, round robin, to the step asked; pause stops them; step once is one step each', () => {
    const sent: Array<[string, ToWorker]> = [];
    const workers = new Map(['RNN_TANH', 'LSTM', 'GRU'].map((c) => [c, { postMessage: (m: ToWorker) => sent.push([c, m]) }] as const));
    const s = new ChunkScheduler(workers as unknown as ConstructorParameters<typeof ChunkScheduler>[0], 1);
    s.run(45);
    assert.deepEqual(sent, [['RNN_TANH', { type: 'train', steps: 20 }]]);
    const finish = (cell: string, step: number): void => void s.done(cell as 'LSTM', step);
    finish('RNN_TANH', 20);
    assert.deepEqual(sent.at(-1), ['LSTM', { type: 'train', steps: 20 }]);
    finish('LSTM', 20);
    finish('GRU', 20);
    finish('RNN_TANH', 40);
    assert.deepEqual(sent.at(-1), ['LSTM', { type: 'train', steps: 20 }]);
    finish('LSTM', 40);
    finish('GRU', 40);
    assert.deepEqual(sent.at(-1), ['RNN_TANH', { type: 'train', steps: 5 }], 'the last chunk stops at 45');
    s.pause();
    assert.deepEqual(sent.at(-1), ['RNN_TANH', { type: 'stop' }]);
    assert.equal(s.done('RNN_TANH', 43), false);
    assert.equal(s.running, false);
    const before = sent.length;
    s.stepOnce();
    assert.deepEqual(sent.slice(before).map(([c, m]) => [c, m.type === 'train' ? m.steps : m.type]), [['RNN_TANH', 1], ['LSTM', 1], ['GRU', 1]]);
    const two = new ChunkScheduler(workers as unknown as ConstructorParameters<typeof ChunkScheduler>[0], 2);
    const n = sent.length;
    two.run(null);
    assert.equal(sent.length - n, 2, 'two slots, two chunks at once');
  });

  it('languageModelGradients and languageModelConnectivity with targets: the next-token forms are their special case', () => {
    const m = new LanguageModel({ vocabSize: 9, embeddingSize: 4, hiddenSize: 6, mode: 'LSTM' }, new Random(2));
    const tokens = [1, 5, 2, 7, 3, 8, 4];
    const input = tokens.slice(0, -1);
    const lastOnly = input.map((_, t) => (t === input.length - 1 ? tokens[t + 1]! : -100));
    const a = languageModelGradients(m, tokens);
    const b = languageModelGradients(m, input, lastOnly);
    assert.deepEqual([...b.norms[0]!], [...a.norms[0]!]);
    assert.equal(b.loss, a.loss);
    const next = input.map((_, t) => tokens[t + 1]!);
    assert.deepEqual([...languageModelConnectivity(m, input, { targets: next })], [...languageModelConnectivity(m, tokens)]);
    // A step without a target has a row of zeros.
    const some = next.map((v, t) => (t === 2 ? -100 : v));
    const c = languageModelConnectivity(m, input, { targets: some });
    assert.ok(c.slice(2 * 6, 3 * 6).every((v) => v === 0) && c.slice(3 * 6, 4 * 6).some((v) => v > 0));
    assert.throws(() => languageModelGradients(m, input, [1, 2]), /targets must be one per token \(6\), got 2/);
  });

  it('beamSearchAll: the final beam, best first; beamSearch is its head; a traced language model', () => {
    // A toy: two tokens after the start, then the end (token 0).
    const probs = [[Math.log(0.1), Math.log(0.6), Math.log(0.3)], [Math.log(0.9), Math.log(0.05), Math.log(0.05)]];
    const step = (live: Array<{ tokens: number[] }>) => live.map((h) => ({ logProbs: probs[Math.min(h.tokens.length, 1)]!, state: null }));
    const all = beamSearchAll(null, step, { width: 3, maxLength: 3, end: 0 });
    assert.equal(all.length, 3);
    assert.ok(all.every((h, i) => i === 0 || h.logp <= all[i - 1]!.logp));
    assert.deepEqual(beamSearch(null, step, { width: 3, maxLength: 3, end: 0 }).tokens, all[0]!.tokens);
    const m = new LanguageModel({ vocabSize: 7, embeddingSize: 4, hiddenSize: 5, numLayers: 2, mode: 'GRU' }, new Random(1));
    const tr = traceLanguageModel(m, [1, 2, 3, 4]);
    assert.equal(tr.length, 2);
    assert.deepEqual([...tr[1]!.gates!.shape], [1, 4, 15]);
    assert.equal(m.training, true, 'the mode is left as it was');
    const acts = languageModelActivations(m, [1, 2, 3, 4]);
    assert.deepEqual([acts.H, acts.values.length], [5, 20]);
    const reg = new SequenceRegressor({ inputSize: 2, hiddenSize: 3, outputSize: 1, mode: 'LSTM' }, new Random(1)).eval();
    const rt = traceRegressor(reg, new Tensor(new Float32Array(2 * 5 * 2).fill(0.5), [2, 5, 2]));
    assert.deepEqual([...rt[0]!.c!.shape], [2, 5, 3]);
    assert.equal(reg.training, false, 'eval stays eval');
    // inEvalMode puts the mode back on a throw too, and records nothing inside.
    assert.throws(() => inEvalMode(m, () => {
      assert.equal(m.training, false);
      throw new Error('inside');
    }), /inside/);
    assert.equal(m.training, true);
  });
});
