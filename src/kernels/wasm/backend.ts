/**
 * The WebAssembly SIMD backend. Each recurrent direction (forward or
 * backward, all T steps) is one call into WebAssembly: the inputs, the weights
 * (once per call, never per step) and the cache are copied into an arena, the
 * time loop runs inside, and the results are copied out. Large matrix
 * products go to the same register-blocked GEMM; small ones stay in
 * TypeScript, where the copies would cost more than they save.
 */
import { gemm as jsGemm, addRowVector, sumRows } from '../js/gemm.js';
import type { DirectionCache, DirectionDims, DirectionGrads, DirectionWeights, Kernels, Strided } from '../types.js';
import { gateCount } from '../types.js';
import { Arena, STATIC_END } from './arena.js';

/** The functions exported by assembly/index.ts. Pointers are byte addresses. */
export interface WasmExports {
  gemm(M: number, N: number, K: number, a: number, sai: number, sak: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  transpose(src: number, rows: number, cols: number, dst: number): void;
  setScratch(ptr: number): void;
  directionForward(
    kind: number, T: number, B: number, I: number, H: number, P: number,
    x: number, wIh: number, wHh: number, bIh: number, bHh: number, wHr: number,
    h: number, c: number, y: number, yLd: number, lengths: number, reverse: number,
    gates: number, gh: number, hPrev: number, cPrev: number, tanhC: number, m: number, mStep: number,
    packed: number,
  ): void;
  directionBackward(
    kind: number, T: number, B: number, I: number, H: number, P: number,
    x: number, wIh: number, wHh: number, wHr: number,
    gWIh: number, gWHh: number, gBIh: number, gBHh: number, gWHr: number,
    gates: number, gh: number, hPrev: number, cPrev: number, tanhC: number, m: number,
    dy: number, dyLd: number, dh: number, dc: number, dx: number, lengths: number, reverse: number,
    dGx: number, dGh: number, dhOut: number, dm: number, dhNext: number, dcSaved: number,
    packed: number,
  ): void;
}

const KIND = { LSTM: 0, GRU: 1, RNN_TANH: 2, RNN_RELU: 3 } as const;

/** Floats that assembly/gemm.ts packB needs for a (K x N) matrix: strips of 8 columns. */
function packedSize(K: number, N: number): number {
  return Math.ceil(N / 8) * 8 * K;
}

/** Below this many multiply-adds a GEMM stays in TypeScript. */
const SMALL_GEMM = 4096;

export function createWasmKernels(name: string, exports: WasmExports, memory: WebAssembly.Memory): Kernels {
  const arena = new Arena(memory);
  exports.setScratch(STATIC_END);

  /** Copies rows of a strided matrix into the arena, packed. */
  function putRows(src: Float32Array, off: number, ld: number, rows: number, cols: number): number {
    const ptr = arena.alloc(rows * cols);
    const view = arena.f32(ptr, rows * cols);
    if (ld === cols) view.set(src.subarray(off, off + rows * cols));
    else for (let r = 0; r < rows; r++) view.set(src.subarray(off + r * ld, off + r * ld + cols), r * cols);
    return ptr;
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
    const a = transA ? putRows(A, aOff, lda, K, M) : putRows(A, aOff, lda, M, K);
    let b: number;
    if (transB) {
      const raw = putRows(B, bOff, ldb, N, K);
      b = arena.alloc(K * N);
      exports.transpose(raw, N, K, b);
    } else {
      b = putRows(B, bOff, ldb, K, N);
    }
    const c = beta === 1 ? putRows(C, cOff, ldc, M, N) : arena.alloc(M * N);
    exports.gemm(M, N, K, a, transA ? 1 : K, transA ? M : 1, b, N, c, N, beta === 1 ? 1 : 0);
    const out = arena.f32(c, M * N);
    if (ldc === N) C.set(out, cOff);
    else for (let r = 0; r < M; r++) C.set(out.subarray(r * N, (r + 1) * N), cOff + r * ldc);
  }

  function directionForward(
    d: DirectionDims, w: DirectionWeights, x: Float32Array, h: Float32Array, c: Float32Array | null,
    y: Strided, lengths: Int32Array | null, reverse: boolean, record: boolean,
  ): DirectionCache | null {
    const { kind, T, B, I, H, P } = d;
    const GH = gateCount(kind) * H;
    const lstm = kind === 'LSTM';
    const gru = kind === 'GRU';
    const proj = lstm && w.wHr !== null;
    arena.reset();
    const px = arena.put(x);
    const wIh = arena.put(w.wIh);
    const wHh = arena.put(w.wHh);
    const bIh = w.bIh ? arena.put(w.bIh) : 0;
    const bHh = w.bHh ? arena.put(w.bHh) : 0;
    const wHr = proj ? arena.put(w.wHr!) : 0;
    const ph = arena.put(h);
    const pc = lstm ? arena.put(c!) : 0;
    const py = arena.alloc(T * B * P);
    const pl = lengths ? arena.alloc(B) : 0;
    const gates = arena.alloc(T * B * GH);
    const gh = gru ? arena.alloc(T * B * GH) : 0;
    const hPrev = arena.alloc(T * B * P);
    const cPrev = lstm ? arena.alloc(T * B * H) : 0;
    const tanhC = lstm ? arena.alloc(T * B * H) : 0;
    const m = proj ? arena.alloc(T * B * H) : 0;
    const mStep = arena.alloc(B * H);
    const packed = arena.alloc(packedSize(I, GH) + packedSize(P, GH) + (proj ? packedSize(H, P) : 0));
    if (lengths) arena.i32(pl, B).set(lengths);
    exports.directionForward(KIND[kind], T, B, I, H, P, px, wIh, wHh, bIh, bHh, wHr,
      ph, pc, py, P, pl, reverse ? 1 : 0, gates, gh, hPrev, cPrev, tanhC, m, mStep, packed);
    h.set(arena.f32(ph, B * P));
    if (c) c.set(arena.f32(pc, B * H));
    const out = arena.f32(py, T * B * P);
    for (let r = 0; r < T * B; r++) y.data.set(out.subarray(r * P, (r + 1) * P), y.off + r * y.ld);
    if (!record) return null;
    const copy = (ptr: number, n: number): Float32Array => arena.f32(ptr, n).slice();
    return {
      gates: copy(gates, T * B * GH),
      gh: gru ? copy(gh, T * B * GH) : null,
      hPrev: copy(hPrev, T * B * P),
      cPrev: lstm ? copy(cPrev, T * B * H) : null,
      tanhC: lstm ? copy(tanhC, T * B * H) : null,
      m: proj ? copy(m, T * B * H) : null,
    };
  }

  function directionBackward(
    d: DirectionDims, w: DirectionWeights, g: DirectionGrads, cache: DirectionCache, x: Float32Array,
    dy: Strided, dh: Float32Array, dc: Float32Array | null, dx: Float32Array, lengths: Int32Array | null, reverse: boolean,
  ): void {
    const { kind, T, B, I, H, P } = d;
    const GH = gateCount(kind) * H;
    const lstm = kind === 'LSTM';
    const gru = kind === 'GRU';
    const proj = lstm && w.wHr !== null;
    arena.reset();
    const px = arena.put(x);
    const wIh = arena.put(w.wIh);
    const wHh = arena.put(w.wHh);
    const wHr = proj ? arena.put(w.wHr!) : 0;
    const gWIh = arena.put(g.wIh);
    const gWHh = arena.put(g.wHh);
    const gBIh = g.bIh ? arena.put(g.bIh) : 0;
    const gBHh = g.bHh ? arena.put(g.bHh) : 0;
    const gWHr = proj ? arena.put(g.wHr!) : 0;
    const gates = arena.put(cache.gates);
    const gh = gru ? arena.put(cache.gh!) : 0;
    const hPrev = arena.put(cache.hPrev);
    const cPrev = lstm ? arena.put(cache.cPrev!) : 0;
    const tanhC = lstm ? arena.put(cache.tanhC!) : 0;
    const m = proj ? arena.put(cache.m!) : 0;
    const pdy = putRows(dy.data, dy.off, dy.ld, T * B, P);
    const pdh = arena.put(dh);
    const pdc = lstm ? arena.put(dc!) : 0;
    const pdx = arena.put(dx);
    const pl = lengths ? arena.alloc(B) : 0;
    const dGx = arena.alloc(T * B * GH);
    const dGh = gru ? arena.alloc(T * B * GH) : dGx;
    const dhOut = proj ? arena.alloc(T * B * P) : 0;
    const dm = arena.alloc(B * H);
    const dhNext = arena.alloc(B * P);
    const dcSaved = arena.alloc(B * H);
    const packed = arena.alloc(packedSize(GH, P) + (proj ? packedSize(P, H) : 0));
    if (lengths) arena.i32(pl, B).set(lengths);
    exports.directionBackward(KIND[kind], T, B, I, H, P, px, wIh, wHh, wHr, gWIh, gWHh, gBIh, gBHh, gWHr,
      gates, gh, hPrev, cPrev, tanhC, m, pdy, P, pdh, pdc, pdx, pl, reverse ? 1 : 0, dGx, dGh, dhOut, dm, dhNext, dcSaved, packed);
    g.wIh.set(arena.f32(gWIh, g.wIh.length));
    g.wHh.set(arena.f32(gWHh, g.wHh.length));
    if (g.bIh) g.bIh.set(arena.f32(gBIh, g.bIh.length));
    if (g.bHh) g.bHh.set(arena.f32(gBHh, g.bHh.length));
    if (proj) g.wHr!.set(arena.f32(gWHr, g.wHr!.length));
    dh.set(arena.f32(pdh, B * P));
    if (dc) dc.set(arena.f32(pdc, B * H));
    dx.set(arena.f32(pdx, dx.length));
  }

  return { name, gemm, sumRows, addRowVector, directionForward, directionBackward };
}
