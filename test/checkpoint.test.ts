/**
 * Gradient checkpointing through time gives the gradients of the plain
 * backward (to float rounding: the weight gradients sum the steps in another
 * order), for every cell, layout and backend, with segments that do not
 * divide T.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, Random, Tensor, createRecurrent } from '../packages/recurrent/src/node.js';
import { BACKEND_MODES, onKernels } from './backends.js';

const variants: Array<[string, string, object]> = [
  ['LSTM, 2 layers, bidirectional', 'LSTM', { numLayers: 2, bidirectional: true }],
  ['LSTM, batch-first, projected, peepholes', 'LSTM', { batchFirst: true, projSize: 3, peepholes: true }],
  ['GRU, batch-first', 'GRU', { batchFirst: true }],
  ['GRU, reset first, bidirectional', 'GRU', { linearBeforeReset: false, bidirectional: true }],
  ['tanh RNN, 2 layers', 'RNN_TANH', { numLayers: 2 }],
];

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  assert.ok(worst < 1e-5, `${what}: differs by ${worst}`);
}

for (const [label, load] of BACKEND_MODES) {
  describe(`gradient checkpointing (${label})`, () => {
    onKernels(load);

    for (const [name, kind, extra] of variants) {
      it(`${name}: outputs, input, state and weight gradients as without it`, () => {
        const [T, B, I] = [23, 3, 4];
        const run = (checkpoint: number) => {
          const rng = new Random(21);
          const m = createRecurrent(kind, { inputSize: I, hiddenSize: 5, rng, checkpoint, ...extra });
          const x = new Tensor(new Float32Array(T * B * I).map(() => rng.normal()), m.batchFirst ? [B, T, I] : [T, B, I]);
          const LD = m.numLayers * m.numDirections;
          const h0 = new Tensor(new Float32Array(LD * B * m.stateSize).map(() => rng.normal() * 0.5), [LD, B, m.stateSize]);
          const c0 = kind === 'LSTM' ? new Tensor(new Float32Array(LD * B * 5).map(() => rng.normal() * 0.5), [LD, B, 5]) : null;
          const r = m.forward(x, { h0, c0 });
          const gy = new Tensor(new Float32Array(r.output.size).map(() => rng.normal()), r.output.shape);
          const gh = new Tensor(new Float32Array(r.hN.size).map(() => rng.normal()), r.hN.shape);
          const g = m.backward({ gradOutput: gy, gradHN: gh }, { stateGrads: true });
          return { r, g, grads: m.parameters().map((p) => p.grad.slice()) };
        };
        const plain = run(0);
        for (const S of [5, 1, 22]) {
          const ck = run(S);
          close(ck.r.output.data, plain.r.output.data, `S=${S} output`);
          close(ck.r.hN.data, plain.r.hN.data, `S=${S} hN`);
          close(ck.g.gradInput.data, plain.g.gradInput.data, `S=${S} gradInput`);
          close(ck.g.gradH0.data, plain.g.gradH0.data, `S=${S} gradH0`);
          if (plain.g.gradC0) close(ck.g.gradC0!.data, plain.g.gradC0.data, `S=${S} gradC0`);
          close(ck.g.gradStates!.data, plain.g.gradStates!.data, `S=${S} gradStates`);
          ck.grads.forEach((gr, i) => close(gr, plain.grads[i]!, `S=${S} parameter ${i}`));
        }
      });
    }
  });
}

describe('gradient checkpointing: settings', () => {
  it('inference ignores it; lengths and a bad segment are clear errors', () => {
    const m = createRecurrent('LSTM', { inputSize: 2, hiddenSize: 3, checkpoint: 4 });
    const x = new Tensor(new Float32Array(10 * 2 * 2).fill(0.5), [10, 2, 2]);
    assert.throws(() => m.forward(x, { lengths: [10, 5] }), (e: Error) => e instanceof ConfigError && /checkpoint does not take lengths/.test(e.message));
    m.eval();
    assert.equal(m.forward(x, { lengths: [10, 5] }).output.shape[0], 10);
    assert.throws(() => createRecurrent('GRU', { inputSize: 2, hiddenSize: 3, checkpoint: 2.5 }), /checkpoint must be a whole number of steps \(0: off\), got 2.5/);
  });
});

describe('running out of WebAssembly memory', () => {
  it('is an OutOfMemoryError that names the need and suggests checkpointing', async () => {
    const { Arena } = await import('../packages/recurrent/src/kernels/wasm/arena.js');
    const { OutOfMemoryError } = await import('../packages/recurrent/src/node.js');
    // A memory that may grow to 40 pages (2.5 MiB), standing for the 4 GiB ceiling.
    const arena = new Arena(new WebAssembly.Memory({ initial: 30, maximum: 40 }));
    arena.reset();
    arena.alloc(1000);
    assert.throws(() => arena.alloc(4_000_000), (e: Error) => e instanceof OutOfMemoryError &&
      /needs 0\.0\d GiB of its memory and cannot grow to that from 0\.00 GiB .*checkpoint \(e\.g\. checkpoint: 100\)/.test(e.message));
  });
});
