/**
 * The CTC loss beyond the PyTorch fixtures (conformance.test.ts runs those):
 * its value against the definition (every alignment enumerated), its
 * gradient by finite differences under each reduction, the edges PyTorch
 * defines (empty targets, impossible alignments, zero_infinity), bad input,
 * and greedy decoding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CtcLanguageModel, Random, Tensor, ctcBeamSearch, ctcGreedyDecode, ctcLoss, type CtcReduction } from '../packages/recurrent/src/node.js';
import { gradCheck, randomTensor } from './helpers.js';

const rng = new Random(7);

/** log_softmax of logits (T,N,C) at (t, n). */
function logProbs(x: Tensor, t: number, n: number): number[] {
  const [, N, C] = x.shape as [number, number, number];
  const row = Array.from(x.data.subarray((t * N + n) * C, (t * N + n + 1) * C));
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
}

/** -log of the probability summed over every path of length Tn that collapses to the target: the definition, by enumeration. */
function bruteForce(x: Tensor, n: number, Tn: number, target: number[], blank: number): number {
  const C = x.shape[2]!;
  const lp = Array.from({ length: Tn }, (_, t) => logProbs(x, t, n));
  let total = 0;
  const path = new Array<number>(Tn).fill(0);
  const visit = (t: number, logp: number): void => {
    if (t === Tn) {
      const collapsed: number[] = [];
      path.forEach((k, i) => {
        if (k !== blank && (i === 0 || k !== path[i - 1])) collapsed.push(k);
      });
      if (collapsed.join() === target.join()) total += Math.exp(logp);
      return;
    }
    for (let k = 0; k < C; k++) {
      path[t] = k;
      visit(t + 1, logp + lp[t]![k]!);
    }
  };
  visit(0, 0);
  return -Math.log(total);
}

