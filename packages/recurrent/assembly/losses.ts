// Softmax cross-entropy over the rows of logits (N x C), fused: max, exp,
// sum, loss and gradient in two passes over each row. The same algorithm as
// src/kernels/js/losses.ts (the reference); grad may be logits itself. With
// rowLoss (else 0), each row's unweighted loss is written there too.

import { expv } from './mathv';

export function softmaxCrossEntropy(
  N: i32, C: i32, logits: usize, targets: usize, rowWeight: usize, gradScale: f32, grad: usize, rowLoss: usize,
): f64 {
  let total: f64 = 0;
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    const x = logits + ((<usize>n * C) << 2);
    const g = grad + ((<usize>n * C) << 2);
    const w = load<f32>(rowWeight + (<usize>n << 2));
    if (w == 0) {
      memory.fill(g, 0, <usize>C << 2);
      if (rowLoss) store<f32>(rowLoss + (<usize>n << 2), 0);
      continue;
    }
    const t = load<i32>(targets + (<usize>n << 2));
    const xt = load<f32>(x + (<usize>t << 2));
    // f32x4.max propagates NaN, so a NaN logit gives a NaN loss (stops training).
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < C4; j += 4) mv = f32x4.max(mv, v128.load(x + (<usize>j << 2)));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < C; j++) m = max(m, load<f32>(x + (<usize>j << 2)));
    const ms = f32x4.splat(m);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j < C4; j += 4) {
      const e = expv(f32x4.sub(v128.load(x + (<usize>j << 2)), ms));
      v128.store(g + (<usize>j << 2), e);
      sv = f32x4.add(sv, e);
    }
    let sum = <f64>(f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + <f64>(f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    for (; j < C; j++) {
      const e = Mathf.exp(load<f32>(x + (<usize>j << 2)) - m);
      store<f32>(g + (<usize>j << 2), e);
      sum += <f64>e;
    }
    const rl = Math.log(sum) + <f64>m - <f64>xt;
    if (rowLoss) store<f32>(rowLoss + (<usize>n << 2), <f32>rl);
    total += <f64>w * rl;
    const s = <f32>(<f64>(gradScale * w) / sum);
    const sc = f32x4.splat(s);
    j = 0;
    for (; j < C4; j += 4) v128.store(g + (<usize>j << 2), f32x4.mul(v128.load(g + (<usize>j << 2)), sc));
    for (; j < C; j++) store<f32>(g + (<usize>j << 2), load<f32>(g + (<usize>j << 2)) * s);
    const gt = g + (<usize>t << 2);
    store<f32>(gt, load<f32>(gt) - gradScale * w);
  }
  return total;
}
