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

/** A partial or finished output of beam search: its tokens, total log-probability and decoder state. */
export interface Hypothesis<S, X = never> {
  tokens: number[];
  /** sum of the chosen tokens' log-probabilities */
  logp: number;
  state: S;
  /** what the task keeps per chosen token (e.g. attention weights) */
  extras: X[];
  done: boolean;
}

/** One extension of a hypothesis: the token, its log-probability, and the decoder state after it. */
export interface BeamStep<S, X = never> {
  /** log-probabilities of the next token (any length: the vocabulary) */
  logProbs: ArrayLike<number>;
  /** the state after the hypothesis' last token */
  state: S;
  extra?: X;
}

/** Beam search: the width, the longest output, the end token, the tokens allowed, and length normalisation. */
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
  return toEnd(beamSearchSteps(start, step, o));
}

/** Runs a step-at-a-time search (`beamSearchSteps`) to its end, in one pass; its final beam. */
export function toEnd<R>(search: Generator<unknown, R, void>): R {
  for (let r = search.next(); ; r = search.next()) if (r.done) return r.value;
}

/**
 * The search one step at a time, for callers that share a thread with other
 * work (a server): each `next()` takes one decoder step and yields the beam so
 * far (best first); the generator returns the final beam. Stopping early
 * leaves the beam of the last step taken.
 */
export function* beamSearchSteps<S, X = never>(start: S, step: (live: Array<Hypothesis<S, X>>) => Array<BeamStep<S, X>>, o: BeamOptions): Generator<Array<Hypothesis<S, X>>, Array<Hypothesis<S, X>>, void> {
  if (!(Number.isInteger(o.width) && o.width >= 1)) throw new ConfigError(`beam width must be a positive integer, got ${o.width}`);
  if (!(Number.isInteger(o.maxLength) && o.maxLength >= 0)) throw new ConfigError(`beam search length must be a non-negative integer, got ${o.maxLength}`);
  const score = (h: { logp: number; tokens: number }): number => (o.lengthNormalise ? h.logp / (h.tokens + 1) : h.logp);
  let hyps: Array<Hypothesis<S, X>> = [{ tokens: [], logp: 0, state: start, extras: [], done: false }];
  // Candidates of one step, before the best are kept: (hypothesis, step result, token) with the new log-probability.
  type Candidate = { from: number; r: number; v: number; logp: number; tokens: number; end: boolean };
  const top: Candidate[] = [];
  for (let t = 0; t < o.maxLength && hyps.some((h) => !h.done); t++) {
    const live = hyps.filter((h) => !h.done);
    const results = step(live);
    const cands: Candidate[] = [];
    hyps.forEach((h, i) => { if (h.done) cands.push({ from: i, r: -1, v: -1, logp: h.logp, tokens: h.tokens.length, end: true }); });
    live.forEach((h, i) => {
      // The `width` most likely next tokens (ties: lower id first), without sorting the vocabulary.
      const lp = results[i]!.logProbs;
      const from = hyps.indexOf(h);
      top.length = 0;
      for (let v = 0; v < lp.length; v++) {
        const x = lp[v]!;
        if (top.length === o.width && !(x > top[top.length - 1]!.logp)) continue;
        if (o.allowed && !o.allowed(v)) continue;
        let k = top.length === o.width ? top.length - 1 : top.length;
        while (k > 0 && x > top[k - 1]!.logp) k--;
        const end = v === o.end;
        if (top.length === o.width) top.pop();
        top.splice(k, 0, { from, r: i, v, logp: x, tokens: end ? h.tokens.length : h.tokens.length + 1, end });
      }
      for (const c of top) cands.push({ ...c, logp: h.logp + c.logp });
    });
    // Stable: among equal scores, earlier hypotheses and lower tokens first, as before.
    cands.sort((a, b) => score(b) - score(a));
    hyps = cands.slice(0, o.width).map((c) => {
      const h = hyps[c.from]!;
      if (c.r < 0) return h;
      const r = results[c.r]!;
      return {
        tokens: c.end ? h.tokens : [...h.tokens, c.v], logp: c.logp, state: r.state,
        extras: c.end || r.extra === undefined ? h.extras : [...h.extras, r.extra], done: c.end,
      };
    });
    if (t + 1 < o.maxLength && hyps.some((h) => !h.done)) yield hyps;
  }
  return hyps;
}
