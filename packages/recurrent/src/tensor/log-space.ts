/**
 * Arithmetic on log-probabilities in float64, shared by the losses and the
 * decoders: adding two probabilities held as logs, and the log-softmax of a
 * row of logits.
 */

/** log(exp(a) + exp(b)) without overflow; -Infinity (probability 0) on either side is exact. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Log-softmax of logits[off .. off+n) in float64. */
export function logSoftmax(logits: ArrayLike<number>, off: number, n: number, temperature = 1): Float64Array {
  return logSoftmaxInto(logits, off, n, temperature, new Float64Array(n));
}

/** logSoftmax written into `out` (n values), which it returns: no allocation per call. */
export function logSoftmaxInto(logits: ArrayLike<number>, off: number, n: number, temperature: number, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    out[i] = logits[off + i]! / temperature;
    if (out[i]! > max) max = out[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(out[i]! - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] -= lse;
  return out;
}
