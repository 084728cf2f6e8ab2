/**
 * The adaptive softmax in a language model (src/nn/adaptive-softmax.ts; the
 * module itself is checked against PyTorch by the adaptive_softmax fixtures
 * in test/fixtures/torch-extra): finite-difference gradients through the
 * whole model, its log-probabilities, word models choosing it, saving and
 * loading it, generating with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AdaptiveLogSoftmaxWithLoss, ConfigError, LanguageModel, Random, ShapeError, Tensor, TextGenerator, TokenDecoder, defaultCutoffs, torchModuleSource,
} from '../packages/recurrent/src/node.js';
import { gradCheck } from './helpers.js';

describe('adaptive softmax language model', () => {
  it('loss and its gradients: finite differences through head, tails, stack and embedding', () => {
    const rng = new Random(3);
    const lm = new LanguageModel({ vocabSize: 30, embeddingSize: 4, hiddenSize: 8, numLayers: 2, mode: 'GRU', adaptive: { cutoffs: [6, 15], divValue: 2 } }, rng);
    const B = 2;
    const T = 5;
    const tokens = { data: Int32Array.from({ length: B * T }, () => rng.int(30)), shape: [B, T] };
    // Targets in every cluster.
    const targets = Int32Array.from({ length: B * T }, (_, i) => [1, 8, 20, 3, 29][i % 5]!);
    lm.zeroGrad();
    const { loss } = lm.loss(tokens, targets);
    lm.backwardLoss();
    assert.ok(Number.isFinite(loss) && loss > 0);
    const targetsOf = lm.namedParameters().map(([name, p]) => ({ name, values: p.data, grad: p.grad }));
    assert.deepEqual(lm.namedParameters().map(([n]) => n).filter((n) => n.startsWith('head')),
      ['head.head.weight', 'head.tail.0.0.weight', 'head.tail.0.1.weight', 'head.tail.1.0.weight', 'head.tail.1.1.weight']);
    gradCheck(targetsOf, () => { const v = lm.loss(tokens, targets).loss; lm.clearCache(); return v; }, { samples: 6 });
  });

  it('forward gives log-probabilities: each row sums to 1 and the loss is their mean at the targets', () => {
    const rng = new Random(4);
    const lm = new LanguageModel({ vocabSize: 40, embeddingSize: 5, hiddenSize: 12, adaptive: { cutoffs: [10, 25], divValue: 2 } }, rng);
    lm.eval();
    const tokens = { data: Int32Array.from({ length: 12 }, () => rng.int(40)), shape: [2, 6] };
    const targets = Int32Array.from({ length: 12 }, () => rng.int(40));
    const lp = lm.forward(tokens).logits;
    assert.deepEqual(lp.shape, [2, 6, 40]);
    let nll = 0;
    for (let n = 0; n < 12; n++) {
      let sum = 0;
      for (let v = 0; v < 40; v++) sum += Math.exp(lp.data[n * 40 + v]!);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${n} sums to ${sum}`);
      nll -= lp.data[n * 40 + targets[n]!]!;
    }
    assert.ok(Math.abs(lm.loss(tokens, targets).loss - nll / 12) < 1e-5);
    assert.throws(() => lm.backward(lp), (e: Error) => e instanceof ConfigError && /adaptive softmax head/.test(e.message));
  });

  it('refuses bad cutoffs and targets in one line', () => {
    const make = (cutoffs: number[], inFeatures = 16): AdaptiveLogSoftmaxWithLoss => new AdaptiveLogSoftmaxWithLoss({ inFeatures, nClasses: 20, cutoffs });
    for (const c of [[], [0, 5], [5, 5], [8, 4], [20], [2.5]]) assert.throws(() => make(c), (e: Error) => e instanceof ConfigError && /cutoffs must be unique increasing integers in \[1, 19\]/.test(e.message), JSON.stringify(c));
    assert.throws(() => make([4, 8, 12]), (e: Error) => e instanceof ConfigError && /cluster 2 would project 16 features to 0/.test(e.message));
    const m = make([5, 10]);
    const x = new Tensor(new Float32Array(32), [2, 16]);
    assert.throws(() => m.forward(x, [1, 20]), (e: Error) => e instanceof ShapeError && /target 20 at row 1 is not a class in \[0, 20\)/.test(e.message));
    assert.deepEqual(defaultCutoffs(20000, 256), [1000, 4000, 10000]);
    assert.deepEqual(defaultCutoffs(20000, 16), [1000, 6000]);
    assert.deepEqual(defaultCutoffs(20000, 4), [2000]);
    assert.deepEqual(defaultCutoffs(20000, 3), []);
    // Each default builds.
    for (const h of [4, 16, 64, 256]) new AdaptiveLogSoftmaxWithLoss({ inFeatures: h, nClasses: 20000, cutoffs: defaultCutoffs(20000, h) });
  });

  it('a word model of 5,000+ words gets one by default; it saves, loads, generates the same, and exports to PyTorch', () => {
    // 6,000 distinct words, Zipf-like frequencies.
    const rng = new Random(9);
    const words = Array.from({ length: 6000 }, (_, i) => `w${i.toString(36)}`);
    const text = [...words, ...Array.from({ length: 30000 }, () => words[Math.min(5999, Math.floor(Math.exp(rng.next() * Math.log(6000))) - 1)]!)].join(' ');
    const g = TextGenerator.create(text, { tokenizer: 'word', hiddenSize: 16, numLayers: 1, embeddingSize: 8 }, 1);
    assert.equal(g.options.softmax, 'adaptive');
    assert.deepEqual(g.options.cutoffs, defaultCutoffs(g.vocab.size, 16));
    assert.ok(g.model.head instanceof AdaptiveLogSoftmaxWithLoss);
    const small = TextGenerator.create(text.slice(0, 3000), { tokenizer: 'word', hiddenSize: 8, numLayers: 1, embeddingSize: 4 }, 1);
    assert.equal(small.options.softmax, 'full', 'a small vocabulary keeps the full softmax');
    assert.equal(TextGenerator.create('abc abc', { tokenizer: 'char', softmax: 'auto' }).options.softmax, 'full');
    const again = TextGenerator.fromFiles(g.toFiles());
    assert.equal(again.options.softmax, 'adaptive');
    const a = g.generate({ prime: 'w1 w2', length: 30, seed: 5 }).text;
    assert.equal(again.generate({ prime: 'w1 w2', length: 30, seed: 5 }).text, a);
    assert.equal(new TokenDecoder(g.model).threads, 1, 'the modules\' path');
    const py = torchModuleSource(g.model, 'model.safetensors');
    assert.match(py, /torch\.nn\.AdaptiveLogSoftmaxWithLoss\(16, \d+, cutoffs=\[\d+, \d+\], div_value=4\)/);
  });
});
