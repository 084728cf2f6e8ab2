import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Adam, LSTM, LanguageModel, Linear, Module, NonFiniteLossError, Random, SGD, Tensor, Trainer, TruncatedBPTT, mseLoss, noGrad,
} from '../packages/recurrent/src/node.js';

/** Delay task: the target at step t is the input bit at step t-2 (needs memory). */
function delayBatch(rng: Random, B: number, T: number): { x: Tensor; y: Float32Array } {
  const x = new Float32Array(B * T);
  const y = new Float32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) x[b * T + t] = rng.next() < 0.5 ? 1 : 0;
  for (let b = 0; b < B; b++) for (let t = 2; t < T; t++) y[b * T + t] = x[b * T + t - 2]!;
  return { x: new Tensor(x, [B, T, 1]), y };
}

/** Free composition: an LSTM and a linear head in one module. */
class Tagger extends Module {
  readonly lstm: LSTM;
  readonly head: Linear;
  constructor(rng: Random) {
    super();
    this.lstm = this.registerModule('lstm', new LSTM({ inputSize: 1, hiddenSize: 12, batchFirst: true, rng }));
    this.head = this.registerModule('head', new Linear({ inFeatures: 12, outFeatures: 1, rng }));
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.lstm.forward(x).output);
  }
  backward(grad: Tensor): void {
    this.lstm.backward({ gradOutput: this.head.backward(grad) });
  }
}

function trainDelay(seed: number, steps: number): number[] {
  const rng = new Random(seed);
  const model = new Tagger(rng);
  const trainer = new Trainer(model, new Adam(model.parameters(), { lr: 0.02 }), { clipNorm: 1 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = delayBatch(rng, 16, 10);
    losses.push(trainer.step(() => {
      const { loss, grad } = mseLoss(model.forward(x), y);
      model.backward(grad);
      return loss;
    }).loss);
  }
  return losses;
}

describe('training', () => {
  it('an LSTM learns a delay task: the loss falls by 10x', () => {
    const losses = trainDelay(1, 150);
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(last < first / 10, `loss went from ${first} to ${last}`);
  });

  it('the same seed reproduces the same run; another seed does not', () => {
    assert.deepEqual(trainDelay(7, 5), trainDelay(7, 5));
    assert.notDeepEqual(trainDelay(7, 5), trainDelay(8, 5));
  });

  it('a NaN loss stops training with the step number, weights untouched', () => {
    const lm = new LanguageModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4 }, new Random(2));
    const trainer = new Trainer(lm, new SGD(lm.parameters(), { lr: 0.1 }));
    const inputs = { data: Int32Array.from([1, 2, 3, 4]), shape: [1, 4] };
    const t = new TruncatedBPTT(lm, trainer);
    t.step(inputs, [2, 3, 4, 0]);
    lm.linearHead("test").bias!.data[0] = NaN;
    const before = lm.stateDict();
    assert.throws(() => t.step(inputs, [2, 3, 4, 0]), (e: Error) => e instanceof NonFiniteLossError && e.step === 2 &&
      e.message === 'training stopped: the loss is NaN at step 2 (expected a finite number); lower the learning rate or enable gradient clipping');
    const after = lm.stateDict();
    for (const k of Object.keys(before)) assert.deepEqual(after[k]!.data, before[k]!.data);
  });

  it('truncated BPTT carries the state across chunks and reset() starts from zeros', () => {
    const lm = new LanguageModel({ vocabSize: 6, embeddingSize: 3, hiddenSize: 5, numLayers: 2, mode: 'LSTM' }, new Random(4));
    lm.eval();
    const seq = Int32Array.from([1, 4, 2, 5, 0, 3, 3, 1]);
    const whole = lm.forward({ data: seq, shape: [1, 8] }).logits;
    const a = lm.forward({ data: seq.slice(0, 5), shape: [1, 5] });
    const b = lm.forward({ data: seq.slice(5), shape: [1, 3] }, a.state);
    const chunked = [...a.logits.data, ...b.logits.data];
    chunked.forEach((v, i) => assert.ok(Math.abs(v - whole.data[i]!) < 1e-6));
    lm.train();
    const trainer = new Trainer(lm, new Adam(lm.parameters(), { lr: 0.01 }));
    const t = new TruncatedBPTT(lm, trainer);
    t.step({ data: seq.slice(0, 4), shape: [1, 4] }, seq.slice(1, 5));
    assert.ok(t.state && t.state.c, 'state carried');
    const carried = t.state.h.data.slice();
    t.step({ data: seq.slice(4, 7), shape: [1, 3] }, seq.slice(5, 8));
    assert.notDeepEqual(t.state.h.data, carried);
    t.reset();
    assert.equal(t.state, null);
    assert.throws(() => { t.state = a.state; t.step({ data: seq.slice(0, 4), shape: [2, 2] }, seq.slice(0, 4)); }, /carried state is for batch 1, this chunk has batch 2/);
    // Nothing recorded is left behind: every forward was matched by its backward.
    assert.throws(() => lm.linearHead("test").backward(new Tensor(new Float32Array(6), [1, 6])), /no recorded forward pass/);
  });

  it('noGrad and eval record nothing for backward', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3 });
    noGrad(() => lstm.forward(Tensor.zeros([2, 1, 2])));
    assert.throws(() => lstm.backward(), /no recorded forward pass/);
    lstm.eval().forward(Tensor.zeros([2, 1, 2]));
    assert.throws(() => lstm.backward(), /no recorded forward pass/);
  });
});

