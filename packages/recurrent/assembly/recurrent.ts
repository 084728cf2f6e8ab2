// One direction of one recurrent layer over a whole sequence, forward and
// backward, with the time loop inside WebAssembly. The same algorithm as
// src/kernels/js/recurrent.ts (the reference); read that file for the
// semantics. Pointers are byte addresses; sizes are element counts.
//
// Shapes (time-major): x (T,B,I); states (B,P), P = projSize || H; cell (B,H);
// gates (T,B,G*H). Weights arrive as PyTorch stores them: wIh (GH,I), wHh
// (GH,P), wHr (P,H). The forward packs their transposes into column strips
// once per call (packBT), the backward packs them as they are (packB).

import { addRowVector, gemm, gemmPacked, packB, packBT, sumRows } from './gemm';
import { GRU, LSTM, RNN_RELU, RNN_TANH } from './kinds';
import { sigmoidv, tanhv } from './mathv';

// @ts-ignore: decorator
@inline function sigmoid(x: f32): f32 {
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
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
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline function active(lengths: usize, b: i32, t: i32): bool {
  return lengths == 0 || t < load<i32>(lengths + (<usize>b << 2));
}

function gateCount(kind: i32): i32 {
  return kind == LSTM ? 4 : kind == GRU ? 3 : 1;
}

/** Floats needed to pack a (K x N) matrix with packB. */
export function packedSize(K: i32, N: i32): i32 {
  return ((N + 7) >> 3) * 8 * K;
}

function copy(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/**
 * h (B,P) and c (B,H) hold the initial state on entry, the final state on exit.
 * y receives outputs at y + 4*((t*B+b)*yLd + j). Writes the caches gates, gh
 * (GRU), hPrev, cPrev, tanhC (LSTM), m (projected LSTM); mStep is scratch (B,H).
 * packed receives the packed weights, or holds them already when prepacked.
 */
export function directionForward(
  kind: i32, T: i32, B: i32, I: i32, H: i32, P: i32,
  x: usize, wIh: usize, wHh: usize, bIh: usize, bHh: usize, wHr: usize,
  h: usize, c: usize, y: usize, yLd: i32, lengths: usize, reverse: i32,
  gates: usize, gh: usize, hPrev: usize, cPrev: usize, tanhC: usize, m: usize, mStep: usize,
  packed: usize, prepacked: i32,
): void {
  const GH = gateCount(kind) * H;
  const BGH = B * GH;
  // Every weight is packed once per call (or kept packed across inference
  // calls: prepacked); the recurrent ones are then read at every step.
  const pIh = packed;
  const pHh = pIh + ((<usize>packedSize(I, GH)) << 2);
  const pHr = pHh + ((<usize>packedSize(P, GH)) << 2);
  if (!prepacked) {
    packBT(wIh, I, I, GH, pIh);
    packBT(wHh, P, P, GH, pHh);
    if (wHr) packBT(wHr, H, H, P, pHr);
  }
  gemmPacked(T * B, GH, I, x, I, pIh, gates, GH, 0);
  if (bIh) addRowVector(T * B, GH, bIh, gates, GH);
  if (bHh && kind != GRU) addRowVector(T * B, GH, bHh, gates, GH);

  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const g0 = at(gates, t * BGH);
    const hp = at(hPrev, t * B * P);
    copy(hp, h, B * P);
    if (kind == LSTM) {
      const cp = at(cPrev, t * B * H);
      copy(cp, c, B * H);
      gemmPacked(B, GH, P, h, P, pHh, g0, GH, 1);
      const mOut = wHr ? at(m, t * B * H) : h;
      const tc = at(tanhC, t * B * H);
      const H4 = H & ~3;
      for (let b = 0; b < B; b++) {
        const gb = g0 + ((<usize>b * GH) << 2);
        const r = b * H;
        for (let j = 0; j < H4; j += 4) {
          const pi = at(gb, j), pf = at(gb, H + j), pg = at(gb, 2 * H + j), po = at(gb, 3 * H + j);
          const ig = sigmoidv(v128.load(pi));
          const fg = sigmoidv(v128.load(pf));
          const gg = tanhv(v128.load(pg));
          const og = sigmoidv(v128.load(po));
          v128.store(pi, ig); v128.store(pf, fg); v128.store(pg, gg); v128.store(po, og);
          const ct = f32x4.add(f32x4.mul(fg, v128.load(at(cp, r + j))), f32x4.mul(ig, gg));
          const th = tanhv(ct);
          v128.store(at(c, r + j), ct);
          v128.store(at(tc, r + j), th);
          v128.store(at(mOut, r + j), f32x4.mul(og, th));
        }
        for (let j = H4; j < H; j++) {
          const ig = sigmoid(f(gb, j));
          const fg = sigmoid(f(gb, H + j));
          const gg = Mathf.tanh(f(gb, 2 * H + j));
          const og = sigmoid(f(gb, 3 * H + j));
          put(gb, j, ig); put(gb, H + j, fg); put(gb, 2 * H + j, gg); put(gb, 3 * H + j, og);
          const ct = fg * f(cp, r + j) + ig * gg;
          const th = Mathf.tanh(ct);
          put(c, r + j, ct);
          put(tc, r + j, th);
          put(mOut, r + j, og * th);
        }
      }
      if (wHr) gemmPacked(B, P, H, mOut, H, pHr, h, P, 0);
    } else if (kind == GRU) {
      const q0 = at(gh, t * BGH);
      for (let b = 0; b < B; b++) {
        if (bHh) copy(q0 + ((<usize>b * GH) << 2), bHh, GH);
        else memory.fill(q0 + ((<usize>b * GH) << 2), 0, <usize>GH << 2);
      }
      gemmPacked(B, GH, P, h, P, pHh, q0, GH, 1);
      const H4 = H & ~3;
      for (let b = 0; b < B; b++) {
        const gb = g0 + ((<usize>b * GH) << 2);
        const qb = q0 + ((<usize>b * GH) << 2);
        const r = b * H;
        for (let j = 0; j < H4; j += 4) {
          const rg = sigmoidv(f32x4.add(v128.load(at(gb, j)), v128.load(at(qb, j))));
          const zg = sigmoidv(f32x4.add(v128.load(at(gb, H + j)), v128.load(at(qb, H + j))));
          const ng = tanhv(f32x4.add(v128.load(at(gb, 2 * H + j)), f32x4.mul(rg, v128.load(at(qb, 2 * H + j)))));
          v128.store(at(gb, j), rg); v128.store(at(gb, H + j), zg); v128.store(at(gb, 2 * H + j), ng);
          const hv = f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1), zg), ng), f32x4.mul(zg, v128.load(at(hp, r + j))));
          v128.store(at(h, r + j), hv);
        }
        for (let j = H4; j < H; j++) {
          const rg = sigmoid(f(gb, j) + f(qb, j));
          const zg = sigmoid(f(gb, H + j) + f(qb, H + j));
          const ng = Mathf.tanh(f(gb, 2 * H + j) + rg * f(qb, 2 * H + j));
          put(gb, j, rg); put(gb, H + j, zg); put(gb, 2 * H + j, ng);
          put(h, r + j, (1 - zg) * ng + zg * f(hp, r + j));
        }
      }
    } else {
      gemmPacked(B, GH, P, h, P, pHh, g0, GH, 1);
      const n = B * H;
      if (kind == RNN_RELU) for (let i = 0; i < n; i++) { const v = f(g0, i); put(g0, i, v > 0 ? v : 0); }
      else {
        const n4 = n & ~3;
        for (let i = 0; i < n4; i += 4) v128.store(at(g0, i), tanhv(v128.load(at(g0, i))));
        for (let i = n4; i < n; i++) put(g0, i, Mathf.tanh(f(g0, i)));
      }
      copy(h, g0, n);
    }
    for (let b = 0; b < B; b++) {
      const row = at(y, (t * B + b) * yLd);
      if (active(lengths, b, t)) {
        copy(row, at(h, b * P), P);
      } else {
        memory.fill(row, 0, <usize>P << 2);
        copy(at(h, b * P), at(hp, b * P), P);
        if (kind == LSTM) copy(at(c, b * H), at(cPrev, t * B * H + b * H), H);
      }
    }
  }
}

