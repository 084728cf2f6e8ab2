import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BackwardError, ConfigError, GRU, GRUCell, LSTM, LSTMCell, Linear, RNN, Random, ShapeError, Tensor, manualSeed, noGrad,
} from '../packages/recurrent/src/node.js';
import { randomTensor } from './helpers.js';
import type { Module } from '../packages/recurrent/src/node.js';

function param(m: Module, name: string): Float32Array {
  return new Map(m.namedParameters()).get(name)!.data;
}

describe('recurrent modules', () => {
  it('use PyTorch parameter names and layouts', () => {
    const m = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 3 });
    const shapes = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.shape.join('x')]));
    assert.deepEqual(shapes, {
      weight_ih_l0: '28x5', weight_hh_l0: '28x3', bias_ih_l0: '28', bias_hh_l0: '28', weight_hr_l0: '3x7',
      weight_ih_l0_reverse: '28x5', weight_hh_l0_reverse: '28x3', bias_ih_l0_reverse: '28', bias_hh_l0_reverse: '28', weight_hr_l0_reverse: '3x7',
      weight_ih_l1: '28x6', weight_hh_l1: '28x3', bias_ih_l1: '28', bias_hh_l1: '28', weight_hr_l1: '3x7',
      weight_ih_l1_reverse: '28x6', weight_hh_l1_reverse: '28x3', bias_ih_l1_reverse: '28', bias_hh_l1_reverse: '28', weight_hr_l1_reverse: '3x7',
    });
    assert.equal(new GRU({ inputSize: 2, hiddenSize: 4, bias: false }).numParameters(), 12 * 2 + 12 * 4);
  });

  it('initialise like PyTorch: U(-1/sqrt(H), 1/sqrt(H)), reproducible from a seed', () => {
    manualSeed(42);
    const a = new GRU({ inputSize: 3, hiddenSize: 16 });
    manualSeed(42);
    const b = new GRU({ inputSize: 3, hiddenSize: 16 });
    const c = new GRU({ inputSize: 3, hiddenSize: 16 });
    const bound = 1 / 4;
    for (const p of a.parameters()) assert.ok(p.data.every((v) => v >= -bound && v < bound));
    assert.deepEqual(param(a, 'weight_hh_l0'), param(b, 'weight_hh_l0'));
    // The distribution, not only its bounds: every parameter of a wider layer, pooled, is uniform on [-k, k).
    const wide = new GRU({ inputSize: 8, hiddenSize: 64 });
    const k = 1 / 8;
    const values = wide.parameters().flatMap((p) => Array.from(p.data));
    const n = values.length;
    const mean = values.reduce((x, v) => x + v, 0) / n;
    const variance = values.reduce((x, v) => x + (v - mean) ** 2, 0) / n;
    assert.ok(Math.abs(mean) < 4 * k / Math.sqrt(3 * n), `mean ${mean}`);
    assert.ok(Math.abs(variance / (k * k / 3) - 1) < 0.05, `variance ${variance}, uniform's ${k * k / 3}`);
    assert.ok(Math.min(...values) < -0.99 * k && Math.max(...values) > 0.99 * k, 'it reaches both bounds');
    const bins = new Array<number>(10).fill(0);
    for (const v of values) bins[Math.min(9, Math.floor(((v + k) / (2 * k)) * 10))]!++;
    for (const count of bins) assert.ok(Math.abs(count / (n / 10) - 1) < 0.1, `bins ${bins.join(' ')}: flat`);
    assert.notDeepEqual(param(a, 'weight_hh_l0'), param(c, 'weight_hh_l0'));
  });

  it('orthogonal init gives orthonormal recurrent gate blocks', () => {
    const m = new LSTM({ inputSize: 3, hiddenSize: 6, init: 'orthogonal', rng: new Random(1) });
    const w = param(m, 'weight_hh_l0');
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          let s = 0;
          for (let k = 0; k < 6; k++) s += w[(g * 6 + i) * 6 + k]! * w[(g * 6 + j) * 6 + k]!;
          assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-5, `block ${g} rows ${i},${j}: ${s}`);
        }
      }
    }
    assert.ok(m.parameters().filter((p) => p.rank === 1).every((p) => p.data.every((v) => v === 0)));
  });

  it('forgetBias and chronoInit set the keep gate\'s bias (LSTM f, GRU z), and chrono the LSTM input gate\'s, every layer and direction', () => {
    const H = 6;
    const lstm = new LSTM({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, forgetBias: 1, rng: new Random(1) });
    const plain = new LSTM({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, rng: new Random(1) });
    for (const sfx of ['_l0', '_l0_reverse', '_l1', '_l1_reverse']) {
      const bih = param(lstm, `bias_ih${sfx}`);
      const bhh = param(lstm, `bias_hh${sfx}`);
      for (let j = 0; j < H; j++) {
        assert.equal(bih[H + j]! + bhh[H + j]!, 1, 'forget gate total bias 1');
        // The other blocks are PyTorch's uniform start, untouched.
        assert.equal(bih[j], param(plain, `bias_ih${sfx}`)[j]);
        assert.equal(bih[2 * H + j], param(plain, `bias_ih${sfx}`)[2 * H + j]);
      }
    }
    const T = 100;
    const chrono = new LSTM({ inputSize: 3, hiddenSize: 64, chronoInit: T, rng: new Random(2) });
    const b = param(chrono, 'bias_ih_l0');
    const keep = Array.from(b.subarray(64, 128));
    for (let j = 0; j < 64; j++) {
      assert.ok(keep[j]! >= 0 && keep[j]! <= Math.log(T - 1) + 1e-6, `b_f ${keep[j]} in [0, log(T-1)]`);
      assert.equal(b[j], -keep[j]!, 'b_i = -b_f');
      assert.equal(param(chrono, 'bias_hh_l0')[64 + j], 0);
    }
    assert.ok(Math.max(...keep) > Math.log(T / 4), 'spread over the range of timescales');
    const gru = new GRU({ inputSize: 3, hiddenSize: 64, chronoInit: T, rng: new Random(3) });
    const z = param(gru, 'bias_ih_l0').subarray(64, 128);
    assert.ok(z.every((v) => v >= 0 && v <= Math.log(T - 1) + 1e-6), 'GRU update gate');
    // Re-initialising keeps the gate-bias rule.
    gru.resetParameters('orthogonal');
    assert.ok(param(gru, 'bias_ih_l0').subarray(64, 128).some((v) => v > 0.5));
    assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 3, forgetBias: 1 }), (e: Error) => e instanceof ConfigError && /RNN has no gates/.test(e.message));
    assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3, chronoInit: 1 }), /chronoInit must be an integer >= 2 .*got 1/);
    assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3, forgetBias: 1, chronoInit: 9 }), /forgetBias or chronoInit, not both/);
    assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 3, bias: false, forgetBias: 1 }), /bias is false/);
  });

  it('batchFirst only changes the layout', () => {
    const rng = new Random(2);
    const a = new LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, rng });
    const b = new LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: false, rng });
    b.loadStateDict(a.stateDict());
    const x = randomTensor([2, 5, 3], rng); // (B,T,I)
    const xt = new Tensor(new Float32Array(30), [5, 2, 3]);
    for (let bb = 0; bb < 2; bb++) for (let t = 0; t < 5; t++) for (let i = 0; i < 3; i++) xt.set(x.get(bb, t, i), t, bb, i);
    const ya = a.forward(x);
    const yb = b.forward(xt);
    assert.deepEqual(ya.hN.data, yb.hN.data);
    for (let bb = 0; bb < 2; bb++) for (let t = 0; t < 5; t++) for (let j = 0; j < 4; j++) assert.equal(ya.output.get(bb, t, j), yb.output.get(t, bb, j), `(${bb}, ${t}, ${j})`);
  });

  it('a sequence module equals its cell stepped by hand', () => {
    const rng = new Random(3);
    const seq = new GRU({ inputSize: 2, hiddenSize: 3, batchFirst: true, rng });
    const cell = new GRUCell({ inputSize: 2, hiddenSize: 3, rng });
    cell.loadStateDict({ weight_ih: seq.stateDict().weight_ih_l0!, weight_hh: seq.stateDict().weight_hh_l0!, bias_ih: seq.stateDict().bias_ih_l0!, bias_hh: seq.stateDict().bias_hh_l0! });
    const x = randomTensor([1, 4, 2], rng);
    const out = seq.forward(x);
    let h: Tensor | null = null;
    for (let t = 0; t < 4; t++) {
      h = cell.forward(new Tensor(x.data.slice(t * 2, t * 2 + 2), [1, 2]), h);
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(h.data[j]! - out.output.get(0, t, j)) < 1e-6);
    }
  });

  it('packed sequences: zero output past the length, final state at the last valid step', () => {
    const rng = new Random(4);
    const m = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true, rng });
    const x = randomTensor([2, 5, 2], rng);
    const full = m.forward(x, { lengths: [5, 2] });
    const short = m.forward(new Tensor(x.data.slice(10, 14), [1, 2, 2]));
    for (let t = 2; t < 5; t++) for (let j = 0; j < 3; j++) assert.equal(full.output.get(1, t, j), 0);
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(full.hN.get(0, 1, j) - short.hN.get(0, 0, j)) < 1e-7);
      assert.ok(Math.abs(full.cN.get(0, 1, j) - short.cN.get(0, 0, j)) < 1e-7);
    }
  });

  it('dropout between layers is active in training and off in eval', () => {
    const m = new LSTM({ inputSize: 2, hiddenSize: 8, numLayers: 2, dropout: 0.5, rng: new Random(5) });
    const x = randomTensor([3, 2, 2], new Random(6));
    const t1 = noGrad(() => m.forward(x)).output.data;
    const t2 = noGrad(() => m.forward(x)).output.data;
    assert.notDeepEqual(t1, t2);
    m.eval();
    assert.deepEqual(m.forward(x).output.data, m.forward(x).output.data);
  });

  it('errors name what was expected and what was given', () => {
    const m = new LSTM({ inputSize: 5, hiddenSize: 4 });
    assert.throws(() => m.forward(Tensor.zeros([3, 2, 7])), (e: Error) => e instanceof ShapeError && e.message === 'LSTM.forward: input has 7 features, the module expects inputSize 5');
    assert.throws(() => m.forward(Tensor.zeros([3, 5])), /input must have 3 dimensions \(time, batch, features\), got \[3, 5\]/);
    assert.throws(() => m.forward(Tensor.zeros([3, 2, 5]), { h0: Tensor.zeros([1, 3, 4]) }), /h0: expected shape \[1, 2, 4\], got \[1, 3, 4\]/);
    assert.throws(() => m.forward(Tensor.zeros([3, 2, 5]), { lengths: [3, 4] }), /lengths\[1\] must be an integer in \[1, 3\], got 4/);
    assert.throws(() => m.forward(Tensor.zeros([3, 2, 5]), { lengths: [3] }), /lengths has 1 entries, the batch has 2 sequences/);
    assert.throws(() => new GRU({ inputSize: 0, hiddenSize: 3 }), (e: Error) => e instanceof ConfigError && /GRU inputSize must be a positive integer, got 0/.test(e.message));
    assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 3 }), /projSize must be an integer in \[0, hiddenSize=3\), got 3/);
    assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 3, dropout: 1 }), /dropout must be in \[0, 1\), got 1/);
    assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'sigmoid' as 'tanh' }), /nonlinearity must be 'tanh' or 'relu', got 'sigmoid'/);
    assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 3 }).backward(), BackwardError);
    assert.throws(() => new Linear({ inFeatures: 3, outFeatures: 2 }).forward(Tensor.zeros([2, 4])), /input has 4 features in its last axis, the layer expects inFeatures 3/);
    assert.throws(() => new LSTMCell({ inputSize: 3, hiddenSize: 2 }).forward(Tensor.zeros([2, 3]), { h: Tensor.zeros([2, 3]), c: Tensor.zeros([2, 2]) }), /h: expected shape \[2, 2\], got \[2, 3\]/);
  });

  it('stateDict and loadStateDict round-trip and reject mismatches', () => {
    const a = new RNN({ inputSize: 2, hiddenSize: 3, rng: new Random(7) });
    const b = new RNN({ inputSize: 2, hiddenSize: 3, rng: new Random(8) });
    b.loadStateDict(a.stateDict());
    assert.deepEqual(b.stateDict(), a.stateDict());
    const sd = a.stateDict();
    assert.throws(() => b.loadStateDict({ ...sd, extra: Tensor.zeros([1]) }), /unexpected: extra/);
    const { bias_hh_l0: _gone, ...missing } = sd;
    assert.throws(() => b.loadStateDict(missing), /missing: bias_hh_l0/);
    assert.throws(() => b.loadStateDict({ ...sd, weight_hh_l0: Tensor.zeros([3, 2]) }), /'weight_hh_l0' expects shape \[3, 3\], got \[3, 2\]/);
  });
});

