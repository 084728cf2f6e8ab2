/**
 * The WebAssembly SIMD backend. Each recurrent direction (forward or
 * backward, all T steps) is one call into WebAssembly: the time loop runs
 * inside. Parameters, gradients and optimiser state live in wasm memory
 * (allocate) and are used in place; the inputs and the cache are copied into
 * a per-call arena (transfer.ts) and the results copied out.
 *
 * With a second thread, a large call is split by batch: sequences are
 * independent through time, so each thread runs the whole time loop on its
 * half of the batch with no synchronisation per step; the weight gradients of
 * the two halves are summed at the end. Large matrix products are split by
 * rows the same way, optimiser updates by halves of the weights. Inference at
 * batch 1 is split by hidden units instead (assembly/units.ts). Small calls
 * stay in TypeScript, where copying would cost more than it saves. The cells
 * without a fused kernel here (isVariantCell: peepholes, the reset-first GRU)
 * run the reference sequence loop on this backend's GEMMs.
 */
import { BackwardError } from '../../errors.js';
import { col2im, im2col, maxPool2d, maxPool2dBackward } from '../js/conv.js';
import { gemm as jsGemm, addRowVector as jsAddRowVector, sumRows as jsSumRows } from '../js/gemm.js';
import { softmaxCrossEntropy as jsSoftmaxCrossEntropy } from '../js/losses.js';
import { adam as jsAdam, scale as jsScale, sgd as jsSgd, sumSquares as jsSumSquares } from '../js/optim.js';
import type { AdamStep, SgdStep, DirectionCache, DirectionDims, DirectionGrads, DirectionWeights, KernelStepper, Kernels, StepperSpec, Strided } from '../types.js';
import { CELL_KINDS, type CellKind } from '../cell-kinds.js';
import { KERNEL_PARAMS } from './binary.js';
import { gateCount, isVariantCell } from '../types.js';
import { directionBackwardAnyLayout, directionForwardAnyLayout } from '../js/layout.js';
import { Arena, scratchOf } from './arena.js';
import { PackCache, packedSize } from './pack-cache.js';
import { SpareArrays } from './spare-arrays.js';
import { createStepper } from './stepper.js';
import { type Range, Transfer } from './transfer.js';
import type { WorkerFunction, WorkerThread } from './threads.js';

