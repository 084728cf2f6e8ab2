/**
 * Reference implementation (plain TypeScript) of one direction of one
 * recurrent layer over a whole sequence, forward and backward side by side,
 * the way cuDNN does it:
 *   - one GEMM projects the inputs of all T steps at once,
 *   - per step, one recurrent GEMM plus one fused element-wise kernel,
 *   - after the backward sweep, one GEMM per weight over all steps.
 *
 * Shapes (time-major): x is (T,B,I); states are (B,P) where P = projSize || H;
 * the LSTM cell is (B,H). G is the gate count (LSTM 4, GRU 3, RNN 1).
 * Variable lengths follow pack_padded_sequence: at a step t >= lengths[b] the
 * sequence b is inactive: its state is carried unchanged and its output is 0,
 * so the forward direction ends at each sequence's own last step and the
 * reverse direction starts there.
 * The same loop runs the cells PyTorch lacks (LSTM peepholes, the GRU with
 * the reset gate before its recurrent product: a second GEMM per step), on
 * any backend's matrix kernels (MatrixOps).
 */
import { type DirectionCache, type DirectionDims, type DirectionGrads, type DirectionWeights, type Kernels, type Strided, gateCount } from '../types.js';
import { addRowVector, gemm, sumRows } from './gemm.js';
import {
  gruBackward, gruCandidateBackward, gruCandidateForward, gruForward, gruResetBackward, gruResetForward,
  lstmBackward, lstmForward, peepholeGradients, rnnBackward, rnnForward,
} from './gates.js';

/** The matrix kernels the sequence loop runs on: these plain ones, or a faster backend's (see wasm/backend.ts). */
export type MatrixOps = Pick<Kernels, 'gemm' | 'addRowVector' | 'sumRows'>;
export const jsMatrixOps: MatrixOps = { gemm, addRowVector, sumRows };

function isActive(lengths: Int32Array | null, b: number, t: number): boolean {
  return lengths === null || t < lengths[b]!;
}

/** Time index of processing step s. */
function timeAt(s: number, T: number, reverse: boolean): number {
  return reverse ? T - 1 - s : s;
}

/**
 * Runs the direction over all steps. h (B,P) and c (B,H, LSTM) hold the initial
 * state on entry and the final state on exit. Writes outputs into y.
 */
export function directionForward(
  d: DirectionDims, w: DirectionWeights, x: Float32Array,
  h: Float32Array, c: Float32Array | null, y: Strided,
  lengths: Int32Array | null, reverse: boolean, record: boolean, ops: MatrixOps = jsMatrixOps,
): DirectionCache | null {
  const { kind, T, B, I, H, P } = d;
  const GH = gateCount(kind) * H;
  const lstm = kind === 'LSTM';
  const gru = kind === 'GRU';
  const resetFirst = gru && d.linearBeforeReset === false;
  const relu = kind === 'RNN_RELU';
  const peep = lstm ? (w.wPeep ?? null) : null;
  const k = ops;

  // Input projection of all steps in one GEMM: gates = x W_ih^T + b_ih (+ b_hh, except GRU).
  const gates = new Float32Array(T * B * GH);
  k.gemm(false, true, T * B, GH, I, 1, x, 0, I, w.wIh, 0, I, 0, gates, 0, GH);
  if (w.bIh) k.addRowVector(T * B, GH, w.bIh, 0, gates, 0, GH);
  if (w.bHh && !gru) k.addRowVector(T * B, GH, w.bHh, 0, gates, 0, GH);

  const gh = gru ? new Float32Array(T * B * GH) : null;
  const hPrev = new Float32Array(T * B * P);
  const cPrev = lstm ? new Float32Array(T * B * H) : null;
  const tanhC = lstm ? new Float32Array(T * B * H) : null;
  const m = lstm && w.wHr ? new Float32Array(T * B * H) : null;
  const rh = resetFirst ? new Float32Array(T * B * H) : null;
  // m is written here when there is no projection; then it is the new state itself.
  const mStep = lstm && !w.wHr ? h : new Float32Array(B * H);

  for (let s = 0; s < T; s++) {
    const t = timeAt(s, T, reverse);
    const g0 = t * B * GH;
    const s0 = t * B * P;
    hPrev.set(h, s0);
    if (lstm) {
      cPrev!.set(c!, t * B * H);
      // gates[t] += h W_hh^T, then the fused cell.
      k.gemm(false, true, B, GH, P, 1, h, 0, P, w.wHh, 0, P, 1, gates, g0, GH);
      const mOut = m ?? mStep;
      const mOff = m ? t * B * H : 0;
      lstmForward(B, H, gates, g0, cPrev!, t * B * H, c!, 0, tanhC!, t * B * H, mOut, mOff, peep);
      if (w.wHr) k.gemm(false, true, B, P, H, 1, m!, mOff, H, w.wHr, 0, H, 0, h, 0, P);
    } else if (resetFirst) {
      // gh[t] = b_hh + [W_hr h, W_hz h, W_hn (r*h)]: r first, then the product for n.
      const gOut = gh!;
      if (w.bHh) for (let b = 0; b < B; b++) gOut.set(w.bHh, g0 + b * GH);
      k.gemm(false, true, B, 2 * H, H, 1, h, 0, H, w.wHh, 0, H, 1, gOut, g0, GH);
      gruResetForward(B, H, gates, g0, gOut, g0, hPrev, s0, rh!, t * B * H);
      k.gemm(false, true, B, H, H, 1, rh!, t * B * H, H, w.wHh, 2 * H * H, H, 1, gOut, g0 + 2 * H, GH);
      gruCandidateForward(B, H, gates, g0, gOut, g0, hPrev, s0, h, 0);
    } else if (gru) {
      const gOut = gh!;
      if (w.bHh) for (let b = 0; b < B; b++) gOut.set(w.bHh, g0 + b * GH);
      k.gemm(false, true, B, GH, P, 1, h, 0, P, w.wHh, 0, P, 1, gOut, g0, GH);
      gruForward(B, H, gates, g0, gOut, g0, hPrev, s0, h, 0);
    } else {
      k.gemm(false, true, B, GH, P, 1, h, 0, P, w.wHh, 0, P, 1, gates, g0, GH);
      rnnForward(B * H, relu, gates, g0, gates, g0);
      h.set(gates.subarray(g0, g0 + B * H));
    }
    // Inactive sequences keep their state and output zero.
    for (let b = 0; b < B; b++) {
      const row = y.off + (t * B + b) * y.ld;
      if (isActive(lengths, b, t)) {
        for (let j = 0; j < P; j++) y.data[row + j] = h[b * P + j]!;
      } else {
        y.data.fill(0, row, row + P);
        h.set(hPrev.subarray(s0 + b * P, s0 + (b + 1) * P), b * P);
        if (lstm) c!.set(cPrev!.subarray(t * B * H + b * H, t * B * H + (b + 1) * H), b * H);
      }
    }
  }
  return record ? { gates, gh, hPrev, cPrev, tanhC, m, rh } : null;
}

