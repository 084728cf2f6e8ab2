/**
 * Beam search, for every task that writes token by token (text generation,
 * translation): keep the `width` most likely hypotheses, extend each by its
 * `width` most likely next tokens, keep the best `width` of those, until every
 * hypothesis has ended or the length limit is reached.
 *
 * The task supplies `step`, which scores the next token of each live
 * hypothesis (batched however the model likes: one forward for all of them, or
 * one each) and returns the state that follows; a hypothesis' `state` is the
 * model's state before its last token (or the start state).
 */
import { ConfigError } from '../errors.js';

export interface Hypothesis<S, X = never> {
  tokens: number[];
  /** sum of the chosen tokens' log-probabilities */
  logp: number;
  state: S;
  /** what the task keeps per chosen token (e.g. attention weights) */
  extras: X[];
  done: boolean;
}

export interface BeamStep<S, X = never> {
  /** log-probabilities of the next token (any length: the vocabulary) */
  logProbs: ArrayLike<number>;
  /** the state after the hypothesis' last token */
  state: S;
  extra?: X;
}

export interface BeamOptions {
  width: number;
  maxLength: number;
  /** a token that ends a hypothesis (not appended to it) */
  end?: number;
  /** tokens that may be chosen (default: all) */
  allowed?: (id: number) => boolean;
  /** rank by log-probability per token, so short hypotheses do not win by default (default false) */
  lengthNormalise?: boolean;
}

/** The best hypothesis found. */
export function beamSearch<S, X = never>(start: S, step: (live: Array<Hypothesis<S, X>>) => Array<BeamStep<S, X>>, o: BeamOptions): Hypothesis<S, X> {
  return beamSearchAll(start, step, o)[0]!;
}

/** The whole final beam, best first (at most `width` hypotheses): what the search weighed against the best. */
export function beamSearchAll<S, X = never>(start: S, step: (live: Array<Hypothesis<S, X>>) => Array<BeamStep<S, X>>, o: BeamOptions): Array<Hypothesis<S, X>> {
  if (!(Number.isInteger(o.width) && o.width >= 1)) throw new ConfigError(`beam width must be a positive integer, got ${o.width}`);
  if (!(Number.isInteger(o.maxLength) && o.maxLength >= 0)) throw new ConfigError(`beam search length must be a non-negative integer, got ${o.maxLength}`);
  const score = (h: Hypothesis<S, X>): number => (o.lengthNormalise ? h.logp / (h.tokens.length + 1) : h.logp);
  let hyps: Array<Hypothesis<S, X>> = [{ tokens: [], logp: 0, state: start, extras: [], done: false }];
  for (let t = 0; t < o.maxLength && hyps.some((h) => !h.done); t++) {
    const live = hyps.filter((h) => !h.done);
    const results = step(live);
    const next = hyps.filter((h) => h.done);
    live.forEach((h, i) => {
      const r = results[i]!;
      const ranked = Array.from(r.logProbs, (lp, v) => [lp, v] as const)
        .filter(([, v]) => !o.allowed || o.allowed(v))
        .sort((a, b) => b[0] - a[0])
        .slice(0, o.width);
      for (const [lp, v] of ranked) {
        const end = v === o.end;
        next.push({
          tokens: end ? h.tokens : [...h.tokens, v], logp: h.logp + lp, state: r.state,
          extras: end || r.extra === undefined ? h.extras : [...h.extras, r.extra], done: end,
        });
      }
    });
    hyps = next.sort((a, b) => score(b) - score(a)).slice(0, o.width);
  }
  return hyps;
}