/** The functions exported by assembly/index.ts. Pointers are byte addresses. */
export interface WasmExports {
  gemm(M: number, N: number, K: number, a: number, sai: number, sak: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  transpose(src: number, rows: number, cols: number, dst: number): void;
  swapAxes01(src: number, A: number, B: number, C: number, dst: number): void;
  equalBytes(a: number, b: number, bytes: number): number;
  adam(n: number, x: number, g: number, m: number, v: number, vmax: number,
    b1: number, b2: number, eps: number, l2: number, decay: number, stepSize: number, bc2Sqrt: number): void;
  sgd(n: number, x: number, g: number, buf: number, first: number, mu: number, dampening: number, wd: number, nesterov: number, lr: number): void;
  sumSquares(n: number, x: number): number;
  scale(n: number, x: number, c: number): void;
  addRowVector(M: number, N: number, bias: number, c: number, ldc: number): void;
  sumRows(M: number, N: number, a: number, lda: number, out: number): void;
  setScratch(ptr: number): void;
  directionForward(...args: number[]): void;
  directionBackward(...args: number[]): void;
  directionForwardUnits(...args: number[]): void;
  softmaxCrossEntropy(N: number, C: number, logits: number, targets: number, rowWeight: number, gradScale: number, grad: number, rowLoss: number): number;
  packBT(w: number, ldw: number, K: number, N: number, dst: number): void;
  gemmPacked(M: number, N: number, K: number, a: number, lda: number, pb: number, c: number, ldc: number, accumulate: number): void;
  stackStep(...args: number[]): void;
}

/** A loaded module: its exports, its memory and, with threads, the second thread. */
export interface WasmRuntime {
  name: string;
  exports: WasmExports;
  memory: WebAssembly.Memory;
  worker: WorkerThread | null;
  /** or a way to start it at the first call that is split */
  startWorker?: () => WorkerThread;
  /** the split threshold (default PARALLEL_MIN); tests lower it to run the two-thread paths on small shapes */
  parallelMin?: number;
  /** the unit-split thresholds (default UNIT_SPLIT_MIN, UNIT_SPLIT_TOTAL); tests lower them likewise */
  unitSplitMin?: number;
}

/** A many-argument kernel's arguments by name (KERNEL_PARAMS, read from its AssemblyScript declaration by the build). */
type KernelArgs<F extends keyof typeof KERNEL_PARAMS> = { [K in (typeof KERNEL_PARAMS)[F][number]]: number };

/** The positional arguments for `f`, in the order assembly/ declares them. */
function kernelArgs<F extends keyof typeof KERNEL_PARAMS>(f: F, named: KernelArgs<F>): number[] {
  return (KERNEL_PARAMS[f] as readonly string[]).map((k) => (named as Record<string, number>)[k]!);
}

const KIND = Object.fromEntries(Object.entries(CELL_KINDS).map(([k, v]) => [k, v.wasmCode])) as Record<CellKind, number>;

/** Below this many multiply-adds a GEMM stays in TypeScript. */
const SMALL_GEMM = 4096;
/** Below this many logits (or matrix elements, for the row kernels) the copies cost more than the kernel saves. */
const SMALL_ROWS = 2048;
/**
 * From this much work (multiply-adds, weighted per kind of call) a call is
 * split between two threads. Below it the copies and the join cost more than
 * the second core gives (measured 2026-12-01: a GEMM of 3.3M multiply-adds
 * breaks even, 6.7M runs 1.3x faster, 13M 1.4-1.5x).
 */
const PARALLEL_MIN = 5_000_000;
/**
 * A sequence pass counts 0.6 of its multiply-adds: split by batch, each
 * thread packs the whole weight matrices and runs its per-step products on
 * half the batch, less efficient than one large product (measured
 * 2026-12-01: 3.3M multiply-adds break even; hidden 32 at batch 16, 9.8M,
 * runs 1.3x faster; hidden 128 at batch 32 1.5x; hidden 64 at batch 32 1.6x).
 */
const DIRECTION_WEIGHT = 0.6;
/**
 * An optimiser update counts 8 multiply-adds a weight: it is bound by memory
 * (seven arrays streamed), and two cores stream faster than one.
 */
const OPTIM_WEIGHT = 8;

/** The weighted work of a sequence pass, compared with the split threshold. */
function directionWork(d: DirectionDims): number {
  return DIRECTION_WEIGHT * d.T * d.B * gateCount(d.kind) * d.H * (d.I + d.P);
}

/**
 * An inference pass too small to split by sequences (batch 1) is split by
 * hidden units, with a barrier per step, from this many multiply-adds per
 * step of the recurrent product: below it the barrier costs more than the
 * second core gives.
 */
const UNIT_SPLIT_MIN = 65_536;
/** ...and from this many over the whole pass (a pass of one step, a generated token, runs faster on one thread). */
const UNIT_SPLIT_TOTAL = 4_000_000;

export function createWasmKernels(rt: WasmRuntime): Kernels {
  const { exports, memory } = rt;
  let worker = rt.worker;
  const canSplit = worker !== null || rt.startWorker !== undefined;
  const arena = new Arena(memory);
  const io = new Transfer(arena, exports);
  const spare = new SpareArrays();
  const packs = new PackCache(arena, exports.equalBytes);
  const consumed = new WeakSet<DirectionCache>();
  exports.setScratch(scratchOf(0));
  const threads = canSplit ? 2 : 1;
  const parallelMin = rt.parallelMin ?? PARALLEL_MIN;
  const unitSplitMin = rt.unitSplitMin ?? UNIT_SPLIT_MIN;
  // A lowered threshold (tests) lowers the whole-pass one with it.
  const unitSplitTotal = rt.unitSplitMin ?? UNIT_SPLIT_TOTAL;

  /** Splits [0, n) in two when there is a second thread and enough work. */
  function split(n: number, work: number): Range[] {
    if (!canSplit || n < 2 || work < parallelMin) return [[0, n]];
    const h = Math.ceil(n / 2);
    return [[0, h], [h, n]];
  }

  /** Runs one call per part: the second on the worker, the first here. */
  function runParts(fn: WorkerFunction, calls: number[][]): void {
    if (calls.length === 2) {
      worker ??= rt.startWorker!();
      worker.post(fn, calls[1]!);
    }
    try {
      (exports[fn] as (...a: number[]) => void)(...calls[0]!);
    } finally {
      if (calls.length === 2) worker!.join();
    }
  }

  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const lasting = new FinalizationRegistry<readonly [number, number]>(([ptr, n]) => arena.release(ptr, n));

  function allocate(n: number): Float32Array {
    // Only shared memory keeps views valid when it grows.
    if (!shared || n === 0) return new Float32Array(n);
    arena.reset(); // between calls: the last call's area is free
    const ptr = arena.allocLasting(n);
    const a = arena.f32(ptr, n);
    a.fill(0);
    lasting.register(a, [ptr, n]);
    return a;
  }

  /** The address of an array that lives in wasm memory, else -1. */
  function addressOf(a: Float32Array | null): number {
    return a && arena.owns(a) ? a.byteOffset : -1;
  }

  function adam(st: AdamStep, x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null): void {
    const ptrs = [x, g, m, v].map(addressOf);
    const pmax = vmax ? addressOf(vmax) : 0;
    // Copying four arrays in and three out would cost more than the update: in place or in TypeScript.
    if (ptrs.some((p) => p < 0) || pmax < 0) {
      jsAdam(st, x, g, m, v, vmax);
      return;
    }
    runParts('adam', updateParts(x.length).map(([i0, i1]) => [i1 - i0, ...ptrs.map((p) => p + 4 * i0), vmax ? pmax + 4 * i0 : 0,
      st.b1, st.b2, st.eps, st.l2, st.decay, st.stepSize, st.bc2Sqrt]));
  }

  /** Element ranges [i0, i1) of an update over n weights, on two threads when it is large (halves on 4-element borders). */
  function updateParts(n: number): Range[] {
    return split(n >> 2, n * OPTIM_WEIGHT).map(([a, b]) => [4 * a, b === n >> 2 ? n : 4 * b] as const);
  }

  function sgd(st: SgdStep, x: Float32Array, g: Float32Array, buf: Float32Array | null, first: boolean): void {
    const px = addressOf(x);
    const pg = addressOf(g);
    const pb = buf ? addressOf(buf) : 0;
    if (px < 0 || pg < 0 || pb < 0) {
      jsSgd(st, x, g, buf, first);
      return;
    }
    runParts('sgd', updateParts(x.length).map(([i0, i1]) => [i1 - i0, px + 4 * i0, pg + 4 * i0, buf ? pb + 4 * i0 : 0, first ? 1 : 0,
      st.momentum, st.dampening, st.weightDecay, st.nesterov ? 1 : 0, st.lr]));
  }

  function sumSquares(x: Float32Array): number {
    const p = addressOf(x);
    return p < 0 ? jsSumSquares(x) : exports.sumSquares(x.length, p);
  }

  function scale(x: Float32Array, c: number): void {
    const p = addressOf(x);
    if (p < 0) jsScale(x, c);
    else exports.scale(x.length, p, c);
  }

  function gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
    beta: number, C: Float32Array, cOff: number, ldc: number,
  ): void {
    if (alpha !== 1 || (beta !== 0 && beta !== 1) || M * N * K < SMALL_GEMM) {
      jsGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
      return;
    }
    arena.reset();
    const a = transA ? io.putRows(A, aOff, lda, K, M) : io.putRows(A, aOff, lda, M, K);
    let b: number;
    if (transB) {
      const raw = io.putRows(B, bOff, ldb, N, K);
      b = arena.alloc(K * N);
      exports.transpose(raw, N, K, b);
    } else {
      b = io.putRows(B, bOff, ldb, K, N);
    }
    // C in this memory (a gradient, see allocate) is accumulated into in place.
    const c = beta === 1 || (ldc === N && arena.owns(C)) ? io.putRows(C, cOff, ldc, M, N) : arena.alloc(M * N);
    const parts = M >= 8 ? split(M, M * N * K) : [[0, M] as const];
    // Rows [m0, m1) of op(A) start at column m0 of A when A is transposed.
    runParts('gemm', parts.map(([m0, m1]) => [m1 - m0, N, K, transA ? a + m0 * 4 : a + m0 * K * 4,
      transA ? 1 : K, transA ? M : 1, b, N, c + m0 * N * 4, N, beta === 1 ? 1 : 0]));
    io.getRows(c, C, cOff, ldc, M, N);
  }

