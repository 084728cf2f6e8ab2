/**
 * Traced forward: every layer and direction's gates, cell and state per step.
 * The traced outputs equal the untraced ones bit for bit on every backend and
 * split; the recorded gates and cells match PyTorch (test/reference/, made by
 * scripts/make-gradient-references.py) and obey the cell equations.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Random, Tensor, createRecurrent, noGrad } from '../packages/recurrent/src/node.js';
import { BACKEND_MODES, onKernels } from './backends.js';

interface Case {
  name: string; kind: string; inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; batchFirst: boolean; T: number; B: number;
  stateDict: Record<string, { shape: number[]; data: number[] }>;
  x: number[]; traceGates: number[][] | null; traceCells: number[][] | null;
}
const ref = JSON.parse(readFileSync(new URL('./reference/gradients-through-time.json', import.meta.url), 'utf8')) as { cases: Case[] };

const variants: Array<[string, string, object]> = [
  ['LSTM, 2 layers, bidirectional', 'LSTM', { numLayers: 2, bidirectional: true }],
  ['LSTM, batch-first, projected', 'LSTM', { batchFirst: true, projSize: 3 }],
  ['LSTM with peepholes', 'LSTM', { peepholes: true }],
  ['GRU, batch-first, 2 layers', 'GRU', { batchFirst: true, numLayers: 2 }],
  ['GRU, reset before the product', 'GRU', { linearBeforeReset: false, bidirectional: true }],
  ['tanh RNN', 'RNN_TANH', {}],
];

for (const [label, load] of BACKEND_MODES) {
  describe(`traced forward (${label})`, () => {
    onKernels(load);

    for (const [name, kind, extra] of variants) {
      it(`${name}: the outputs are bit for bit the untraced ones, in eval and in training`, () => {
        const rng = new Random(11);
        const m = createRecurrent(kind, { inputSize: 3, hiddenSize: 6, rng, ...extra });
        const [T, B] = [9, 4];
        const x = new Tensor(new Float32Array(T * B * 3).map(() => rng.normal()), m.batchFirst ? [B, T, 3] : [T, B, 3]);
        const lengths = [9, 5, 9, 1];
        for (const training of [false, true]) {
          if (training) m.train();
          else m.eval();
          const plain = noGrad(() => m.forward(x, { lengths }));
          const traced = noGrad(() => m.forward(x, { lengths, trace: true }));
          assert.equal(plain.trace, null);
          assert.deepEqual(traced.output.data, plain.output.data);
          assert.deepEqual(traced.hN.data, plain.hN.data);
          assert.deepEqual(traced.cN?.data, plain.cN?.data);
          const LD = m.numLayers * m.numDirections;
          assert.equal(traced.trace!.length, LD);
          // The top layer's h is the output.
          const P = m.stateSize;
          for (let d = 0; d < m.numDirections; d++) {
            const tr = traced.trace![(m.numLayers - 1) * m.numDirections + d]!;
            assert.deepEqual([...tr.h.shape], m.batchFirst ? [B, T, P] : [T, B, P]);
            for (let r = 0; r < T * B; r++) {
              assert.deepEqual(tr.h.data.subarray(r * P, (r + 1) * P), plain.output.data.subarray(r * m.outputSize + d * P, r * m.outputSize + (d + 1) * P));
            }
          }
        }
        // With backward to follow, a traced training forward still trains: the same gradients.
        m.train();
        const gOut = new Tensor(new Float32Array(plain(m, x).size).fill(0.1), plain(m, x).shape);
        m.forward(x);
        m.backward({ gradOutput: gOut });
        const g1 = m.parameters().map((p) => p.grad.slice());
        m.zeroGrad();
        const traced = m.forward(x, { trace: true });
        m.backward({ gradOutput: gOut });
        m.parameters().forEach((p, i) => assert.deepEqual(p.grad, g1[i]));
        assert.ok(traced.trace!.length > 0);
      });
    }

    for (const c of ref.cases) {
      it(`${c.name}: the gates and cells match PyTorch`, () => {
        const m = createRecurrent(c.kind, { inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, batchFirst: c.batchFirst });
        m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, new Tensor(Float32Array.from(v.data), v.shape)])));
        m.eval();
        const r = noGrad(() => m.forward(new Tensor(Float32Array.from(c.x), c.batchFirst ? [c.B, c.T, c.inputSize] : [c.T, c.B, c.inputSize]), { trace: true }));
        const H = c.hiddenSize;
        r.trace!.forEach((tr, s) => {
          for (const [ours, expected, X] of [[tr.gates, c.traceGates?.[s] ?? null, tr.gates ? tr.gates.shape[2]! : 0], [tr.c, c.traceCells?.[s] ?? null, H]] as const) {
            assert.equal(ours === null, expected === null);
            if (!ours || !expected) continue;
            for (let t = 0; t < c.T; t++) {
              for (let b = 0; b < c.B; b++) {
                const o = (c.batchFirst ? b * c.T + t : t * c.B + b) * X;
                const e = (t * c.B + b) * X;
                for (let j = 0; j < X; j++) assert.ok(Math.abs(ours.data[o + j]! - expected[e + j]!) < 1e-5, `layer-direction ${s}, t ${t}, b ${b}, ${j}`);
              }
            }
          }
        });
      });
    }
  });
}

/** A zero gradient of the module's output shape. */
function plain(m: ReturnType<typeof createRecurrent>, x: Tensor): Tensor {
  return new Tensor(new Float32Array(x.shape[0]! * x.shape[1]! * m.outputSize), [x.shape[0]!, x.shape[1]!, m.outputSize]);
}

describe('traced values obey the cell equations', () => {
  it('LSTM: c_t = f*c_{t-1} + i*g and h_t = o*tanh(c_t); GRU: h_t = (1-z)*n + z*h_{t-1}', () => {
    const rng = new Random(12);
    const [T, B, H] = [7, 2, 5];
    const x = new Tensor(new Float32Array(T * B * 2).map(() => rng.normal()), [T, B, 2]);
    const lstm = createRecurrent('LSTM', { inputSize: 2, hiddenSize: H, rng });
    const lt = noGrad(() => lstm.forward(x, { trace: true })).trace![0]!;
    const gru = createRecurrent('GRU', { inputSize: 2, hiddenSize: H, rng });
    const gt = noGrad(() => gru.forward(x, { trace: true })).trace![0]!;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const g = (k: number): number => lt.gates!.data[(t * B + b) * 4 * H + k * H + j]!;
          const cPrev = t > 0 ? lt.c!.data[((t - 1) * B + b) * H + j]! : 0;
          const c = lt.c!.data[(t * B + b) * H + j]!;
          assert.ok(Math.abs(c - (g(1) * cPrev + g(0) * g(2))) < 1e-6);
          assert.ok(Math.abs(lt.h.data[(t * B + b) * H + j]! - g(3) * Math.tanh(c)) < 1e-6);
          assert.ok(g(0) > 0 && g(0) < 1 && g(1) > 0 && g(1) < 1 && g(2) > -1 && g(2) < 1 && g(3) > 0 && g(3) < 1, 'sigmoid gates in (0,1), g in (-1,1)');
          const q = (k: number): number => gt.gates!.data[(t * B + b) * 3 * H + k * H + j]!;
          const hPrev = t > 0 ? gt.h.data[((t - 1) * B + b) * H + j]! : 0;
          assert.ok(Math.abs(gt.h.data[(t * B + b) * H + j]! - ((1 - q(1)) * q(2) + q(1) * hPrev)) < 1e-6);
        }
      }
    }
  });
});
