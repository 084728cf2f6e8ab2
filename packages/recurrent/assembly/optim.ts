// Optimiser updates and gradient norms over parameters resident in wasm
// memory. The same rules and the same arithmetic as src/kernels/js/optim.ts
// (the reference): each weight is updated in float64, two at a time, with the
// moments rounded to float32 where they are stored, so both backends train
// alike. The update is bound by memory (seven arrays streamed), so float64
// lanes cost little.

// @ts-ignore: decorator
@inline function ld2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

// @ts-ignore: decorator
@inline function st2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

// @ts-ignore: decorator
@inline function round2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/**
 * One Adam (or AdamW) step on n weights x with gradients g, moments m and v,
 * and (amsgrad) the running maximum vmax (0: none):
 *   x' = x * decay; g' = g + l2 * x'; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 *   x = x' - stepSize * m / (sqrt(max(vmax, v)) / bc2Sqrt + eps)
 */
export function adam(
  n: i32, x: usize, g: usize, m: usize, v: usize, vmax: usize,
  b1: f64, b2: f64, eps: f64, l2: f64, decay: f64, stepSize: f64, bc2Sqrt: f64,
): void {
  const B1 = f64x2.splat(b1), B2 = f64x2.splat(b2), C1 = f64x2.splat(1 - b1), C2 = f64x2.splat(1 - b2);
  const EPS = f64x2.splat(eps), L2 = f64x2.splat(l2), DECAY = f64x2.splat(decay), STEP = f64x2.splat(stepSize), BC2 = f64x2.splat(bc2Sqrt);
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) {
    const o = <usize>i << 2;
    const xj = f64x2.mul(ld2(x + o), DECAY);
    const gj = f64x2.add(ld2(g + o), f64x2.mul(L2, xj));
    const mj = round2(f64x2.add(f64x2.mul(B1, ld2(m + o)), f64x2.mul(C1, gj)));
    let vj = round2(f64x2.add(f64x2.mul(B2, ld2(v + o)), f64x2.mul(f64x2.mul(C2, gj), gj)));
    st2(m + o, mj);
    st2(v + o, vj);
    if (vmax) {
      vj = f64x2.max(ld2(vmax + o), vj);
      st2(vmax + o, vj);
    }
    const denom = f64x2.add(f64x2.div(f64x2.sqrt(vj), BC2), EPS);
    st2(x + o, f64x2.sub(xj, f64x2.div(f64x2.mul(STEP, mj), denom)));
  }
  for (let i = n2; i < n; i++) {
    const o = <usize>i << 2;
    const xj = <f64>load<f32>(x + o) * decay;
    const gj = <f64>load<f32>(g + o) + l2 * xj;
    const mj = <f64><f32>(b1 * <f64>load<f32>(m + o) + (1 - b1) * gj);
    let vj = <f64><f32>(b2 * <f64>load<f32>(v + o) + (1 - b2) * gj * gj);
    store<f32>(m + o, <f32>mj);
    store<f32>(v + o, <f32>vj);
    if (vmax) {
      vj = max(<f64>load<f32>(vmax + o), vj);
      store<f32>(vmax + o, <f32>vj);
    }
    store<f32>(x + o, <f32>(xj - (stepSize * mj) / (Math.sqrt(vj) / bc2Sqrt + eps)));
  }
}

/** Sum of squares of n values, accumulated in float64. */
export function sumSquares(n: i32, x: usize): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const q = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(q);
    const hi = f64x2.promote_low_f32x4(i8x16.shuffle(q, q, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  for (let i = n4; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** x *= c over n values, the product taken in float64 as the reference does. */
export function scale(n: i32, x: usize, c: f64): void {
  const C = f64x2.splat(c);
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) st2(x + (<usize>i << 2), f64x2.mul(ld2(x + (<usize>i << 2)), C));
  for (let i = n2; i < n; i++) store<f32>(x + (<usize>i << 2), <f32>(<f64>load<f32>(x + (<usize>i << 2)) * c));
}

/**
 * One SGD step on n weights x with gradients g and (momentum) the buffer buf
 * (0: none), first: the buffer's first step (it starts as the gradient):
 *   d = g + wd x; buf = first ? d : mu buf + (1-dampening) d;
 *   d = nesterov ? d + mu buf : buf; x -= lr d
 */
export function sgd(n: i32, x: usize, g: usize, buf: usize, first: i32, mu: f64, dampening: f64, wd: f64, nesterov: i32, lr: f64): void {
  const MU = f64x2.splat(mu), DAMP = f64x2.splat(1 - dampening), WD = f64x2.splat(wd), LR = f64x2.splat(lr);
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) {
    const o = <usize>i << 2;
    const xj = ld2(x + o);
    let d = f64x2.add(ld2(g + o), f64x2.mul(WD, xj));
    if (buf) {
      const b = round2(first ? d : f64x2.add(f64x2.mul(MU, ld2(buf + o)), f64x2.mul(DAMP, d)));
      st2(buf + o, b);
      d = nesterov ? f64x2.add(d, f64x2.mul(MU, b)) : b;
    }
    st2(x + o, f64x2.sub(xj, f64x2.mul(LR, d)));
  }
  for (let i = n2; i < n; i++) {
    const o = <usize>i << 2;
    const xj = <f64>load<f32>(x + o);
    let d = <f64>load<f32>(g + o) + wd * xj;
    if (buf) {
      const b = <f64><f32>(first ? d : mu * <f64>load<f32>(buf + o) + (1 - dampening) * d);
      store<f32>(buf + o, <f32>b);
      d = nesterov ? d + mu * b : b;
    }
    store<f32>(x + o, <f32>(xj - lr * d));
  }
}
