/**
 * The WebAssembly backend against the plain TypeScript reference, on sizes
 * that exercise every edge path: blocks of K and M, strips of 8 and 4
 * columns, single leftover rows and columns, packed sequences.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random, jsKernels } from '../packages/recurrent/src/node.js';
import type { DirectionDims, Kernels } from '../packages/recurrent/src/kernels/types.js';
import { FORCED_SPLITS, loadWasmKernelsAsync } from '../packages/recurrent/src/kernels/wasm/load.js';

const rng = new Random(77);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

function close(got: Float32Array, want: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    if (!(err <= worst)) worst = err;
  }
  assert.ok(worst <= tol, `${what}: relative error ${worst}`);
}

describe('WebAssembly kernels match the TypeScript reference', async () => {
  const variants: Kernels[] = [];
  // The last: two threads splitting every call, so the split paths run on these small shapes.
  for (const [relaxed, threads, parallelMin] of [[false, 1, undefined], [true, 1, undefined], [true, 2, undefined], [true, 2, 0]] as const) {
    const k = await loadWasmKernelsAsync({ relaxed, threads, ...(parallelMin !== undefined ? { parallelMin } : {}) });
    if (k) variants.push(k);
  }
  it('loads the SIMD build and a two-thread build', () => {
    assert.ok(variants.some((k) => k.name === 'wasm-simd'));
    assert.ok(variants.some((k) => k.threads === 2));
  });

  for (const [v, wasm] of variants.entries()) {
    const label = `${wasm.name}, ${wasm.threads} thread${wasm.threads > 1 ? 's' : ''}${v === 3 ? ', every call split' : ''}`;
    it(`${label}: gemm in all transpose combinations, odd sizes, alpha 1, beta 0 and 1`, () => {
      for (const [M, N, K] of [[1, 1, 200], [3, 5, 7], [67, 133, 300], [130, 9, 513], [4, 8, 16], [33, 2050, 70], [301, 130, 90]] as const) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const beta of [0, 1]) {
              const A = rand(M * K + 3);
              const B = rand(K * N + 5);
              const C0 = rand(M * N + 2);
              const lda = transA ? M : K;
              const ldb = transB ? K : N;
              const want = C0.slice();
              const got = C0.slice();
              jsKernels.gemm(transA, transB, M, N, K, 1, A, 3, lda, B, 5, ldb, beta, want, 2, N);
              wasm.gemm(transA, transB, M, N, K, 1, A, 3, lda, B, 5, ldb, beta, got, 2, N);
              close(got, want, `gemm ${M}x${N}x${K} tA=${transA} tB=${transB} beta=${beta}`);
              assert.equal(got[0], C0[0], 'values before the offset untouched');
            }
          }
        }
      }
    });

    it(`${label}: arrays allocated by the backend are used in place (gemm, row kernels, through memory growth)`, () => {
      const own = (src: Float32Array): Float32Array => {
        const a = wasm.allocate(src.length);
        assert.ok(a.every((v) => v === 0), 'allocate gives zeros');
        a.set(src);
        return a;
      };
      const kept = own(rand(1000));
      const keptCopy = kept.slice();
      for (const [M, N, K] of [[37, 65, 70], [130, 9, 513]] as const) {
        for (const beta of [0, 1]) {
          const A = rand(M * K);
          const B = rand(N * K);
          const C0 = rand(M * N);
          const want = C0.slice();
          jsKernels.gemm(false, true, M, N, K, 1, A, 0, K, B, 0, K, beta, want, 0, N);
          const C = own(C0);
          wasm.gemm(false, true, M, N, K, 1, own(A), 0, K, own(B), 0, K, beta, C, 0, N);
          close(C, want, `gemm into an allocated C, ${M}x${N}x${K} beta=${beta}`);
          const sw = rand(N);
          const sg = own(sw);
          jsKernels.sumRows(M, N, want, 0, N, sw, 0);
          wasm.sumRows(M, N, own(want), 0, N, sg, 0);
          close(sg, sw, 'sumRows into an allocated vector', 1e-5);
        }
      }
      // A large allocation grows the memory; the earlier view still reads and writes the same values.
      const big = wasm.allocate(20_000_000);
      big[big.length - 1] = 1;
      assert.deepEqual(kept, keptCopy, 'an earlier allocation survives growth');
      kept[3] = 42;
      assert.equal(kept[3], 42);
    });

    it(`${label}: Adam step, gradient norm and scaling, in place and on plain arrays`, () => {
      for (const [n, amsgrad, decoupled] of [[1, false, false], [1003, true, false], [70_001, false, true]] as const) {
        const x0 = rand(n);
        const g0 = rand(n);
        const m0 = rand(n).map((v) => v * 0.1);
        const v0 = rand(n).map((v) => v * v * 0.01);
        const vm0 = v0.map((v, i) => (i % 2 ? v * 2 : v / 2));
        const st = { b1: 0.9, b2: 0.999, eps: 1e-8, l2: decoupled ? 0 : 0.01, decay: decoupled ? 1 - 1e-3 * 0.01 : 1, stepSize: 2e-3 / (1 - 0.9 ** 3), bc2Sqrt: Math.sqrt(1 - 0.999 ** 3) };
        const want = [x0, g0, m0, v0, vm0].map((a) => a.slice());
        jsKernels.adam(st, want[0]!, want[1]!, want[2]!, want[3]!, amsgrad ? want[4]! : null);
        for (const resident of [true, false]) {
          const arrays = [x0, g0, m0, v0, vm0].map((a) => {
            if (!resident) return a.slice();
            const r = wasm.allocate(n);
            r.set(a);
            return r;
          });
          wasm.adam(st, arrays[0]!, arrays[1]!, arrays[2]!, arrays[3]!, amsgrad ? arrays[4]! : null);
          const what = `adam n=${n} amsgrad=${amsgrad} decoupled=${decoupled} resident=${resident}`;
          close(arrays[0]!, want[0]!, `${what}: weights (bit for bit)`, 0);
          close(arrays[2]!, want[2]!, `${what}: first moment`, 0);
          close(arrays[3]!, want[3]!, `${what}: second moment`, 0);
          if (amsgrad) close(arrays[4]!, want[4]!, `${what}: running maximum`, 0);
          const ss = jsKernels.sumSquares(g0);
          assert.ok(Math.abs(wasm.sumSquares(arrays[1]!) - ss) <= 1e-9 * ss, `${what}: sum of squares`);
          const scaled = g0.map((v) => v * 0.3);
          wasm.scale(arrays[1]!, 0.3);
          close(arrays[1]!, scaled, `${what}: scale (bit for bit)`, 0);
        }
      }
    });

    it(`${label}: SGD step (momentum, Nesterov, dampening, first step), bit for bit, in place and on plain arrays`, () => {
      for (const [n, momentum, nesterov, dampening, first] of [[3, 0, false, 0, false], [1001, 0.9, true, 0, true], [70_001, 0.8, false, 0.1, false]] as const) {
        const x0 = rand(n);
        const g0 = rand(n);
        const b0 = rand(n);
        const st = { momentum, dampening, weightDecay: 0.01, nesterov, lr: 0.05 };
        const want = [x0, b0].map((a) => a.slice());
        jsKernels.sgd(st, want[0]!, g0, momentum ? want[1]! : null, first);
        for (const resident of [true, false]) {
          const [x, g, b] = [x0, g0, b0].map((a) => {
            if (!resident) return a.slice();
            const r = wasm.allocate(n);
            r.set(a);
            return r;
          });
          wasm.sgd(st, x!, g!, momentum ? b! : null, first);
          const what = `sgd n=${n} momentum=${momentum} nesterov=${nesterov} first=${first} resident=${resident}`;
          close(x!, want[0]!, `${what}: weights`, 0);
          if (momentum) close(b!, want[1]!, `${what}: momentum buffer`, 0);
        }
      }
    });

    it(`${label}: bias add and bias gradient (row kernels), strided and odd sizes`, () => {
      for (const [M, N, ld] of [[3, 5, 5], [100, 65, 70], [33, 130, 131]] as const) {
        const bias = rand(N + 2);
        const C0 = rand(M * ld + 4);
        const want = C0.slice();
        const got = C0.slice();
        jsKernels.addRowVector(M, N, bias, 2, want, 4, ld);
        wasm.addRowVector(M, N, bias, 2, got, 4, ld);
        close(got, want, `addRowVector ${M}x${N}`, 1e-6);
        const sw = rand(N + 1);
        const sg = sw.slice();
        jsKernels.sumRows(M, N, C0, 4, ld, sw, 1);
        wasm.sumRows(M, N, C0, 4, ld, sg, 1);
        close(sg, sw, `sumRows ${M}x${N}`, 1e-5);
        assert.equal(sg[0], sw[0], 'values before the offset untouched');
      }
    });

    it(`${label}: softmax cross-entropy, odd class counts, skipped and weighted rows, NaN`, () => {
      for (const [N, C] of [[3, 5], [40, 65], [17, 130], [600, 7]] as const) {
        const logits = rand(N * C).map((v) => v * 4);
        const targets = Int32Array.from({ length: N }, (_, n) => (n * 7) % C);
        const rowWeight = Float32Array.from({ length: N }, (_, n) => (n % 5 === 0 ? 0 : 0.5 + (n % 3)));
        const want = new Float32Array(N * C);
        const got = new Float32Array(N * C).fill(9);
        const rowWant = new Float32Array(N);
        const rowGot = new Float32Array(N).fill(9);
        const lw = jsKernels.softmaxCrossEntropy(N, C, logits, targets, rowWeight, 0.25, want, rowWant);
        const lg = wasm.softmaxCrossEntropy(N, C, logits, targets, rowWeight, 0.25, got, rowGot);
        assert.ok(Math.abs(lg - lw) <= 1e-5 * Math.abs(lw), `loss ${N}x${C}: ${lg} vs ${lw}`);
        close(got, want, `cross-entropy gradient ${N}x${C}`, 1e-5);
        close(rowGot, rowWant, `per-row losses ${N}x${C}`, 1e-5);
        // The rows' own losses, weighted, make the total; skipped rows are 0.
        assert.ok(Math.abs(rowWant.reduce((s, v, n) => s + v * rowWeight[n]!, 0) - lw) <= 1e-4 * Math.abs(lw));
        assert.ok(rowWant.every((v, n) => (rowWeight[n] === 0 ? v === 0 : v > 0)));
        logits[C + 1] = NaN;
        assert.ok(Number.isNaN(wasm.softmaxCrossEntropy(N, C, logits, targets, rowWeight.fill(1), 1, got)), 'a NaN logit gives a NaN loss');
      }
    });

    const cases: Array<[DirectionDims, boolean, boolean]> = [
      [{ kind: 'LSTM', T: 7, B: 5, I: 13, H: 37, P: 37 }, false, false],
      [{ kind: 'LSTM', T: 6, B: 3, I: 9, H: 21, P: 10 }, true, true],
      [{ kind: 'GRU', T: 5, B: 6, I: 70, H: 90, P: 90 }, true, false],
      [{ kind: 'GRU', T: 9, B: 2, I: 4, H: 3, P: 3 }, false, true],
      [{ kind: 'RNN_TANH', T: 8, B: 4, I: 300, H: 66, P: 66 }, false, true],
      [{ kind: 'RNN_RELU', T: 4, B: 7, I: 5, H: 12, P: 12 }, true, false],
      [{ kind: 'LSTM', T: 20, B: 9, I: 33, H: 70, P: 70 }, true, true],
      [{ kind: 'GRU', T: 12, B: 5, I: 40, H: 100, P: 100 }, false, false],
      // Batch 1 (the matrix-vector path): a partial strip among three, and among two.
      [{ kind: 'GRU', T: 5, B: 1, I: 6, H: 7, P: 7 }, true, false],
      [{ kind: 'LSTM', T: 4, B: 1, I: 9, H: 5, P: 5 }, false, false],
      [{ kind: 'RNN_TANH', T: 3, B: 1, I: 5, H: 36, P: 36 }, false, true],
    ];
    for (const [d, reverse, packed] of cases) {
      it(`${label}: ${d.kind} direction forward and backward (H=${d.H}, P=${d.P}, reverse=${reverse}, packed=${packed})`, () => {
        const G = d.kind === 'LSTM' ? 4 : d.kind === 'GRU' ? 3 : 1;
        const GH = G * d.H;
        const w = { wIh: rand(GH * d.I), wHh: rand(GH * d.P).map((v) => v * 0.3), bIh: rand(GH), bHh: rand(GH), wHr: d.P !== d.H ? rand(d.P * d.H) : null };
        const x = rand(d.T * d.B * d.I);
        const lengths = packed ? Int32Array.from({ length: d.B }, (_, b) => 1 + ((b * 5) % d.T)) : null;
        const run = (k: Kernels) => {
          const h = new Float32Array(d.B * d.P).fill(0.1);
          const c = d.kind === 'LSTM' ? new Float32Array(d.B * d.H).fill(-0.2) : null;
          const y = new Float32Array(d.T * d.B * d.P * 2);
          const cache = k.directionForward(d, w, x, h, c, { data: y, off: d.P, ld: 2 * d.P }, lengths, reverse, true)!;
          const g = { wIh: new Float32Array(GH * d.I).fill(0.5), wHh: new Float32Array(GH * d.P), bIh: new Float32Array(GH), bHh: new Float32Array(GH), wHr: w.wHr ? new Float32Array(d.P * d.H) : null };
          const dyr = new Random(5);
          const dy = Float32Array.from({ length: y.length }, () => dyr.normal());
          const dh = new Float32Array(d.B * d.P).fill(0.3);
          const dc = c ? new Float32Array(d.B * d.H).fill(-0.1) : null;
          const dx = new Float32Array(x.length).fill(1);
          k.directionBackward(d, w, g, cache, x, { data: dy, off: d.P, ld: 2 * d.P }, dh, dc, dx, lengths, reverse);
          return { h, c, y, g, dh, dc, dx };
        };
        const want = run(jsKernels);
        const got = run(wasm);
        close(got.y, want.y, 'output');
        close(got.h, want.h, 'final h');
        if (want.c) close(got.c!, want.c, 'final c');
        for (const key of ['wIh', 'wHh', 'bIh', 'bHh', 'wHr'] as const) if (want.g[key]) close(got.g[key]!, want.g[key]!, `grad ${key}`);
        close(got.dh, want.dh, 'dh0');
        if (want.dc) close(got.dc!, want.dc, 'dc0');
        close(got.dx, want.dx, 'dx');
      });

      it(`${label}: ${d.kind} batch-first sequences read and written in place (H=${d.H}, reverse=${reverse}, packed=${packed})`, () => {
        const G = d.kind === 'LSTM' ? 4 : d.kind === 'GRU' ? 3 : 1;
        const GH = G * d.H;
        const w = { wIh: rand(GH * d.I), wHh: rand(GH * d.P).map((v) => v * 0.3), bIh: rand(GH), bHh: rand(GH), wHr: d.P !== d.H ? rand(d.P * d.H) : null };
        const x = rand(d.T * d.B * d.I);
        const dyt = rand(d.T * d.B * d.P * 2);
        const lengths = packed ? Int32Array.from({ length: d.B }, (_, b) => 1 + ((b * 5) % d.T)) : null;
        // Time-major (T,B,X) <-> batch-first (B,T,X), for rows of width X inside a stride ld.
        const swap = (a: Float32Array, A: number, Bn: number, ld: number): Float32Array => {
          const out = new Float32Array(a.length);
          for (let i = 0; i < A; i++) for (let j = 0; j < Bn; j++) out.set(a.subarray((i * Bn + j) * ld, (i * Bn + j + 1) * ld), (j * A + i) * ld);
          return out;
        };
        const run = (k: Kernels, bf: boolean) => {
          const dims = { ...d, batchFirst: bf };
          const h = new Float32Array(d.B * d.P).fill(0.1);
          const c = d.kind === 'LSTM' ? new Float32Array(d.B * d.H).fill(-0.2) : null;
          const y = new Float32Array(d.T * d.B * d.P * 2).fill(3);
          const xin = bf ? swap(x, d.T, d.B, d.I) : x;
          const cache = k.directionForward(dims, w, xin, h, c, { data: y, off: d.P, ld: 2 * d.P }, lengths, reverse, true)!;
          const g = { wIh: new Float32Array(GH * d.I), wHh: new Float32Array(GH * d.P), bIh: new Float32Array(GH), bHh: new Float32Array(GH), wHr: w.wHr ? new Float32Array(d.P * d.H) : null };
          const dx = new Float32Array(x.length).fill(1);
          const dh = new Float32Array(d.B * d.P);
          const dc = c ? new Float32Array(d.B * d.H) : null;
          k.directionBackward(dims, w, g, cache, xin, { data: bf ? swap(dyt, d.T, d.B, 2 * d.P) : dyt, off: d.P, ld: 2 * d.P }, dh, dc, dx, lengths, reverse);
          // Back to time-major for the comparison.
          return { y: bf ? swap(y, d.B, d.T, 2 * d.P) : y, dx: bf ? swap(dx, d.B, d.T, d.I) : dx, h, g, dh };
        };
        const want = run(jsKernels, false);
        for (const [name, got] of [['js', run(jsKernels, true)], [wasm.name, run(wasm, true)]] as const) {
          close(got.y, want.y, `${name} batch-first output`);
          close(got.dx, want.dx, `${name} batch-first dx`);
          close(got.h, want.h, `${name} final h`);
          close(got.dh, want.dh, `${name} dh0`);
          for (const key of ['wIh', 'wHh', 'bIh', 'bHh'] as const) close(got.g[key]!, want.g[key]!, `${name} grad ${key}`);
          if (want.g.wHr) close(got.g.wHr!, want.g.wHr, `${name} grad wHr`);
        }
      });
    }
  }

  it('inference split by hidden units across two threads matches the reference (batch 1 and 3, lengths, reverse, odd halves)', async () => {
    // No split by sequences, every inference pass split by units.
    const units = await loadWasmKernelsAsync({ threads: 2, ...FORCED_SPLITS.units });
    assert.ok(units, 'the two-thread build loads');
    for (const kind of ['LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'] as const) {
      for (const [B, H, reverse, packed] of [[1, 24, false, false], [3, 40, true, true], [1, 16, true, false], [2, 37, false, true]] as const) {
        const d: DirectionDims = { kind, T: 9, B, I: 11, H, P: H };
        const GH = (kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1) * H;
        const w = { wIh: rand(GH * d.I), wHh: rand(GH * H).map((v) => v * 0.3), bIh: rand(GH), bHh: rand(GH), wHr: null };
        const x = rand(d.T * B * d.I);
        const h0 = rand(B * H);
        const c0 = rand(B * H);
        const lengths = packed ? Int32Array.from({ length: B }, (_, b) => d.T - 3 * b) : null;
        const run = (k: Kernels) => {
          const h = h0.slice();
          const c = kind === 'LSTM' ? c0.slice() : null;
          const y = new Float32Array(d.T * B * H * 2).fill(7);
          const cache = k.directionForward(d, w, x, h, c, { data: y, off: H, ld: 2 * H }, lengths, reverse, false);
          assert.equal(cache, null, 'no cache without recording');
          return { h, c, y };
        };
        const want = run(jsKernels);
        const got = run(units);
        const what = `${kind} B=${B} H=${H} reverse=${reverse} packed=${packed}`;
        close(got.y, want.y, `${what}: output (and the untouched other half)`);
        close(got.h, want.h, `${what}: final h`);
        if (want.c) close(got.c!, want.c, `${what}: final c`);
        // Batch-first: the same outputs with the rows in (b, t) order.
        const bf = { ...d, batchFirst: true };
        const xb = new Float32Array(x.length);
        for (let t = 0; t < d.T; t++) for (let b = 0; b < B; b++) xb.set(x.subarray((t * B + b) * d.I, (t * B + b + 1) * d.I), (b * d.T + t) * d.I);
        const yb = new Float32Array(d.T * B * H * 2).fill(7);
        const hb = h0.slice();
        units.directionForward(bf, w, xb, hb, kind === 'LSTM' ? c0.slice() : null, { data: yb, off: H, ld: 2 * H }, lengths, reverse, false);
        const ybt = new Float32Array(yb.length);
        for (let t = 0; t < d.T; t++) for (let b = 0; b < B; b++) ybt.set(yb.subarray((b * d.T + t) * 2 * H, (b * d.T + t + 1) * 2 * H), (t * B + b) * 2 * H);
        close(ybt, want.y, `${what}: batch-first output`);
        close(hb, want.h, `${what}: batch-first final h`);
      }
    }
  });

  it('weights kept packed across inference calls follow changes made in place', async () => {
    const units = await loadWasmKernelsAsync({ threads: 2, ...FORCED_SPLITS.units });
    const batches = await loadWasmKernelsAsync({ threads: 2, parallelMin: 0 });
    for (const k of [...variants, units!, batches!]) {
      for (const [kind, B, P] of [['LSTM', 1, 24], ['GRU', 3, 24], ['LSTM', 4, 10]] as const) {
        const d: DirectionDims = { kind, T: 6, B, I: 7, H: 24, P };
        const GH = (kind === 'LSTM' ? 4 : 3) * d.H;
        const w = { wIh: rand(GH * d.I), wHh: rand(GH * P).map((v) => v * 0.3), bIh: rand(GH), bHh: rand(GH), wHr: P !== d.H ? rand(P * d.H) : null };
        const x = rand(d.T * B * d.I);
        const run = (kk: Kernels) => {
          const h = new Float32Array(B * P);
          const y = new Float32Array(d.T * B * P);
          kk.directionForward(d, w, x, h, kind === 'LSTM' ? new Float32Array(B * d.H) : null, { data: y, off: 0, ld: P }, null, false, false);
          return y;
        };
        for (let round = 0; round < 4; round++) {
          const what = `${k.name}/${k.threads}: ${kind} B=${B} P=${P}, round ${round}`;
          close(run(k), run(jsKernels), what);
          close(run(k), run(jsKernels), `${what}, again`);
          // Change each packed weight in place, one per round, by one element.
          const target = [w.wIh, w.wHh, w.wHr ?? w.wHh, w.wIh][round]!;
          target[(round * 37) % target.length]! += 0.75;
        }
      }
    }
  });
});
