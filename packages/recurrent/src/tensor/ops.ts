/** Small layout helpers shared by modules. */

/** Swaps the first two axes of an (A,B,C) array: returns (B,A,C). */
export function swapAxes01(src: Float32Array, A: number, B: number, C: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const from = (a * B + b) * C;
      out.set(src.subarray(from, from + C), (b * A + a) * C);
    }
  }
  return out;
}

/** True when every value is finite. */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/** Row-wise log-softmax of an (N, C) array (float64 sums): a classifier's log-probabilities from its logits. */
export function logSoftmaxRows(a: ArrayLike<number>, N: number, C: number): Float32Array {
  const out = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, a[n * C + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(a[n * C + c]! - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < C; c++) out[n * C + c] = a[n * C + c]! - lse;
  }
  return out;
}