  function addRowVector(M: number, N: number, bias: Float32Array, biasOff: number, C: Float32Array, cOff: number, ldc: number): void {
    if (M * N < SMALL_ROWS) {
      jsAddRowVector(M, N, bias, biasOff, C, cOff, ldc);
      return;
    }
    arena.reset();
    const c = io.putRows(C, cOff, ldc, M, N);
    const b = io.putRows(bias, biasOff, N, 1, N);
    exports.addRowVector(M, N, b, c, N);
    io.getRows(c, C, cOff, ldc, M, N);
  }

  function sumRows(M: number, N: number, A: Float32Array, aOff: number, lda: number, out: Float32Array, outOff: number): void {
    if (M * N < SMALL_ROWS) {
      jsSumRows(M, N, A, aOff, lda, out, outOff);
      return;
    }
    arena.reset();
    const a = io.putRows(A, aOff, lda, M, N);
    const o = io.putRows(out, outOff, N, 1, N);
    exports.sumRows(M, N, a, N, o);
    io.getRows(o, out, outOff, N, 1, N);
  }

  // Cells without a fused kernel here run the reference loop on these GEMMs.
  const matrixOps = { gemm, addRowVector, sumRows };

  function softmaxCrossEntropy(
    N: number, C: number, logits: Float32Array, targets: Int32Array, rowWeight: Float32Array, gradScale: number, grad: Float32Array,
    rowLoss: Float32Array | null = null,
  ): number {
    if (N * C < SMALL_ROWS) return jsSoftmaxCrossEntropy(N, C, logits, targets, rowWeight, gradScale, grad, rowLoss);
    arena.reset();
    const x = arena.alloc(N * C);
    const t = arena.alloc(N);
    const w = arena.alloc(N);
    const r = rowLoss ? arena.alloc(N) : 0;
    arena.f32(x, N * C).set(logits.subarray(0, N * C));
    arena.i32(t, N).set(targets.subarray(0, N));
    arena.f32(w, N).set(rowWeight.subarray(0, N));
    // The gradient overwrites the logits' copy.
    const total = exports.softmaxCrossEntropy(N, C, x, t, w, gradScale, x, r);
    grad.set(arena.f32(x, N * C));
    if (rowLoss) rowLoss.set(arena.f32(r, N));
    return total;
  }

