/**
 * Choosing the next token from logits: temperature, top-k and nucleus (top-p)
 * filtering, and sampling with a seeded generator.
 */
import { ConfigError } from '../errors.js';
import { logSoftmax, logSoftmaxInto } from '../tensor/log-space.js';
import type { Random } from '../tensor/random.js';

// Where generation has always found them.
export { logSoftmax, logSoftmaxInto };

/** How the next token is drawn: temperature, and optionally only the k likeliest or the likeliest covering probability p. */
export interface SamplingOptions {
  /** divides the logits; below 1 is more conservative, above 1 more adventurous (default 1) */
  temperature?: number;
  /** keep only the k most likely tokens (default: all) */
  topK?: number;
  /** keep the smallest set of tokens whose probability adds up to p (default 1: all) */
  topP?: number;
}

/** Throws a ConfigError for a temperature, topK or topP out of range. */
export function checkSampling(o: SamplingOptions): void {
  if (o.temperature !== undefined && !(o.temperature > 0)) throw new ConfigError(`temperature must be positive, got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) throw new ConfigError(`topK must be a positive integer, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new ConfigError(`topP must be in (0, 1], got ${o.topP}`);
}

/** Ranges this short are sorted outright rather than partitioned. */
const SHORT = 16;

/**
 * Samples token ids from logits, reusing its buffers from one token to the
 * next (generation calls it once per token). The tokens are ranked by
 * probability (ties: lower id first); top-k keeps a prefix of that ranking,
 * top-p the shortest prefix reaching p; the draw walks the ranking down from
 * the most likely until the drawn mass is used up. None of this sorts the
 * vocabulary: each prefix is found by partitioning around a pivot
 * probability (quickselect on running sums), a few passes over the ids
 * whatever the shape of the distribution.
 */
export class Sampler {
  /** the probabilities of the last call */
  private readonly p: Float64Array;
  /** token ids, partitioned in place so that any ranked prefix found lies first */
  private readonly ids: Int32Array;

  constructor(readonly size: number) {
    this.p = new Float64Array(size);
    this.ids = new Int32Array(size);
  }

  /** A token id drawn from logits[off .. off+size); one draw of `rng`. */
  sample(logits: ArrayLike<number>, off: number, o: SamplingOptions, rng: Random): number {
    const n = this.size;
    const p = this.p;
    const t = o.temperature ?? 1;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = logits[off + i]! / t;
      p[i] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (p[i] = Math.exp(p[i]! - max));
    for (let i = 0; i < n; i++) {
      p[i] /= sum;
      this.ids[i] = i;
    }
    // How many of the ranked tokens may be drawn (they are then ids[0, keep)), and their total probability.
    let keep = n;
    if (o.topK !== undefined && o.topK < n) this.selectTop((keep = o.topK));
    if (o.topP !== undefined && o.topP < 1) keep = this.cross(keep, o.topP) + 1;
    let total = 0;
    for (let k = 0; k < keep; k++) total += p[this.ids[k]!]!;
    return this.ids[this.cross(keep, rng.next() * total)]!;
  }

  /**
   * The position (in ids) of the ranked token at which a walk down the
   * ranking of ids[0, hi), subtracting each probability from u, first reaches
   * u <= 0 (the last ranked one if it never does); ids before it are then
   * the ranked tokens before it.
   */
  private cross(hi: number, u: number): number {
    const p = this.p;
    let lo = 0;
    for (;;) {
      if (hi - lo <= SHORT) {
        this.sortRange(lo, hi);
        for (let k = lo; k < hi; k++) if ((u -= p[this.ids[k]!]!) <= 0) return k;
        return hi - 1;
      }
      const [lt, gt, pv] = this.partition(lo, hi);
      let above = 0;
      for (let k = lo; k < lt; k++) above += p[this.ids[k]!]!;
      if (lt > lo && u - above <= 0) {
        hi = lt;
        continue;
      }
      u -= above;
      this.sortRange(lt, gt);
      for (let k = lt; k < gt; k++) if ((u -= pv) <= 0) return k;
      if (gt === hi) return hi - 1;
      lo = gt;
    }
  }

  /** Puts the k most likely tokens (ties: lower ids) in ids[0, k). */
  private selectTop(k: number): void {
    let lo = 0;
    let hi = this.size;
    for (;;) {
      if (hi - lo <= SHORT) return this.sortRange(lo, hi);
      const [lt, gt] = this.partition(lo, hi);
      if (k <= lt) hi = lt;
      else if (k <= gt) return this.sortRange(lt, gt);
      else lo = gt;
    }
  }

  /**
   * Three-way partition of ids[lo, hi) around a pivot probability pv (median
   * of three): ids[lo, lt) more likely, [lt, gt) equal, [gt, hi) less likely.
   */
  private partition(lo: number, hi: number): [number, number, number] {
    const { p, ids } = this;
    const a = p[ids[lo]!]!;
    const b = p[ids[(lo + hi) >> 1]!]!;
    const c = p[ids[hi - 1]!]!;
    const pv = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i < gt) {
      const id = ids[i]!;
      const v = p[id]!;
      if (v > pv) {
        ids[i++] = ids[lt]!;
        ids[lt++] = id;
      } else if (v < pv) {
        ids[i] = ids[--gt]!;
        ids[gt] = id;
      } else {
        i++;
      }
    }
    return [lt, gt, pv];
  }

  /** Insertion sort of ids[lo, hi) into ranked order (short ranges, or runs of equal probability). */
  private sortRange(lo: number, hi: number): void {
    const { p, ids } = this;
    for (let i = lo + 1; i < hi; i++) {
      const id = ids[i]!;
      const v = p[id]!;
      let j = i - 1;
      while (j >= lo && (p[ids[j]!]! < v || (p[ids[j]!]! === v && ids[j]! > id))) {
        ids[j + 1] = ids[j]!;
        j--;
      }
      ids[j + 1] = id;
    }
  }
}

/** Samples a token id from logits[off .. off+n) (see Sampler, which keeps its buffers for the next token). */
export function sampleToken(logits: ArrayLike<number>, off: number, n: number, o: SamplingOptions, rng: Random): number {
  return new Sampler(n).sample(logits, off, o, rng);
}
