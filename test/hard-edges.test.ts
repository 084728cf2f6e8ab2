/** Hard edges of the API (issue 12): each case failed before its fix. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ConfigError, DTypeError, DataError, Embedding, FormatError, LSTM, LanguageModel, NonFiniteError, NonFiniteLossError, Random, ShapeError, Tensor,
  TextGenerator, Vocabulary, loadModel, loadTextModel, numericColumn, parseTable, saveModel, serializeSafetensors, toSeries, writeFileAtomic,
} from '../packages/recurrent/src/node.js';
import { getBackend, getThreads } from '../packages/recurrent/src/kernels/index.js';
import { trainInFolder } from '../packages/recurrent/src/tasks/text/io.js';

const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);

describe('API hard edges', () => {
  it('with nothing called, the backend is the fastest the engine offers', () => {
    // A fresh process: this file sets no backend before this test.
    assert.match(getBackend(), /^wasm-(relaxed-)?simd$/);
    const wantThreads = typeof SharedArrayBuffer !== 'undefined' && (typeof navigator === 'undefined' || navigator.hardwareConcurrency >= 2) ? 2 : 1;
    assert.equal(getThreads(), wantThreads);
  });

  it('a resumed run keeps its settings; a shape-changing one is refused, not crashed on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-resume-'));
    const g = TextGenerator.create(text, { hiddenSize: 8, numLayers: 1, embeddingSize: 4 }, 0);
    await trainInFolder(dir, g, text, { steps: 6, evalEvery: 3, batch: 4, seqLen: 10, lr: 0.01 });
    const r = await loadTextModel(dir, { resume: true });
    assert.deepEqual(r.resumeSettings?.options, { batch: 4, seqLen: 10, lr: 0.01, optimizer: 'adam', clip: 5, evalEvery: 3, evalTokens: 100_000 });
    assert.deepEqual(r.resumeSettings?.target, { stopAt: 6, deadline: null });
    await assert.rejects(r.train(text, { batch: 8, steps: 1 }), (e: Error) => e instanceof ConfigError && /keeps its batch \(4 in the checkpoint\), got 8/.test(e.message));
    await r.train(text, { steps: 3 });
    assert.equal(r.step, 9);
    assert.equal(r.resumeSettings?.options.batch, 4);
  });

  it('a NaN validation loss stops the run and never replaces the best model; NaN weights are never written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-nan-'));
    const g = TextGenerator.create(text, { hiddenSize: 8, numLayers: 1, embeddingSize: 4 }, 0);
    await assert.rejects(trainInFolder(dir, g, text, { steps: 50, evalEvery: 1, batch: 4, seqLen: 10, lr: 1e38, optimizer: 'sgd', clip: 0 }), NonFiniteLossError);
    const saved = await loadTextModel(dir);
    assert.ok(saved.history.length > 0 && saved.history.every((h) => Number.isFinite(h.valLoss)));
    for (const t of Object.values(saved.model.stateDict())) assert.ok(t.data.every(Number.isFinite));
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, rng: new Random(0) });
    lstm.parameters()[0]!.data[1] = NaN;
    await assert.rejects(saveModel(join(dir, 'nan-lstm'), lstm), (e: Error) => e instanceof NonFiniteError && /'weight_ih_l0' has 1 of 24 values NaN/.test(e.message));
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('nan-lstm')), []);
  });

  it('a CSV value that would overflow the scaling is refused with its line and column', () => {
    const t = parseTable('t,v\n1,1\n2,1e300\n3,2\n', 'big.csv');
    assert.throws(() => numericColumn(t, 'v'), (e: Error) => e instanceof DataError && /big\.csv: line 3, column "v": 1e300 is too large to scale/.test(e.message));
    const gap = parseTable('t,v\n1,1\n2,2\n3,3\n900000,4\n', 'gap.csv');
    assert.throws(() => toSeries(gap, { columns: ['v'], time: 't' }), (e: Error) => e instanceof DataError && /line 5 jumps 899997 steps/.test(e.message));
  });

  it('writeFileAtomic onto a folder leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-atomic-'));
    await assert.rejects(writeFileAtomic(dir, 'x'));
    const parent = join(dir, '..');
    assert.deepEqual(readdirSync(parent).filter((n) => n.startsWith(`${dir.split('/').pop()}.`) && n.endsWith('.tmp')), []);
  });

  it('tensors, ids and seeds: the wrong kind is a typed error, not a silent conversion', () => {
    assert.throws(() => new Tensor(new Float64Array(4) as unknown as Float32Array, [4]), (e: Error) => e instanceof DTypeError && /must be a Float32Array, got Float64Array/.test(e.message));
    assert.throws(() => Tensor.zeros([-1, 2]), (e: Error) => e instanceof ShapeError && /non-negative integer, got -1/.test(e.message));
    assert.throws(() => Tensor.zeros([1.5]), ShapeError);
    const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 2 });
    assert.throws(() => emb.forward({ data: Float32Array.of(1.5) as unknown as Int32Array, shape: [1] }), (e: Error) => e instanceof ShapeError && /id 1\.5 at position 0 is not an integer/.test(e.message));
    assert.throws(() => new Random(1e30), (e: Error) => e instanceof ConfigError && /safe integer, got 1e\+30/.test(e.message));
  });

  it('counts read as English: "1 token", not "1 tokens"', async () => {
    const g = TextGenerator.create('a', { hiddenSize: 4, numLayers: 1, embeddingSize: 2 }, 0);
    await assert.rejects(g.train('a', { steps: 1 }), (e: Error) => e instanceof ConfigError && /the text has 1 token: too few/.test(e.message));
    const { mfcc } = await import('../packages/recurrent/src/audio/features.js');
    assert.throws(() => mfcc(new Float32Array(1), 8000, { source: 'one.wav' }), (e: Error) => e instanceof DataError && /one\.wav: 1 sample \(0\.1 ms\)/.test(e.message));
  });

  it('errors name their file: a duplicate vocabulary token, a missing tensor', async () => {
    assert.throws(() => Vocabulary.fromJSON({ kind: 'char', tokens: ['a', 'b', 'a'] }, 'm/vocab.json'), (e: Error) => e instanceof FormatError && /m\/vocab\.json: duplicate token "a" at index 2 \(first at 0\)/.test(e.message));
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-missing-'));
    const lm = new LanguageModel({ vocabSize: 5, embeddingSize: 2, hiddenSize: 3, numLayers: 1, mode: 'GRU' }, new Random(0));
    await saveModel(dir, lm);
    const state = lm.stateDict();
    delete state['head.bias'];
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(state, { format: 'pt' }));
    await assert.rejects(loadModel(dir), (e: Error) => e instanceof FormatError && e.message.startsWith(`${dir}/model.safetensors: `) && /head\.bias/.test(e.message));
  });

  it('a config that claims more parameters than its weights hold is refused before allocating', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-claim-'));
    const lm = new LanguageModel({ vocabSize: 5, embeddingSize: 2, hiddenSize: 3, numLayers: 1, mode: 'LSTM' }, new Random(0));
    await saveModel(dir, lm);
    const { readFileSync } = await import('node:fs');
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { config: Record<string, number> };
    cfg.config.hiddenSize = 1e8;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    await assert.rejects(loadModel(dir), (e: Error) => e instanceof FormatError && /beyond the values its weights hold/.test(e.message));
  });
});
