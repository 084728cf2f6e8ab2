/**
 * Greedy CTC decoding (best path): the most likely class at each step, then
 * repeats collapsed and blanks dropped, so "aa-ab" reads "aab" only with a
 * blank between the two a's of the target (Graves et al. 2006).
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The best path of each sequence of per-step scores (T,N,C) (logits or
 * log-probabilities: only their argmax counts), read up to its input length
 * (default T), collapsed: one label list per sequence.
 */
export function ctcGreedyDecode(scores: Tensor, options: { blank?: number; inputLengths?: ArrayLike<number> | null } = {}): number[][] {
  if (scores.rank !== 3) throw new ShapeError(`ctcGreedyDecode: scores must be (T, N, C), got [${scores.shape.join(', ')}]`);
  const [T, N, C] = scores.shape as [number, number, number];
  const blank = options.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new ConfigError(`ctcGreedyDecode: blank must be a class in [0, ${C}), got ${blank}`);
  const lengths = options.inputLengths ?? null;
  if (lengths && lengths.length !== N) throw new ShapeError(`ctcGreedyDecode: ${N} sequences but ${lengths.length} input lengths`);
  const x = scores.data;
  return Array.from({ length: N }, (_, n) => {
    const Tn = lengths ? lengths[n]! : T;
    if (!Number.isInteger(Tn) || Tn < 0 || Tn > T) throw new ShapeError(`ctcGreedyDecode: input length ${Tn} of sequence ${n} is not in [0, ${T}]`);
    const out: number[] = [];
    let previous = blank;
    for (let t = 0; t < Tn; t++) {
      const row = (t * N + n) * C;
      let best = 0;
      for (let k = 1; k < C; k++) if (x[row + k]! > x[row + best]!) best = k;
      if (best !== blank && best !== previous) out.push(best);
      previous = best;
    }
    return out;
  });
}
