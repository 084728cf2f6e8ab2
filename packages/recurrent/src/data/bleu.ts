/**
 * Corpus BLEU (Papineni et al. 2002) with the definition of NLTK's
 * `corpus_bleu` (nltk/translate/bleu_score.py, no smoothing): n-gram
 * precisions clipped by the most times any reference has the n-gram, summed
 * over the corpus before dividing; the brevity penalty from each hypothesis'
 * closest reference length (the shorter on a tie); the geometric mean of the
 * n = 1..N precisions, equal weights. A corpus with no matching n-gram of some
 * order scores 0 (NLTK: about 1e-77, with a warning). Tokens are any strings.
 */
import { DataError } from '../errors.js';

/** Corpus BLEU (Papineni et al. 2002): the score in [0, 1], the n-gram precisions and the brevity penalty. */
export interface BleuResult {
  bleu: number;
  /** the corpus' clipped precision per order, 1..N */
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  // U+0001 cannot be in a word a tokenizer produced from text: a safe separator for the key.
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** references[i] are the reference token lists of hypotheses[i] (one or more each). */
export function corpusBleu(references: ReadonlyArray<ReadonlyArray<readonly string[]>>, hypotheses: ReadonlyArray<readonly string[]>, maxOrder = 4): BleuResult {
  if (references.length !== hypotheses.length) throw new DataError(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference lists`);
  const refsMissing = references.findIndex((r) => r.length === 0);
  if (refsMissing >= 0) throw new DataError(`corpusBleu: hypothesis ${refsMissing} has no reference`);
  const matched = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  let hypLen = 0;
  let refLen = 0;
  hypotheses.forEach((hyp, i) => {
    const refs = references[i]!;
    for (let n = 1; n <= maxOrder; n++) {
      const counts = ngramCounts(hyp, n);
      const most = new Map<string, number>();
      for (const r of refs) for (const [g, c] of ngramCounts(r, n)) if (counts.has(g)) most.set(g, Math.max(most.get(g) ?? 0, c));
      let num = 0;
      let den = 0;
      for (const [g, c] of counts) {
        num += Math.min(c, most.get(g) ?? 0);
        den += c;
      }
      matched[n - 1] += num;
      // NLTK counts at least one n-gram per sentence, even one too short to have any.
      total[n - 1] += Math.max(1, den);
    }
    hypLen += hyp.length;
    refLen += refs.map((r) => r.length).reduce((best, l) => (Math.abs(l - hyp.length) < Math.abs(best - hyp.length) || (Math.abs(l - hyp.length) === Math.abs(best - hyp.length) && l < best) ? l : best));
  });
  const precisions = matched.map((m, i) => (total[i] ? m / total[i]! : 0));
  const brevityPenalty = hypLen > refLen ? 1 : hypLen === 0 ? 0 : Math.exp(1 - refLen / hypLen);
  const bleu = precisions.some((p) => p === 0) ? 0 : brevityPenalty * Math.exp(precisions.reduce((s, p) => s + Math.log(p), 0) / maxOrder);
  return { bleu, precisions, brevityPenalty, hypothesisLength: hypLen, referenceLength: refLen };
}