/**
 * Back through all steps. dh (B,P) and dc (B,H) hold dL/d(final state) on entry
 * and dL/d(initial state) on exit. Accumulates weight gradients gWIh (GH,I),
 * gWHh (GH,P), gBIh, gBHh (GH), gWHr (P,H) and the input gradient dx (T,B,I).
 * Scratch: dGx (T,B,GH), dGh (T,B,GH; GRU only, else pass dGx), dhOut (T,B,P;
 * projected LSTM), dm (B,H), dhNext (B,P), dcSaved (B,H).
 */
export function directionBackward(
  kind: i32, T: i32, B: i32, I: i32, H: i32, P: i32,
  x: usize, wIh: usize, wHh: usize, wHr: usize,
  gWIh: usize, gWHh: usize, gBIh: usize, gBHh: usize, gWHr: usize,
  gates: usize, gh: usize, hPrev: usize, cPrev: usize, tanhC: usize, m: usize,
  dy: usize, dyLd: i32, dh: usize, dc: usize, dx: usize, lengths: usize, reverse: i32,
  dGx: usize, dGh: usize, dhOut: usize, dm: usize, dhNext: usize, dcSaved: usize,
  packed: usize,
): void {
  const GH = gateCount(kind) * H;
  const BGH = B * GH;
  const proj = kind == LSTM && wHr != 0;
  const pHh = packed;
  packB(wHh, P, GH, P, pHh);
  const pHr = pHh + ((<usize>packedSize(GH, P)) << 2);
  if (proj) packB(wHr, H, P, H, pHr);
  let cur = dh;
  let nxt = dhNext;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const g0 = at(gates, t * BGH);
    const d0 = at(dGx, t * BGH);
    const P4 = P & ~3;
    for (let b = 0; b < B; b++) {
      if (!active(lengths, b, t)) continue;
      const row = at(dy, (t * B + b) * dyLd);
      const hb = at(cur, b * P);
      let j = 0;
      for (; j < P4; j += 4) v128.store(at(hb, j), f32x4.add(v128.load(at(hb, j)), v128.load(at(row, j))));
      for (; j < P; j++) put(hb, j, f(hb, j) + f(row, j));
    }
    if (kind == LSTM) {
      let dmCur = cur;
      if (proj) {
        copy(at(dhOut, t * B * P), cur, B * P);
        gemmPacked(B, H, P, cur, P, pHr, dm, H, 0);
        dmCur = dm;
      }
      if (lengths) copy(dcSaved, dc, B * H);
      const cp = at(cPrev, t * B * H);
      const tc = at(tanhC, t * B * H);
      const H4 = H & ~3;
      const one = f32x4.splat(1);
      for (let b = 0; b < B; b++) {
        const gb = g0 + ((<usize>b * GH) << 2);
        const db = d0 + ((<usize>b * GH) << 2);
        const r = b * H;
        // Four units at a time, the same operations in the same order as the scalar tail.
        for (let j = 0; j < H4; j += 4) {
          const ig = v128.load(at(gb, j)), fg = v128.load(at(gb, H + j)), gg = v128.load(at(gb, 2 * H + j)), og = v128.load(at(gb, 3 * H + j));
          const th = v128.load(at(tc, r + j));
          const dmj = v128.load(at(dmCur, r + j));
          const dct = f32x4.add(v128.load(at(dc, r + j)), f32x4.mul(f32x4.mul(dmj, og), f32x4.sub(one, f32x4.mul(th, th))));
          v128.store(at(db, j), f32x4.mul(f32x4.mul(f32x4.mul(dct, gg), ig), f32x4.sub(one, ig)));
          v128.store(at(db, H + j), f32x4.mul(f32x4.mul(f32x4.mul(dct, v128.load(at(cp, r + j))), fg), f32x4.sub(one, fg)));
          v128.store(at(db, 2 * H + j), f32x4.mul(f32x4.mul(dct, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
          v128.store(at(db, 3 * H + j), f32x4.mul(f32x4.mul(f32x4.mul(dmj, th), og), f32x4.sub(one, og)));
          v128.store(at(dc, r + j), f32x4.mul(dct, fg));
        }
        for (let j = H4; j < H; j++) {
          const ig = f(gb, j), fg = f(gb, H + j), gg = f(gb, 2 * H + j), og = f(gb, 3 * H + j);
          const th = f(tc, r + j);
          const dmj = f(dmCur, r + j);
          const dct = f(dc, r + j) + dmj * og * (1 - th * th);
          put(db, j, dct * gg * ig * (1 - ig));
          put(db, H + j, dct * f(cp, r + j) * fg * (1 - fg));
          put(db, 2 * H + j, dct * ig * (1 - gg * gg));
          put(db, 3 * H + j, dmj * th * og * (1 - og));
          put(dc, r + j, dct * fg);
        }
      }
      if (lengths) {
        for (let b = 0; b < B; b++) {
          if (active(lengths, b, t)) continue;
          copy(at(dc, b * H), at(dcSaved, b * H), H);
          if (proj) memory.fill(at(dhOut, t * B * P + b * P), 0, <usize>P << 2);
        }
      }
    } else if (kind == GRU) {
      const q0 = at(gh, t * BGH);
      const e0 = at(dGh, t * BGH);
      const hp = at(hPrev, t * B * P);
      const H4 = H & ~3;
      const one = f32x4.splat(1);
      for (let b = 0; b < B; b++) {
        const gb = g0 + ((<usize>b * GH) << 2);
        const qb = q0 + ((<usize>b * GH) << 2);
        const db = d0 + ((<usize>b * GH) << 2);
        const eb = e0 + ((<usize>b * GH) << 2);
        const r = b * H;
        for (let j = 0; j < H4; j += 4) {
          const rg = v128.load(at(gb, j)), zg = v128.load(at(gb, H + j)), ng = v128.load(at(gb, 2 * H + j));
          const d = v128.load(at(cur, r + j));
          const dan = f32x4.mul(f32x4.mul(d, f32x4.sub(one, zg)), f32x4.sub(one, f32x4.mul(ng, ng)));
          const daz = f32x4.mul(f32x4.mul(f32x4.mul(d, f32x4.sub(v128.load(at(hp, r + j)), ng)), zg), f32x4.sub(one, zg));
          const dar = f32x4.mul(f32x4.mul(f32x4.mul(dan, v128.load(at(qb, 2 * H + j))), rg), f32x4.sub(one, rg));
          v128.store(at(db, j), dar); v128.store(at(db, H + j), daz); v128.store(at(db, 2 * H + j), dan);
          v128.store(at(eb, j), dar); v128.store(at(eb, H + j), daz); v128.store(at(eb, 2 * H + j), f32x4.mul(dan, rg));
          v128.store(at(nxt, r + j), f32x4.mul(d, zg));
        }
        for (let j = H4; j < H; j++) {
          const rg = f(gb, j), zg = f(gb, H + j), ng = f(gb, 2 * H + j);
          const d = f(cur, r + j);
          const dan = d * (1 - zg) * (1 - ng * ng);
          const daz = d * (f(hp, r + j) - ng) * zg * (1 - zg);
          const dar = dan * f(qb, 2 * H + j) * rg * (1 - rg);
          put(db, j, dar); put(db, H + j, daz); put(db, 2 * H + j, dan);
          put(eb, j, dar); put(eb, H + j, daz); put(eb, 2 * H + j, dan * rg);
          put(nxt, r + j, d * zg);
        }
      }
    } else {
      const n = B * H;
      if (kind == RNN_RELU) for (let i = 0; i < n; i++) put(d0, i, f(g0, i) > 0 ? f(cur, i) : 0);
      else {
        const n4 = n & ~3;
        const one = f32x4.splat(1);
        for (let i = 0; i < n4; i += 4) {
          const v = v128.load(at(g0, i));
          v128.store(at(d0, i), f32x4.mul(v128.load(at(cur, i)), f32x4.sub(one, f32x4.mul(v, v))));
        }
        for (let i = n4; i < n; i++) { const v = f(g0, i); put(d0, i, f(cur, i) * (1 - v * v)); }
      }
    }
    if (lengths) {
      for (let b = 0; b < B; b++) {
        if (active(lengths, b, t)) continue;
        memory.fill(at(dGx, t * BGH + b * GH), 0, <usize>GH << 2);
        if (kind == GRU) memory.fill(at(dGh, t * BGH + b * GH), 0, <usize>GH << 2);
      }
    }
    gemmPacked(B, P, GH, at(dGh, t * BGH), GH, pHh, nxt, P, kind == GRU ? 1 : 0);
    if (lengths) {
      for (let b = 0; b < B; b++) {
        if (active(lengths, b, t)) continue;
        copy(at(nxt, b * P), at(cur, b * P), P);
      }
    }
    const sw = cur;
    cur = nxt;
    nxt = sw;
  }
  if (cur != dh) copy(dh, cur, B * P);

  const TB = T * B;
  gemm(GH, I, TB, dGx, 1, GH, x, I, gWIh, I, 1);
  gemm(GH, P, TB, dGh, 1, GH, hPrev, P, gWHh, P, 1);
  if (gBIh) sumRows(TB, GH, dGx, GH, gBIh);
  if (gBHh) sumRows(TB, GH, dGh, GH, gBHh);
  if (proj) gemm(P, H, TB, dhOut, 1, P, m, H, gWHr, H, 1);
  gemm(TB, I, GH, dGx, GH, 1, wIh, I, dx, I, 1);
}