  /** Whether an inference pass runs split by hidden units (see UNIT_SPLIT_MIN). */
  function splitsByUnits(d: DirectionDims, w: DirectionWeights, record: boolean): boolean {
    return canSplit && !record && w.wHr === null && d.H % 8 === 0 && d.H >= 16 &&
      split(d.B, directionWork(d)).length === 1 && d.B * gateCount(d.kind) * d.H * d.P >= unitSplitMin &&
      d.T * d.B * gateCount(d.kind) * d.H * d.P >= unitSplitTotal;
  }

  /** The inference pass of assembly/units.ts: each thread owns half of the hidden units. */
  function forwardByUnits(
    d: DirectionDims, w: DirectionWeights, x: Float32Array, h: Float32Array, c: Float32Array | null,
    y: Strided, lengths: Int32Array | null, reverse: boolean,
  ): void {
    const { kind, T, B, I, H } = d;
    const G = gateCount(kind);
    // Halves on 8-column strip borders, so each thread packs whole strips.
    const half = Math.round(H / 16) * 8;
    const units: Range[] = [[0, half], [half, H]];
    const packFloats = units.map(([j0, j1]) => G * (packedSize(I, j1 - j0) + packedSize(H, j1 - j0)));
    arena.reset();
    const kept = packs.lookup(w.wHh, `units/${kind}/${I}/${H}/${half}`, w.wIh.length + w.wHh.length, packFloats);
    const wIh = io.put(w.wIh);
    const wHh = io.put(w.wHh);
    const prepacked = kept !== null && packs.matches(kept, [wIh, wHh], [w.wIh.length, w.wHh.length]);
    const bIh = w.bIh ? io.put(w.bIh) : 0;
    const bHh = w.bHh ? io.put(w.bHh) : 0;
    const bf = d.batchFirst === true;
    const xp = io.putBatch(x, T, B, I, [0, B], bf);
    const hbuf = arena.alloc(2 * B * H);
    const cp = c ? arena.put(c) : 0;
    const yp = arena.alloc(T * B * H);
    const lp = lengths ? arena.alloc(B) : 0;
    const sync = arena.alloc(33);
    const local = units.map(([j0, j1]) => ({
      gates: arena.alloc(T * B * G * (j1 - j0)),
      gh: kind === 'GRU' ? arena.alloc(B * G * (j1 - j0)) : 0,
    }));
    const packed = kept ? kept.packed : packFloats.map((n) => arena.alloc(n));
    // Views only after the last allocation (a grown memory leaves older views short).
    arena.f32(hbuf, B * H).set(h);
    arena.i32(sync, 33).fill(0);
    if (lengths) arena.i32(lp, B).set(lengths);
    runParts('directionForwardUnits', units.map(([j0, j1], i) => kernelArgs('directionForwardUnits', {
      kind: KIND[kind], T, B, I, H, x: xp, wIh, wHh, bIh, bHh, hbuf, c: cp, y: yp, yLd: H, lengths: lp, reverse: reverse ? 1 : 0,
      j0, j1, gates: local[i]!.gates, gh: local[i]!.gh, packed: packed[i]!, prepacked: prepacked ? 1 : 0, sync, self: i, parts: 2,
    })));
    if (kept && !prepacked) packs.packed(kept);
    h.set(arena.f32(hbuf + (T % 2) * B * H * 4, B * H));
    if (c) c.set(arena.f32(cp, B * H));
    io.putStrided(yp, y, T, B, H, [0, B], bf);
  }

