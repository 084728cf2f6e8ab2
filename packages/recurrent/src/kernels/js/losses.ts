/**
 * Softmax cross-entropy over the rows of logits, the reference for the wasm
 * kernel (assembly/losses.ts). Float64 arithmetic; exp once per logit, kept
 * in grad, then scaled into w * softmax.
 */
export function softmaxCrossEntropy(
  N: number, C: number, logits: Float32Array, targets: Int32Array, rowWeight: Float32Array, gradScale: number, grad: Float32Array,
  rowLoss: Float32Array | null = null,
): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const w = rowWeight[n]!;
    if (w === 0) {
      grad.fill(0, row, row + C);
      if (rowLoss) rowLoss[n] = 0;
      continue;
    }
    const t = targets[n]!;
    const xt = logits[row + t]!;
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (logits[row + c]! > max) max = logits[row + c]!;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[row + c]! - max);
      grad[row + c] = e;
      sum += e;
    }
    const rl = Math.log(sum) + max - xt;
    if (rowLoss) rowLoss[n] = rl;
    total += w * rl;
    const scale = (gradScale * w) / sum;
    for (let c = 0; c < C; c++) grad[row + c] *= scale;
    grad[row + t] -= gradScale * w;
  }
  return total;
}
