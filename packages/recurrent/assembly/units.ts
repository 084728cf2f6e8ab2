// Inference forward of one direction split by hidden units across threads:
// each thread owns units [j0, j1) of every gate, so it computes its share of
// each step's gates, its part of the cell and its part of the new state, then
// waits at a per-step barrier for the other thread's part of the state, which
// both read at the next step. Used where the batch is too small to split by
// sequences (batch 1): each thread streams only its half of the recurrent
// weights every step and runs half of the multiply-add chains, which bound
// the matrix-vector product (measured 2026-12-01, hidden 256: 12 us a step on
// two threads, 21 us on one).
//
// Shapes (time-major): x (T,B,I); the state h (B,H) lives in hbuf, two
// buffers of (B,H) used in turn (step s reads buffer s%2 and writes the
// other), so a thread never overwrites what the other still reads; c (B,H).
// Local, per thread: gates (T,B,G*hw) for its units of each gate, gate block
// g at columns [g*hw, (g+1)*hw); gh (B,G*hw) for the GRU. No projection, no
// cache for backward: training splits by sequences (backend.ts).

import { addRowVector, gemmPacked, packBT } from './gemm';
import { GRU, LSTM, RNN_RELU } from './kinds';
import { packedSize } from './recurrent';
import { sigmoidv, tanhv } from './mathv';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline function f(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function put(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline function sigmoid(x: f32): f32 {
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
}

/**
 * Waits until the other thread has finished step `gen` (its flag reaches
 * gen). Spins first: a step takes microseconds, far less than a sleep. Then
 * sleeps in short waits, so a descheduled partner does not cost a busy core;
 * a thread about to sleep raises its sleeping flag, and only then does its
 * partner pay for a notify. Each thread's flags sit on their own 64-byte
 * line (step at +0, sleeping at +4); sync needs 132 bytes, zeroed.
 */
export function barrier(sync: usize, self: i32, parts: i32, gen: i32): void {
  if (parts < 2) return;
  if (ASC_FEATURE_THREADS) {
    const mine = sync + (<usize>self << 6);
    const other = sync + (<usize>(1 - self) << 6);
    const broken = sync + 128;
    atomic.store<i32>(mine, gen);
    if (atomic.load<i32>(other + 4)) atomic.notify(mine, 1);
    let spins = 0;
    for (;;) {
      const seen = atomic.load<i32>(other);
      if (seen >= gen || atomic.load<i32>(broken)) return;
      if (++spins < 200000) continue;
      // 10 s without the partner (it failed): give up rather than hang; the
      // host reports the partner's error when it joins.
      if (spins > 200000 + 10000) { atomic.store<i32>(broken, 1); return; }
      atomic.store<i32>(mine + 4, 1);
      const now = atomic.load<i32>(other);
      if (now < gen) memory.atomic.wait32(other, now, 1000000);
      atomic.store<i32>(mine + 4, 0);
    }
  }
}

/**
 * This thread's share of one step's recurrent product for units [j0, j0+hw)
 * of every gate: added into the gates (B, G*hw), or for the GRU written to
 * gh (B, G*hw) with b_hh first (its n gate needs the product apart).
 */
export function recurrentUnits(kind: i32, B: i32, H: i32, j0: i32, hw: i32, hin: usize, pHh: usize, bHh: usize, gates: usize, gh: usize): void {
  const G = kind == LSTM ? 4 : kind == GRU ? 3 : 1;
  const GW = G * hw;
  if (kind == GRU) {
    for (let b = 0; b < B; b++) {
      for (let g = 0; g < G; g++) {
        const dst = at(gh, b * GW + g * hw);
        if (bHh) memory.copy(dst, at(bHh, g * H + j0), <usize>hw << 2);
        else memory.fill(dst, 0, <usize>hw << 2);
      }
    }
    gemmPacked(B, GW, H, hin, H, pHh, gh, GW, 1);
  } else {
    gemmPacked(B, GW, H, hin, H, pHh, gates, GW, 1);
  }
}

/**
 * Units [j0, j1) of one row's new state: gb holds this thread's gate
 * pre-activations (G blocks of j1-j0, input and recurrent products summed;
 * for the GRU the recurrent ones are in qb), hi the state entering the step,
 * ho the state leaving it, cb the LSTM cell (updated in place).
 */
export function cellUnits(kind: i32, gb: usize, qb: usize, hi: usize, ho: usize, cb: usize, j0: i32, j1: i32): void {
  const hw = j1 - j0;
  const hw4 = j0 + (hw & ~3);
  if (kind == LSTM) {
    let j = j0;
    for (; j < hw4; j += 4) {
      const k = j - j0;
      const ig = sigmoidv(v128.load(at(gb, k)));
      const fg = sigmoidv(v128.load(at(gb, hw + k)));
      const gg = tanhv(v128.load(at(gb, 2 * hw + k)));
      const og = sigmoidv(v128.load(at(gb, 3 * hw + k)));
      const ct = f32x4.add(f32x4.mul(fg, v128.load(at(cb, j))), f32x4.mul(ig, gg));
      v128.store(at(cb, j), ct);
      v128.store(at(ho, j), f32x4.mul(og, tanhv(ct)));
    }
    for (; j < j1; j++) {
      const k = j - j0;
      const ct = sigmoid(f(gb, hw + k)) * f(cb, j) + sigmoid(f(gb, k)) * Mathf.tanh(f(gb, 2 * hw + k));
      put(cb, j, ct);
      put(ho, j, sigmoid(f(gb, 3 * hw + k)) * Mathf.tanh(ct));
    }
  } else if (kind == GRU) {
    let j = j0;
    for (; j < hw4; j += 4) {
      const k = j - j0;
      const rg = sigmoidv(f32x4.add(v128.load(at(gb, k)), v128.load(at(qb, k))));
      const zg = sigmoidv(f32x4.add(v128.load(at(gb, hw + k)), v128.load(at(qb, hw + k))));
      const ng = tanhv(f32x4.add(v128.load(at(gb, 2 * hw + k)), f32x4.mul(rg, v128.load(at(qb, 2 * hw + k)))));
      v128.store(at(ho, j), f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1), zg), ng), f32x4.mul(zg, v128.load(at(hi, j)))));
    }
    for (; j < j1; j++) {
      const k = j - j0;
      const rg = sigmoid(f(gb, k) + f(qb, k));
      const zg = sigmoid(f(gb, hw + k) + f(qb, hw + k));
      const ng = Mathf.tanh(f(gb, 2 * hw + k) + rg * f(qb, 2 * hw + k));
      put(ho, j, (1 - zg) * ng + zg * f(hi, j));
    }
  } else {
    let j = j0;
    if (kind == RNN_RELU) {
      for (; j < j1; j++) { const v = f(gb, j - j0); put(ho, j, v > 0 ? v : 0); }
    } else {
      for (; j < hw4; j += 4) v128.store(at(ho, j), tanhv(v128.load(at(gb, j - j0))));
      for (; j < j1; j++) put(ho, j, Mathf.tanh(f(gb, j - j0)));
    }
  }
}