describe('fit: the one training loop', async () => {
  const { fit, ranksAbove } = await import('../packages/recurrent/src/train/fit.js');
  const { Linear, NonFiniteLossError: NFE, Random: R } = await import('../packages/recurrent/src/node.js');
  const model = (): InstanceType<typeof Linear> => new Linear({ inFeatures: 1, outFeatures: 1, rng: new R(0) });

  it('ranks entry by entry, higher first; anything ranks above null', () => {
    assert.equal(ranksAbove([0.9, -1], [0.8, -0.1]), true);
    assert.equal(ranksAbove([0.9, -1], [0.9, -0.5]), false);
    assert.equal(ranksAbove([0.9, -0.5], [0.9, -0.5]), false);
    assert.equal(ranksAbove([0], null), true);
  });

  it('batches cover each epoch once, shuffled by the rng; validation each epoch; patience stops; the best weights come back', async () => {
    const m = model();
    const seen: number[][] = [];
    const scores = [1, 3, 2, 2, 2, 2];
    let evals = 0;
    const r = await fit(m, {
      size: 5, batch: 2,
      step: (idx) => {
        seen.push(idx);
        m.weight.data[0]! += 1;
        return 0.5;
      },
      validate: () => ({ metrics: scores[evals]!, rank: [scores[evals++]!] }),
    }, { epochs: 10, patience: 2 }, { rng: new R(3) });
    assert.equal(r.stopped, 'patience');
    assert.equal(evals, 4, 'epochs 1..4: best at 2, then two without improvement');
    for (let e = 0; e < 4; e++) assert.deepEqual(seen.slice(3 * e, 3 * e + 3).flat().sort(), [0, 1, 2, 3, 4]);
    assert.equal(r.best?.epoch, 2);
    let w = model().weight.data[0]!;
    for (let k = 0; k < 6; k++) w = Math.fround(w + 1);
    assert.equal(m.weight.data[0], w, 'the weights of epoch 2 (after 6 steps) are restored');
  });

  it('a NaN validation stops the run with NonFiniteLossError', async () => {
    await assert.rejects(fit(model(), { size: 2, step: () => 1, validate: () => ({ metrics: 0, rank: [NaN] }) }, { epochs: 3 }, { rng: new R(0) }), NFE);
    // The loss is reported as it is (Infinity), not as its rank (-Infinity), at the step reached.
    await assert.rejects(fit(model(), { size: 2, step: () => 1, validate: () => ({ metrics: 0, rank: [-Infinity], loss: Infinity }) }, { epochs: 3 }, { rng: new R(0) }),
      (e: Error) => e instanceof NFE && /validation loss is Infinity at step 2/.test(e.message));
  });

  it('in order, from a resumed step, validating at global multiples of evalEvery, to a stop step', async () => {
    const steps: number[] = [];
    const evals: number[] = [];
    await fit(model(), { size: 4, step: (_, s) => (steps.push(s), 1), validate: () => ({ metrics: 0, rank: [0] }) },
      { stopAt: 11, startStep: 5, evalEvery: 3, shuffle: false }, { onEval: (e) => void evals.push(e.step) });
    assert.deepEqual(steps, [5, 6, 7, 8, 9, 10]);
    assert.deepEqual(evals, [6, 9, 11]);
  });
});