  function directionForward(
    d: DirectionDims, w: DirectionWeights, x: Float32Array, h: Float32Array, c: Float32Array | null,
    y: Strided, lengths: Int32Array | null, reverse: boolean, record: boolean,
  ): DirectionCache | null {
    if (isVariantCell(d, w)) return directionForwardAnyLayout(d, w, x, h, c, y, lengths, reverse, record, matrixOps);
    if (splitsByUnits(d, w, record)) {
      forwardByUnits(d, w, x, h, c, y, lengths, reverse);
      return null;
    }
    const { kind, T, B, I, H, P } = d;
    const GH = gateCount(kind) * H;
    const lstm = kind === 'LSTM';
    const gru = kind === 'GRU';
    const proj = lstm && w.wHr !== null;
    const bf = d.batchFirst === true;
    const parts = split(B, directionWork(d));
    const packFloats = packedSize(I, GH) + packedSize(P, GH) + (proj ? packedSize(H, P) : 0);
    arena.reset();
    // Inference keeps the packs across calls; training's weights change every step.
    const kept = record ? null : packs.lookup(w.wHh, `full/${kind}/${I}/${H}/${P}`, w.wIh.length + w.wHh.length + (w.wHr?.length ?? 0), [packFloats]);
    const wIh = io.put(w.wIh);
    const wHh = io.put(w.wHh);
    const bIh = w.bIh ? io.put(w.bIh) : 0;
    const bHh = w.bHh ? io.put(w.bHh) : 0;
    const wHr = proj ? io.put(w.wHr!) : 0;
    const prepacked = kept !== null && packs.matches(kept, proj ? [wIh, wHh, wHr] : [wIh, wHh],
      proj ? [w.wIh.length, w.wHh.length, w.wHr!.length] : [w.wIh.length, w.wHh.length]);
    const bufs = parts.map((r, i) => {
      const n = r[1] - r[0];
      const b = {
        x: io.putBatch(x, T, B, I, r, bf),
        h: io.putBatch(h, 1, B, P, r),
        c: lstm ? io.putBatch(c!, 1, B, H, r) : 0,
        y: arena.alloc(T * n * P),
        lengths: lengths ? arena.alloc(n) : 0,
        gates: arena.alloc(T * n * GH),
        gh: gru ? arena.alloc(T * n * GH) : 0,
        hPrev: arena.alloc(T * n * P),
        cPrev: lstm ? arena.alloc(T * n * H) : 0,
        tanhC: lstm ? arena.alloc(T * n * H) : 0,
        m: proj ? arena.alloc(T * n * H) : 0,
        mStep: arena.alloc(n * H),
        // The first part packs into the kept entry; a second one reads it once it is valid.
        packed: kept && (i === 0 || prepacked) ? kept.packed[0]! : arena.alloc(packFloats),
      };
      if (lengths) arena.i32(b.lengths, n).set(lengths.subarray(r[0], r[1]));
      return b;
    });
    runParts('directionForward', parts.map((r, i) => {
      const b = bufs[i]!;
      return kernelArgs('directionForward', {
        kind: KIND[kind], T, B: r[1] - r[0], I, H, P, x: b.x, wIh, wHh, bIh, bHh, wHr, h: b.h, c: b.c, y: b.y, yLd: P, lengths: b.lengths,
        reverse: reverse ? 1 : 0, gates: b.gates, gh: b.gh, hPrev: b.hPrev, cPrev: b.cPrev, tanhC: b.tanhC, m: b.m, mStep: b.mStep,
        packed: b.packed, prepacked: prepacked ? 1 : 0,
      });
    }));
    if (kept && !prepacked) packs.packed(kept);
    // Every element is written below, so arrays of consumed caches serve again.
    const cache: DirectionCache | null = record ? {
      gates: spare.take(T * B * GH),
      gh: gru ? spare.take(T * B * GH) : null,
      hPrev: spare.take(T * B * P),
      cPrev: lstm ? spare.take(T * B * H) : null,
      tanhC: lstm ? spare.take(T * B * H) : null,
      m: proj ? spare.take(T * B * H) : null,
    } : null;
    parts.forEach((r, i) => {
      const b = bufs[i]!;
      const n = r[1] - r[0];
      io.getBatch(b.h, h, 1, B, P, r);
      if (c) io.getBatch(b.c, c, 1, B, H, r);
      io.putStrided(b.y, y, T, B, P, r, bf);
      if (!cache) return;
      io.getBatch(b.gates, cache.gates, T, B, GH, r);
      if (cache.gh) io.getBatch(b.gh, cache.gh, T, B, GH, r);
      io.getBatch(b.hPrev, cache.hPrev, T, B, P, r);
      if (cache.cPrev) io.getBatch(b.cPrev, cache.cPrev, T, B, H, r);
      if (cache.tanhC) io.getBatch(b.tanhC, cache.tanhC, T, B, H, r);
      if (cache.m) io.getBatch(b.m, cache.m, T, B, H, r);
    });
    return cache;
  }

