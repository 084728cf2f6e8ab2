/**
 * Gradients through time against PyTorch autograd (test/reference/, made by
 * scripts/make-gradient-references.py with Debian's python3-torch): dL/dh_t
 * at every step, layer and direction, and the connectivity ||dy_t/dx_s||,
 * on the reference kernels and on wasm; then by finite differences.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  LSTM, LanguageModel, Random, type RecurrentBase, SequenceRegressor, Tensor, addingProblem, connectivity, createRecurrent, decayPerStep,
  languageModelConnectivity, languageModelGradients, regressorGradients, stateGradientNorms,
} from '../packages/recurrent/src/node.js';
import { BACKEND_MODES, onKernels } from './backends.js';

interface Case {
  name: string; kind: string; inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; batchFirst: boolean; T: number; B: number;
  stateDict: Record<string, { shape: number[]; data: number[] }>;
  x: number[]; probe: number[]; output: number[]; gradStates: number[][]; connectivity: number[]; connectivityProbe: number[];
}
const ref = JSON.parse(readFileSync(new URL('./reference/gradients-through-time.json', import.meta.url), 'utf8')) as { cases: Case[] };
const TOL = 1e-4;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

function build(c: Case): RecurrentBase {
  const m = createRecurrent(c.kind, { inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, batchFirst: c.batchFirst });
  m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, new Tensor(Float32Array.from(v.data), v.shape)])));
  return m;
}

const shape = (c: Case): number[] => (c.batchFirst ? [c.B, c.T, c.inputSize] : [c.T, c.B, c.inputSize]);

for (const [label, load] of BACKEND_MODES.slice(0, 2)) {
  describe(`gradients through time match PyTorch autograd (${label})`, () => {
    onKernels(load);
    for (const c of ref.cases) {
      it(`${c.name}: dL/dh_t of every step, layer and direction`, () => {
        const m = build(c);
        const out = m.forward(new Tensor(Float32Array.from(c.x), shape(c))).output;
        assert.ok(maxDiff(out.data, c.output) < TOL, 'output');
        const O = m.outputSize;
        const g = m.backward({ gradOutput: new Tensor(Float32Array.from(c.probe), c.batchFirst ? [c.B, c.T, O] : [c.T, c.B, O]) }, { stateGrads: true });
        const gs = g.gradStates!;
        assert.deepEqual([...gs.shape], [c.numLayers * (c.bidirectional ? 2 : 1), ...(c.batchFirst ? [c.B, c.T] : [c.T, c.B]), c.hiddenSize]);
        const H = c.hiddenSize;
        c.gradStates.forEach((expected, s) => {
          // The reference is (T,B,H) for every layer-direction.
          const ours = new Float32Array(c.T * c.B * H);
          for (let t = 0; t < c.T; t++) {
            for (let b = 0; b < c.B; b++) {
              const src = s * c.T * c.B * H + (c.batchFirst ? b * c.T + t : t * c.B + b) * H;
              ours.set(gs.data.subarray(src, src + H), (t * c.B + b) * H);
            }
          }
          const d = maxDiff(ours, expected);
          assert.ok(d < TOL, `layer-direction ${s}: differs by ${d}`);
        });
        // The norms are those of the same blocks.
        const norms = stateGradientNorms(m, gs);
        const top = norms.norms[0]!;
        let expect0 = 0;
        for (let b = 0; b < c.B; b++) for (let j = 0; j < H; j++) expect0 += c.gradStates[0]![(0 * c.B + b) * H + j]! ** 2;
        assert.ok(Math.abs(top[0]! - Math.sqrt(expect0)) < TOL * Math.max(1, Math.sqrt(expect0)));
      });

      it(`${c.name}: connectivity, the whole Jacobian and through a probe`, () => {
        const m = build(c);
        const I = c.inputSize;
        const x0 = new Float32Array(c.T * I);
        for (let t = 0; t < c.T; t++) {
          const src = (c.batchFirst ? t : t * c.B) * I;
          x0.set(c.x.slice(src, src + I), t * I);
        }
        const x = new Tensor(x0, c.batchFirst ? [1, c.T, I] : [c.T, 1, I]);
        // Small batches, so several passes are stitched together.
        const full = connectivity(m, x, { maxBatch: 7 });
        assert.ok(maxDiff(full, c.connectivity) < TOL, `full Jacobian: ${maxDiff(full, c.connectivity)}`);
        const O = m.outputSize;
        const probes = new Float32Array(c.T * O);
        for (let t = 0; t < c.T; t++) {
          const src = (c.batchFirst ? t : t * c.B) * O;
          probes.set(c.probe.slice(src, src + O), t * O);
        }
        const through = connectivity(m, x, { probes });
        assert.ok(maxDiff(through, c.connectivityProbe) < TOL, `through the probe: ${maxDiff(through, c.connectivityProbe)}`);
        if (!c.bidirectional) {
          // Causal: nothing flows back from a later input.
          for (let t = 0; t < c.T; t++) for (let s = t + 1; s < c.T; s++) assert.equal(full[t * c.T + s], 0);
        }
      });
    }
  });
}

for (const [label, load] of BACKEND_MODES) {
  describe(`asking for dL/dh_t leaves the gradients as they are (${label})`, () => {
    onKernels(load);
    for (const [name, kind, extra] of [
      ['LSTM, projected, 2 layers', 'LSTM', { projSize: 3, numLayers: 2 }], ['GRU, bidirectional, batch-first', 'GRU', { bidirectional: true, batchFirst: true }],
      ['tanh RNN', 'RNN_TANH', {}], ['LSTM, batch-first', 'LSTM', { batchFirst: true }],
    ] as const) {
      it(`${name}: input and weight gradients with and without stateGrads`, () => {
        const run = (stateGrads: boolean) => {
          const rng = new Random(31);
          const m = createRecurrent(kind, { inputSize: 3, hiddenSize: 5, rng, ...extra });
          const [T, B] = [12, 3];
          const x = new Tensor(new Float32Array(T * B * 3).map(() => rng.normal()), m.batchFirst ? [B, T, 3] : [T, B, 3]);
          const out = m.forward(x, { lengths: [12, 7, 1] }).output;
          const g = m.backward({ gradOutput: new Tensor(new Float32Array(out.size).map(() => rng.normal()), out.shape) }, { stateGrads });
          return [g.gradInput.data, g.gradH0.data, ...m.parameters().map((p) => p.grad.slice())];
        };
        const plain = run(false);
        run(true).forEach((a, i) => assert.ok(maxDiff(a, plain[i]!) < 1e-5, `array ${i}: ${maxDiff(a, plain[i]!)}`));
      });
    }
  });
}

describe('gradients through time by finite differences', () => {
  it('dL/dh_t of an LSTM: nudging h_t and running on from it changes the loss by the gradient', () => {
    const rng = new Random(3);
    const T = 9;
    const H = 5;
    const m = new LSTM({ inputSize: 2, hiddenSize: H, batchFirst: true, rng });
    const x = new Float32Array(T * 2).map(() => rng.normal());
    const p = new Float32Array(T * H).map(() => rng.normal());
    // L = sum_t p_t . y_t
    const lossFrom = (t0: number, h0: Float32Array | null, c0: Float32Array | null, from: number): number => {
      const xs = new Tensor(x.slice(from * 2), [1, T - from, 2]);
      const r = m.forward(xs, { h0: h0 ? new Tensor(h0, [1, 1, H]) : null, c0: c0 ? new Tensor(c0, [1, 1, H]) : null });
      let l = 0;
      for (let i = 0; i < (T - from) * H; i++) l += r.output.data[i]! * p[from * H + i]!;
      return l + t0;
    };
    m.train();
    m.forward(new Tensor(x, [1, T, 2]));
    const gs = m.backward({ gradOutput: new Tensor(p, [1, T, H]) }, { stateGrads: true }).gradStates!;
    m.eval();
    const t = 3;
    // The state after step t, and the loss of steps up to t-1.
    const pre = m.forward(new Tensor(x.slice(0, (t + 1) * 2), [1, t + 1, 2]));
    let before = 0;
    for (let i = 0; i < t * H; i++) before += pre.output.data[i]! * p[i]!;
    for (let j = 0; j < H; j++) {
      const eps = 1e-2;
      const at = (e: number): number => {
        const h = pre.hN.data.slice();
        h[j] += e;
        let l = before;
        for (let k = 0; k < H; k++) l += h[k]! * p[t * H + k]!;
        return lossFrom(l, h, pre.cN!.data, t + 1);
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      assert.ok(Math.abs(fd - gs.data[t * H + j]!) < 2e-3, `unit ${j}: finite difference ${fd}, backward ${gs.data[t * H + j]}`);
    }
  });

  it('connectivity of a GRU: nudging x_s moves y_t as the Jacobian says', () => {
    const rng = new Random(4);
    const T = 6;
    const m = createRecurrent('GRU', { inputSize: 2, hiddenSize: 3, batchFirst: true, rng });
    const x = new Float32Array(T * 2).map(() => rng.normal());
    const C = connectivity(m, new Tensor(x, [1, T, 2]));
    m.eval();
    const y = (xs: Float32Array): Float32Array => m.forward(new Tensor(xs, [1, T, 2])).output.data;
    const J = new Float64Array(T * T);
    const eps = 1e-2;
    for (let s = 0; s < T; s++) {
      for (let i = 0; i < 2; i++) {
        const a = x.slice();
        const b = x.slice();
        a[s * 2 + i] += eps;
        b[s * 2 + i] -= eps;
        const ya = y(a);
        const yb = y(b);
        for (let t = 0; t < T; t++) for (let k = 0; k < 3; k++) J[t * T + s] += ((ya[t * 3 + k]! - yb[t * 3 + k]!) / (2 * eps)) ** 2;
      }
    }
    for (let i = 0; i < T * T; i++) assert.ok(Math.abs(Math.sqrt(J[i]!) - C[i]!) < 2e-3, `entry ${i}: ${Math.sqrt(J[i]!)} vs ${C[i]}`);
  });
});

describe('gradients through time on models', () => {
  it('a language model: the last prediction\'s gradient at every step, weights\' grads left as they were, dropout off', () => {
    const rng = new Random(5);
    const m = new LanguageModel({ vocabSize: 7, embeddingSize: 4, hiddenSize: 6, numLayers: 2, dropout: 0.5 }, rng);
    const tokens = [1, 2, 3, 4, 5, 6, 0, 1, 2, 3];
    for (const p of m.parameters()) p.grad.fill(0.25);
    const a = languageModelGradients(m, tokens);
    const b = languageModelGradients(m, tokens);
    assert.deepEqual(a.norms.map((r) => [...r]), b.norms.map((r) => [...r]), 'deterministic: no dropout');
    assert.ok(m.parameters().every((p) => p.grad.every((v) => v === 0.25)), 'grads untouched');
    assert.equal(a.norms.length, 2);
    assert.equal(a.steps, 9);
    assert.ok(a.loss > 0 && a.norms[1]![8]! > 0);
    const C = languageModelConnectivity(m, tokens);
    assert.equal(C.length, 81);
    assert.ok(C[8 * 9 + 8]! > 0 && C[0 * 9 + 8] === 0);
  });

  it('a tanh RNN\'s gradient fades with the lag, an LSTM\'s with forget bias far less (decayPerStep)', () => {
    const { x, y } = addingProblem(16, 60, new Random(6));
    const slope = (mode: 'RNN_TANH' | 'LSTM'): number => {
      const m = new SequenceRegressor({ inputSize: 2, hiddenSize: 32, outputSize: 1, mode, ...(mode === 'LSTM' ? { forgetBias: 3 } : {}) }, new Random(7));
      return decayPerStep(regressorGradients(m, x, y).norms[0]!);
    };
    const rnn = slope('RNN_TANH');
    const lstm = slope('LSTM');
    assert.ok(rnn < Math.log(0.8), `tanh RNN: x${Math.exp(rnn).toFixed(3)} per step`);
    assert.ok(lstm > rnn / 3, `LSTM: x${Math.exp(lstm).toFixed(3)} per step against the RNN's x${Math.exp(rnn).toFixed(3)}`);
    assert.ok(Number.isNaN(decayPerStep([0, 0, 1])));
    assert.ok(Math.abs(decayPerStep([1, 2, 4, 8]) - Math.log(0.5)) < 1e-12, "halving with every step back");
  });
});