/**
 * Back through all steps. dy holds dL/d(output) for this direction; dh (B,P)
 * and dc (B,H) hold dL/d(final state) on entry and dL/d(initial state) on
 * exit. Adds into the weight gradients and into dx (T,B,I). With stateGrads,
 * writes there (rows as dy's) the whole dL/dh_t of every step: from the
 * output and from step t+1 (0 at inactive steps).
 */
export function directionBackward(
  d: DirectionDims, w: DirectionWeights, g: DirectionGrads, cache: DirectionCache,
  x: Float32Array, dy: Strided, dh: Float32Array, dc: Float32Array | null,
  dx: Float32Array, lengths: Int32Array | null, reverse: boolean, ops: MatrixOps = jsMatrixOps, stateGrads: Strided | null = null,
): void {
  const { kind, T, B, I, H, P } = d;
  const GH = gateCount(kind) * H;
  const lstm = kind === 'LSTM';
  const resetFirst = kind === 'GRU' && d.linearBeforeReset === false;
  // PyTorch's GRU: the recurrent pre-activations' gradients differ from the input ones (r scales W_hn h).
  const gru = kind === 'GRU' && !resetFirst;
  const relu = kind === 'RNN_RELU';
  const proj = lstm && w.wHr !== null;
  const peep = lstm ? (w.wPeep ?? null) : null;
  const k = ops;

  // Gradients of the pre-activations, for all steps: dGx feeds W_ih, dGh feeds W_hh.
  const dGx = new Float32Array(T * B * GH);
  const dGh = gru ? new Float32Array(T * B * GH) : dGx;
  const drh = resetFirst ? new Float32Array(B * H) : null;
  const dhOut = proj ? new Float32Array(T * B * P) : null; // dL/dh_t, for the projection's gradient
  const dm = proj ? new Float32Array(B * H) : dh;
  let dhNext: Float32Array = new Float32Array(B * P);
  let dhCur: Float32Array = dh;

  for (let s = T - 1; s >= 0; s--) {
    const t = timeAt(s, T, reverse);
    const g0 = t * B * GH;
    const s0 = t * B * P;
    for (let b = 0; b < B; b++) {
      if (!isActive(lengths, b, t)) continue;
      const row = dy.off + (t * B + b) * dy.ld;
      for (let j = 0; j < P; j++) dhCur[b * P + j] += dy.data[row + j]!;
    }
    if (stateGrads) {
      for (let b = 0; b < B; b++) {
        const row = stateGrads.off + (t * B + b) * stateGrads.ld;
        if (isActive(lengths, b, t)) stateGrads.data.set(dhCur.subarray(b * P, (b + 1) * P), row);
        else stateGrads.data.fill(0, row, row + P);
      }
    }
    if (lstm) {
      const c = cache;
      let dmCur = dhCur;
      if (proj) {
        dhOut!.set(dhCur, s0);
        k.gemm(false, false, B, H, P, 1, dhCur, 0, P, w.wHr!, 0, H, 0, dm, 0, H);
        dmCur = dm;
      }
      // The kernel overwrites dc; inactive rows must pass it through unchanged.
      const dcSaved = lengths ? dc!.slice() : null;
      lstmBackward(B, H, c.gates, g0, c.cPrev!, t * B * H, c.tanhC!, t * B * H, dmCur, 0, dc!, 0, dGx, g0, peep);
      if (dcSaved) {
        for (let b = 0; b < B; b++) {
          if (isActive(lengths, b, t)) continue;
          dc!.set(dcSaved.subarray(b * H, (b + 1) * H), b * H);
          if (dhOut) dhOut.fill(0, s0 + b * P, s0 + (b + 1) * P);
        }
      }
    } else if (resetFirst) {
      gruCandidateBackward(B, H, cache.gates, g0, cache.hPrev, s0, dhCur, 0, dGx, g0, dhNext, 0);
      // d(r*h) = da_n W_hn, then r's share.
      k.gemm(false, false, B, H, H, 1, dGx, g0 + 2 * H, GH, w.wHh, 2 * H * H, H, 0, drh!, 0, H);
      gruResetBackward(B, H, cache.gates, g0, cache.hPrev, s0, drh!, dGx, g0, dhNext, 0);
    } else if (gru) {
      gruBackward(B, H, cache.gates, g0, cache.gh!, g0, cache.hPrev, s0, dhCur, 0, dGx, g0, dGh, g0, dhNext, 0);
    } else {
      rnnBackward(B * H, relu, cache.gates, g0, dhCur, 0, dGx, g0);
    }
    if (lengths) {
      for (let b = 0; b < B; b++) {
        if (isActive(lengths, b, t)) continue;
        dGx.fill(0, g0 + b * GH, g0 + (b + 1) * GH);
        if (gru) dGh.fill(0, g0 + b * GH, g0 + (b + 1) * GH);
      }
    }
    // dh_{t-1} = dGh W_hh (+ dh*z for the GRU, already in dhNext; its W_hn share is in already when r comes first).
    k.gemm(false, false, B, P, resetFirst ? 2 * H : GH, 1, dGh, g0, GH, w.wHh, 0, P, gru || resetFirst ? 1 : 0, dhNext, 0, P);
    if (lengths) {
      for (let b = 0; b < B; b++) {
        if (isActive(lengths, b, t)) continue;
        dhNext.set(dhCur.subarray(b * P, (b + 1) * P), b * P);
      }
    }
    const swap = dhCur;
    dhCur = dhNext;
    dhNext = swap;
  }
  if (dhCur !== dh) dh.set(dhCur);

  // Weight gradients, one GEMM each over all steps.
  k.gemm(true, false, GH, I, T * B, 1, dGx, 0, GH, x, 0, I, 1, g.wIh, 0, I);
  if (resetFirst) {
    // W_hr, W_hz saw h; W_hn saw r*h.
    k.gemm(true, false, 2 * H, H, T * B, 1, dGh, 0, GH, cache.hPrev, 0, H, 1, g.wHh, 0, H);
    k.gemm(true, false, H, H, T * B, 1, dGh, 2 * H, GH, cache.rh!, 0, H, 1, g.wHh, 2 * H * H, H);
  } else {
    k.gemm(true, false, GH, P, T * B, 1, dGh, 0, GH, cache.hPrev, 0, P, 1, g.wHh, 0, P);
  }
  if (peep && g.wPeep) peepholeGradients(T * B, H, cache.gates, cache.cPrev!, dGx, g.wPeep);
  if (g.bIh) k.sumRows(T * B, GH, dGx, 0, GH, g.bIh, 0);
  if (g.bHh) k.sumRows(T * B, GH, dGh, 0, GH, g.bHh, 0);
  if (proj) k.gemm(true, false, P, H, T * B, 1, dhOut!, 0, P, cache.m!, 0, H, 1, g.wHr!, 0, H);
  // Input gradient: dx += dGx W_ih.
  k.gemm(false, false, T * B, I, GH, 1, dGx, 0, GH, w.wIh, 0, I, 1, dx, 0, I);
}