  function directionBackward(
    d: DirectionDims, w: DirectionWeights, g: DirectionGrads, cache: DirectionCache, x: Float32Array,
    dy: Strided, dh: Float32Array, dc: Float32Array | null, dx: Float32Array, lengths: Int32Array | null, reverse: boolean,
    stateGrads: Strided | null = null,
  ): void {
    // The fused kernels keep dL/dh_t to themselves; the reference loop reads their (time-major) cache as its own.
    if (isVariantCell(d, w) || stateGrads) {
      directionBackwardAnyLayout(d, w, g, cache, x, dy, dh, dc, dx, lengths, reverse, matrixOps, stateGrads);
      return;
    }
    const { kind, T, B, I, H, P } = d;
    const GH = gateCount(kind) * H;
    const lstm = kind === 'LSTM';
    const gru = kind === 'GRU';
    const proj = lstm && w.wHr !== null;
    const bf = d.batchFirst === true;
    if (consumed.has(cache)) throw new BackwardError('directionBackward: this cache was already used by a backward pass (one backward per forward)');
    const parts = split(B, directionWork(d));
    arena.reset();
    const wIh = io.put(w.wIh);
    const wHh = io.put(w.wHh);
    const wHr = proj ? io.put(w.wHr!) : 0;
    const bufs = parts.map((r, i) => {
      const n = r[1] - r[0];
      // The first part adds into the current gradients, the second into zeros; summed after.
      const grad = (src: Float32Array | null): number => (src ? (i === 0 ? io.put(src) : arena.alloc(src.length)) : 0);
      const b = {
        gWIh: grad(g.wIh), gWHh: grad(g.wHh), gBIh: grad(g.bIh), gBHh: grad(g.bHh), gWHr: proj ? grad(g.wHr) : 0,
        x: io.putBatch(x, T, B, I, r, bf),
        gates: io.putBatch(cache.gates, T, B, GH, r),
        gh: gru ? io.putBatch(cache.gh!, T, B, GH, r) : 0,
        hPrev: io.putBatch(cache.hPrev, T, B, P, r),
        cPrev: lstm ? io.putBatch(cache.cPrev!, T, B, H, r) : 0,
        tanhC: lstm ? io.putBatch(cache.tanhC!, T, B, H, r) : 0,
        m: proj ? io.putBatch(cache.m!, T, B, H, r) : 0,
        dy: io.getStrided(dy, T, B, P, r, bf),
        dh: io.putBatch(dh, 1, B, P, r),
        dc: lstm ? io.putBatch(dc!, 1, B, H, r) : 0,
        dx: io.putBatch(dx, T, B, I, r, bf),
        lengths: lengths ? arena.alloc(n) : 0,
        dGx: arena.alloc(T * n * GH),
        dGh: gru ? arena.alloc(T * n * GH) : 0,
        dhOut: proj ? arena.alloc(T * n * P) : 0,
        dm: arena.alloc(n * H),
        dhNext: arena.alloc(n * P),
        dcSaved: arena.alloc(n * H),
        packed: arena.alloc(packedSize(GH, P) + (proj ? packedSize(P, H) : 0)),
      };
      if (lengths) arena.i32(b.lengths, n).set(lengths.subarray(r[0], r[1]));
      return b;
    });
    // Fresh arena memory may hold an earlier call's data: zero the second part's gradients.
    if (bufs.length === 2) {
      const b = bufs[1]!;
      const sizes: Array<[number, Float32Array | null]> = [[b.gWIh, g.wIh], [b.gWHh, g.wHh], [b.gBIh, g.bIh], [b.gBHh, g.bHh], [b.gWHr, proj ? g.wHr : null]];
      for (const [p, src] of sizes) if (p && src) arena.f32(p, src.length).fill(0);
    }
    runParts('directionBackward', parts.map((r, i) => {
      const b = bufs[i]!;
      return kernelArgs('directionBackward', {
        kind: KIND[kind], T, B: r[1] - r[0], I, H, P, x: b.x, wIh, wHh, wHr, gWIh: b.gWIh, gWHh: b.gWHh, gBIh: b.gBIh, gBHh: b.gBHh, gWHr: b.gWHr,
        gates: b.gates, gh: b.gh, hPrev: b.hPrev, cPrev: b.cPrev, tanhC: b.tanhC, m: b.m, dy: b.dy, dyLd: P, dh: b.dh, dc: b.dc, dx: b.dx,
        lengths: b.lengths, reverse: reverse ? 1 : 0, dGx: b.dGx, dGh: gru ? b.dGh : b.dGx, dhOut: b.dhOut, dm: b.dm, dhNext: b.dhNext,
        dcSaved: b.dcSaved, packed: b.packed,
      });
    }));
    const pairs: Array<[keyof typeof bufs[number], Float32Array | null]> = [['gWIh', g.wIh], ['gWHh', g.wHh], ['gBIh', g.bIh], ['gBHh', g.bHh], ['gWHr', proj ? g.wHr : null]];
    for (const [key, dst] of pairs) {
      if (!dst) continue;
      if (!(arena.owns(dst) && bufs[0]![key] === dst.byteOffset)) dst.set(arena.f32(bufs[0]![key], dst.length));
      if (bufs.length === 2) {
        const other = arena.f32(bufs[1]![key], dst.length);
        for (let j = 0; j < dst.length; j++) dst[j] += other[j]!;
      }
    }
    parts.forEach((r, i) => {
      const b = bufs[i]!;
      io.getBatch(b.dh, dh, 1, B, P, r);
      if (dc) io.getBatch(b.dc, dc, 1, B, H, r);
      io.getBatch(b.dx, dx, T, B, I, r, bf);
    });
    // The cache is spent (one backward per forward): its arrays serve the next forward.
    consumed.add(cache);
    for (const a of [cache.gates, cache.gh, cache.hPrev, cache.cPrev, cache.tanhC, cache.m]) if (a) spare.give(a);
  }

  /** The fused step kernel has the cells directionForward has, without projection. */
  function stepper(spec: StepperSpec): KernelStepper | null {
    const fused = spec.layers.every((l) => l.weights.wHr === null && (l.weights.wPeep ?? null) === null && !(l.kind === 'GRU' && l.linearBeforeReset === false));
    if (!fused) return null;
    return createStepper({
      arena, memory, canSplit, splitMin: unitSplitMin, kindCode: (k) => KIND[k],
      packBT: (w, ldw, K, N, dst) => exports.packBT(w, ldw, K, N, dst),
      gemmPacked: (M, N, K, a, lda, pb, c, ldc) => exports.gemmPacked(M, N, K, a, lda, pb, c, ldc, 0),
      run: (calls) => runParts('stackStep', calls),
    }, spec);
  }

  return {
    name: rt.name, threads, allocate, adam, sgd, sumSquares, scale, gemm, sumRows, addRowVector, softmaxCrossEntropy, directionForward, directionBackward,
    // Convolution's data movement is the reference's; its GEMMs are this backend's.
    im2col, col2im, maxPool2d, maxPool2dBackward,
    stepper,
  };
}
