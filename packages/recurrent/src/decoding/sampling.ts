/**
 * Choosing the next token from logits: temperature, top-k and nucleus (top-p)
 * filtering, and sampling with a seeded generator.
 */
import { ConfigError } from '../errors.js';
import type { Random } from '../tensor/random.js';

export interface SamplingOptions {
  /** divides the logits; below 1 is more conservative, above 1 more adventurous (default 1) */
  temperature?: number;
  /** keep only the k most likely tokens (default: all) */
  topK?: number;
  /** keep the smallest set of tokens whose probability adds up to p (default 1: all) */
  topP?: number;
}

export function checkSampling(o: SamplingOptions): void {
  if (o.temperature !== undefined && !(o.temperature > 0)) throw new ConfigError(`temperature must be positive, got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) throw new ConfigError(`topK must be a positive integer, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new ConfigError(`topP must be in (0, 1], got ${o.topP}`);
}

/** Log-softmax of logits[off .. off+n) in float64. */
export function logSoftmax(logits: ArrayLike<number>, off: number, n: number, temperature = 1): Float64Array {
  const out = new Float64Array(n);
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

/** Samples a token id from logits[off .. off+n). */
export function sampleToken(logits: ArrayLike<number>, off: number, n: number, o: SamplingOptions, rng: Random): number {
  const logp = logSoftmax(logits, off, n, o.temperature ?? 1);
  let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logp[b]! - logp[a]!);
  if (o.topK !== undefined) order = order.slice(0, o.topK);
  if (o.topP !== undefined && o.topP < 1) {
    let cum = 0;
    let keep = 0;
    while (keep < order.length && cum < o.topP) cum += Math.exp(logp[order[keep++]!]!);
    order = order.slice(0, Math.max(1, keep));
  }
  let total = 0;
  for (const i of order) total += Math.exp(logp[i]!);
  let u = rng.next() * total;
  for (const i of order) {
    u -= Math.exp(logp[i]!);
    if (u <= 0) return i;
  }
  return order[order.length - 1]!;
}