describe('CTC loss', () => {
  it('equals the definition: every alignment enumerated, repeats needing a blank between them', () => {
    const T = 6;
    const x = randomTensor([T, 4, 4], rng);
    const targets = [[1, 2, 0], [2, 2, 0], [3, 1, 3], [0, 0, 0]];
    const lengths = [2, 2, 3, 0];
    const inputLengths = [6, 5, 6, 4];
    for (const blank of [0, 3]) {
      const t = targets.map((row) => row.map((k) => (k === blank ? (blank === 0 ? 3 : 0) : k)));
      const r = ctcLoss(x, t.flat(), inputLengths, lengths, { blank, reduction: 'none' });
      for (let n = 0; n < 4; n++) {
        const want = bruteForce(x, n, inputLengths[n]!, t[n]!.slice(0, lengths[n]), blank);
        assert.ok(Math.abs(r.losses[n]! - want) < 1e-9 * Math.max(1, want), `blank ${blank}, sequence ${n}: ${r.losses[n]} vs ${want}`);
      }
    }
  });

  for (const reduction of ['mean', 'sum', 'none'] as CtcReduction[]) {
    it(`gradient by finite differences (${reduction})`, () => {
      const x = randomTensor([7, 3, 5], rng);
      const targets = [1, 2, 2, 4, 3, 1, 0, 0, 2, 0, 0, 0];
      const lengths = [4, 2, 1];
      const inputs = [7, 5, 3];
      const gradLoss = [0.5, 1.5, 2];
      const run = () => ctcLoss(x, targets, inputs, lengths, { reduction, gradLoss: reduction === 'none' ? gradLoss : null, blank: 0 });
      const { grad } = run();
      // Past each input length nothing depends on the logits.
      for (let t = 3; t < 7; t++) for (let k = 0; k < 5; k++) assert.equal(grad.data[(t * 3 + 2) * 5 + k], 0);
      gradCheck([{ name: 'logits', values: x.data, grad: grad.data }], () => run().loss, { eps: 1e-3, samples: 40, atol: 1e-5, rtol: 1e-3 });
    });
  }

  it('mean divides by each target length (an empty target by 1), then by the batch', () => {
    const x = randomTensor([5, 3, 4], rng);
    const args = [[1, 2, 3, 2, 0, 0, 0, 0, 0], [5, 5, 5], [3, 1, 0]] as const;
    const none = ctcLoss(x, ...args, { reduction: 'none' }).losses;
    const mean = ctcLoss(x, ...args, { reduction: 'mean' }).loss;
    const sum = ctcLoss(x, ...args, { reduction: 'sum' }).loss;
    assert.ok(Math.abs(mean - (none[0]! / 3 + none[1]! / 1 + none[2]! / 1) / 3) < 1e-9);
    assert.ok(Math.abs(sum - (none[0]! + none[1]! + none[2]!)) < 1e-9);
    // An empty target: every step emits the blank.
    const blankOnly = Array.from({ length: 5 }, (_, t) => -logProbs(x, t, 2)[0]!).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(none[2]! - blankOnly) < 1e-9);
  });

  it('an impossible alignment is infinite, or zero with zeroInfinity, with no gradient', () => {
    const x = randomTensor([3, 2, 4], rng);
    // "1 1" needs three steps (1, blank, 1); "1 2 3 1" needs four; sequence 1 has only three steps.
    const targets = [1, 1, 0, 0, 1, 2, 3, 1];
    const r = ctcLoss(x, targets, [3, 3], [2, 4], { reduction: 'none' });
    assert.ok(Number.isFinite(r.losses[0]!));
    assert.equal(r.losses[1], Infinity);
    const z = ctcLoss(x, targets, [3, 3], [2, 4], { reduction: 'sum', zeroInfinity: true });
    assert.equal(z.losses[1], 0);
    assert.ok(Math.abs(z.loss - r.losses[0]!) < 1e-9);
    for (let t = 0; t < 3; t++) for (let k = 0; k < 4; k++) assert.equal(z.grad.data[(t * 2 + 1) * 4 + k], 0);
  });

  it('bad input: one clear message naming what was expected', () => {
    const x = randomTensor([4, 2, 3], rng);
    assert.throws(() => ctcLoss(randomTensor([4, 3], rng), [1], [4], [1]), /logits must be \(T, N, C\), got \[4, 3\]/);
    assert.throws(() => ctcLoss(x, [1, 0, 1, 0], [4, 4], [2, 1]), /target 0 at sequence 0, position 1 is not a class in \[0, 3\) other than the blank \(0\)/);
    assert.throws(() => ctcLoss(x, [1, 2, 1, 2], [5, 4], [2, 2]), /input length 5 of sequence 0 is not in \[0, 4\]/);
    assert.throws(() => ctcLoss(x, [1, 2, 1, 2], [4, 4], [2, 3]), /target length 3 of sequence 1 is not in \[0, 2\]/);
    assert.throws(() => ctcLoss(x, [1, 2, 1], [4, 4], [1, 1]), /targets must be \(N, S\) with N = 2, got 3 values/);
    assert.throws(() => ctcLoss(x, [1, 2], [4, 4], [1, 1], { blank: 3 }), /blank must be a class in \[0, 3\), got 3/);
    assert.throws(() => ctcLoss(x, [1, 2], [4, 4], [1, 1], { reduction: 'avg' as CtcReduction }), /reduction must be 'mean', 'sum' or 'none', got "avg"/);
  });
});

describe('greedy CTC decoding', () => {
  it('takes the best class per step, collapses repeats, drops blanks, stops at the input length', () => {
    // Paths: a a - a b b -  ->  a a b ;  b - - b  (length 4 of 7) -> b b
    const paths = [[1, 1, 0, 1, 2, 2, 0], [2, 0, 0, 2, 1, 1, 1]];
    const T = 7;
    const x = new Tensor(new Float32Array(T * 2 * 3), [T, 2, 3]);
    paths.forEach((p, n) => p.forEach((k, t) => { x.data[(t * 2 + n) * 3 + k] = 1; }));
    assert.deepEqual(ctcGreedyDecode(x, { inputLengths: [7, 4] }), [[1, 1, 2], [2, 2]]);
    // With the blank last, class 0 is a label.
    assert.deepEqual(ctcGreedyDecode(x, { blank: 2 }), [[1, 0, 1, 0], [0, 1]]);
    assert.throws(() => ctcGreedyDecode(x, { inputLengths: [8, 1] }), /input length 8 of sequence 0 is not in \[0, 7\]/);
  });
});

