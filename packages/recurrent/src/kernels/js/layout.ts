/**
 * Batch-first sequences for the reference kernels: the reference works
 * time-major, so a batchFirst call is transposed in and out around it (the
 * wasm backend reads and writes batch-first rows directly).
 */
import { swapAxes01 } from '../../tensor/ops.js';
import type { DirectionCache, DirectionDims, DirectionGrads, DirectionWeights, Strided } from '../types.js';
import { type MatrixOps, directionBackward, directionForward, jsMatrixOps } from './recurrent.js';

/** Rows (b*T+t) of a strided batch-first matrix, packed time-major as (T,B,X). */
function timeMajor(s: Strided, T: number, B: number, X: number): Float32Array {
  const out = new Float32Array(T * B * X);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) out.set(s.data.subarray(s.off + (b * T + t) * s.ld, s.off + (b * T + t) * s.ld + X), (t * B + b) * X);
  }
  return out;
}

export function directionForwardAnyLayout(
  d: DirectionDims, w: DirectionWeights, x: Float32Array, h: Float32Array, c: Float32Array | null,
  y: Strided, lengths: Int32Array | null, reverse: boolean, record: boolean, ops: MatrixOps = jsMatrixOps,
): DirectionCache | null {
  if (!d.batchFirst) return directionForward(d, w, x, h, c, y, lengths, reverse, record, ops);
  const { T, B, I, P } = d;
  const yt = new Float32Array(T * B * P);
  const cache = directionForward({ ...d, batchFirst: false }, w, swapAxes01(x, B, T, I), h, c, { data: yt, off: 0, ld: P }, lengths, reverse, record, ops);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) y.data.set(yt.subarray((t * B + b) * P, (t * B + b + 1) * P), y.off + (b * T + t) * y.ld);
  }
  return cache;
}

export function directionBackwardAnyLayout(
  d: DirectionDims, w: DirectionWeights, g: DirectionGrads, cache: DirectionCache, x: Float32Array,
  dy: Strided, dh: Float32Array, dc: Float32Array | null, dx: Float32Array, lengths: Int32Array | null, reverse: boolean,
  ops: MatrixOps = jsMatrixOps, stateGrads: Strided | null = null,
): void {
  if (!d.batchFirst) {
    directionBackward(d, w, g, cache, x, dy, dh, dc, dx, lengths, reverse, ops, stateGrads);
    return;
  }
  const { T, B, I, P } = d;
  const dxt = new Float32Array(T * B * I);
  const sg = stateGrads ? new Float32Array(T * B * P) : null;
  directionBackward({ ...d, batchFirst: false }, w, g, cache, swapAxes01(x, B, T, I), { data: timeMajor(dy, T, B, P), off: 0, ld: P },
    dh, dc, dxt, lengths, reverse, ops, sg ? { data: sg, off: 0, ld: P } : null);
  if (sg) {
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) stateGrads!.data.set(sg.subarray((t * B + b) * P, (t * B + b + 1) * P), stateGrads!.off + (b * T + t) * stateGrads!.ld);
    }
  }
  // dx is accumulated into, as on the time-major path.
  const back = swapAxes01(dxt, T, B, I);
  for (let i = 0; i < back.length; i++) dx[i] += back[i]!;
}