export function directionForwardUnits(
  kind: i32, T: i32, B: i32, I: i32, H: i32,
  x: usize, wIh: usize, wHh: usize, bIh: usize, bHh: usize,
  hbuf: usize, c: usize, y: usize, yLd: i32, lengths: usize, reverse: i32,
  j0: i32, j1: i32, gates: usize, gh: usize, packed: usize, prepacked: i32, sync: usize, self: i32, parts: i32,
): void {
  const G = kind == LSTM ? 4 : kind == GRU ? 3 : 1;
  const hw = j1 - j0;
  const GW = G * hw;
  const sIh = packedSize(I, hw);
  const sHh = packedSize(H, hw);
  const pIh = packed;
  const pHh = packed + ((<usize>(G * sIh)) << 2);
  // This thread's rows of each gate block, packed transposed once per call
  // (or kept packed across calls: prepacked).
  if (!prepacked) {
    for (let g = 0; g < G; g++) {
      const row = g * H + j0;
      packBT(at(wIh, row * I), I, I, hw, at(pIh, g * sIh));
      packBT(at(wHh, row * H), H, H, hw, at(pHh, g * sHh));
    }
  }
  // hw is a multiple of 8 (the host splits on strip borders), so the G packed
  // blocks side by side are one packed (K x G*hw) matrix: one product serves
  // every gate. Input projection of all steps first.
  const TB = T * B;
  gemmPacked(TB, GW, I, x, I, pIh, gates, GW, 0);
  for (let g = 0; g < G; g++) {
    const gcol = at(gates, g * hw);
    if (bIh) addRowVector(TB, hw, at(bIh, g * H + j0), gcol, GW);
    if (bHh && kind != GRU) addRowVector(TB, hw, at(bHh, g * H + j0), gcol, GW);
  }
  const BH = B * H;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const hin = at(hbuf, (s & 1) * BH);
    const hout = at(hbuf, ((s + 1) & 1) * BH);
    const g0 = at(gates, t * B * GW);
    recurrentUnits(kind, B, H, j0, hw, hin, pHh, bHh, g0, gh);
    for (let b = 0; b < B; b++) {
      const hi = at(hin, b * H);
      const ho = at(hout, b * H);
      const yr = at(y, (t * B + b) * yLd);
      if (lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2))) {
        // Past this sequence's end: the state stays, the output is zero.
        memory.copy(at(ho, j0), at(hi, j0), <usize>hw << 2);
        memory.fill(at(yr, j0), 0, <usize>hw << 2);
        continue;
      }
      cellUnits(kind, at(g0, b * GW), kind == GRU ? at(gh, b * GW) : 0, hi, ho, at(c, b * H), j0, j1);
      memory.copy(at(yr, j0), at(ho, j0), <usize>hw << 2);
    }
    barrier(sync, self, parts, s + 1);
  }
}
