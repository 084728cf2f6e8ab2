// Optimiser updates and gradient norms over parameters resident in wasm
// memory, in float32 SIMD as PyTorch computes them (torch.optim single-tensor
// path). The same rules as src/kernels/js/optim.ts (the reference).

/**
 * One Adam (or AdamW) step on n weights x with gradients g, moments m and v,
 * and (amsgrad) the running maximum vmax (0: none):
 *   x' = x * decay; g' = g + l2 * x'; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 *   x = x' - stepSize * m / (sqrt(max(vmax, v)) / bc2Sqrt + eps)
 */
export function adam(
  n: i32, x: usize, g: usize, m: usize, v: usize, vmax: usize,
  b1: f32, b2: f32, eps: f32, l2: f32, decay: f32, stepSize: f32, bc2Sqrt: f32,
): void {
  const B1 = f32x4.splat(b1), B2 = f32x4.splat(b2), C1 = f32x4.splat(1 - b1), C2 = f32x4.splat(1 - b2);
  const EPS = f32x4.splat(eps), L2 = f32x4.splat(l2), DECAY = f32x4.splat(decay), STEP = f32x4.splat(stepSize), BC2 = f32x4.splat(bc2Sqrt);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const xj = f32x4.mul(v128.load(x + o), DECAY);
    const gj = f32x4.add(v128.load(g + o), f32x4.mul(L2, xj));
    const mj = f32x4.add(f32x4.mul(B1, v128.load(m + o)), f32x4.mul(C1, gj));
    let vj = f32x4.add(f32x4.mul(B2, v128.load(v + o)), f32x4.mul(C2, f32x4.mul(gj, gj)));
    v128.store(m + o, mj);
    v128.store(v + o, vj);
    if (vmax) {
      vj = f32x4.max(v128.load(vmax + o), vj);
      v128.store(vmax + o, vj);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vj), BC2), EPS);
    v128.store(x + o, f32x4.sub(xj, f32x4.div(f32x4.mul(STEP, mj), denom)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const xj = load<f32>(x + o) * decay;
    const gj = load<f32>(g + o) + l2 * xj;
    const mj = b1 * load<f32>(m + o) + (1 - b1) * gj;
    let vj = b2 * load<f32>(v + o) + (1 - b2) * gj * gj;
    store<f32>(m + o, mj);
    store<f32>(v + o, vj);
    if (vmax) {
      vj = max(load<f32>(vmax + o), vj);
      store<f32>(vmax + o, vj);
    }
    store<f32>(x + o, xj - (stepSize * mj) / (Mathf.sqrt(vj) / bc2Sqrt + eps));
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

/** x *= c over n values. */
export function scale(n: i32, x: usize, c: f32): void {
  const C = f32x4.splat(c);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), C));
  for (let i = n4; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * c);
}