describe('CTC prefix beam search', () => {
  /** (T,C) log-probabilities of one sequence, and the same logits as (T,1,C) for ctcLoss. */
  const frames = (T: number, C: number, seed: number) => {
    const x = randomTensor([T, 1, C], new Random(seed));
    const lp = new Float64Array(T * C);
    for (let t = 0; t < T; t++) logProbs(x, t, 0).forEach((v, k) => { lp[t * C + k] = v; });
    return { x, lp };
  };

  it('a wide beam gives every prefix its exact probability over all alignments, best first', () => {
    for (const seed of [1, 2, 3]) {
      const T = 5;
      const C = 3;
      const { x, lp } = frames(T, C, seed);
      const beam = ctcBeamSearch(lp, T, C, { width: 10_000 });
      for (const h of beam.slice(0, 12)) {
        const want = h.labels.length === 0 ? -ctcLoss(x, [], [T], [0], { reduction: 'sum' }).loss : -ctcLoss(x, h.labels, [T], [h.labels.length], { reduction: 'sum' }).loss;
        assert.ok(Math.abs(h.logp - want) < 1e-9, `${h.labels}: ${h.logp} vs ${want}`);
        assert.equal(h.score, h.logp);
      }
      for (let i = 1; i < beam.length; i++) assert.ok(beam[i - 1]!.score >= beam[i]!.score);
      // Every label sequence of at most T labels that can be aligned is there, and their probabilities sum to 1.
      const mass = beam.reduce((a, h) => a + Math.exp(h.logp), 0);
      assert.ok(Math.abs(mass - 1) < 1e-9, `total probability ${mass}`);
    }
  });

  it('finds the most probable labelling where the best path does not', () => {
    // Two frames: the best path is "blank, blank" (0.6 x 0.6 = 0.36 for the empty labelling), but the
    // label 1 has 0.4 x 0.4 + 0.4 x 0.6 + 0.6 x 0.4 = 0.64.
    const lp = Float64Array.from([0.6, 0.4, 0.6, 0.4], Math.log);
    const x = new Tensor(Float32Array.from([0.6, 0.4, 0.6, 0.4], Math.log), [2, 1, 2]);
    assert.deepEqual(ctcGreedyDecode(x), [[]]);
    const best = ctcBeamSearch(lp, 2, 2, { width: 4 })[0]!;
    assert.deepEqual(best.labels, [1]);
    assert.ok(Math.abs(Math.exp(best.logp) - 0.64) < 1e-12);
  });

  it('shallow fusion: the language model\'s log-probability of each label, weighted, and a bonus per label', () => {
    const T = 6;
    const C = 4;
    const { lp } = frames(T, C, 9);
    // A bigram model over the classes, stepped in batches; the state is the last label.
    const table = (prev: number): number[] => Array.from({ length: C }, (_, k) => Math.log(k === 0 ? 1e-9 : (k === ((prev + 1) % C || 1) ? 0.8 : 0.1)));
    let calls = 0;
    const lm: CtcLanguageModel<number> = {
      start: () => ({ state: 0, logProbs: table(0) }),
      step: (states, labels) => { calls++; return labels.map((k) => ({ state: k, logProbs: table(k) })); },
    };
    const beam = ctcBeamSearch(lp, T, C, { width: 6, lm, lmWeight: 0.7, lengthBonus: 0.3 });
    assert.ok(calls > 0 && calls <= T, 'one batched lm call per frame at most');
    for (const h of beam) {
      let lmLogp = 0;
      let prev = 0;
      for (const k of h.labels) { lmLogp += table(prev)[k]!; prev = k; }
      assert.ok(Math.abs(h.score - (h.logp + 0.7 * lmLogp + 0.3 * h.labels.length)) < 1e-9);
    }
    assert.throws(() => ctcBeamSearch(lp, T, C, { width: 0 }), /width must be a positive integer, got 0/);
    assert.throws(() => ctcBeamSearch(lp, T + 1, C), /expected 7 x 4 log-probabilities, got 24/);
  });
});
