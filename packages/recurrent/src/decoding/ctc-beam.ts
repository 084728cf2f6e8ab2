/**
 * CTC prefix beam search (Graves 2012, section 7.5; Hannun et al. 2014):
 * the `width` most likely label prefixes, each with the probability of the
 * frames so far ending in a blank and ending in its last label, summed over
 * every alignment, rather than the single best path of greedy decoding.
 * Optional shallow fusion of a character language model: each label a prefix
 * gains adds lmWeight * log P_lm(label | prefix) + lengthBonus to its score.
 */
import { ConfigError, ShapeError } from '../errors.js';
import { logAdd } from '../tensor/log-space.js';

/** A language model over the same classes, a label at a time (class `blank` is never asked for). */
export interface CtcLanguageModel<S> {
  /** the state before the first label, and log P(first label) per class */
  start(): { state: S; logProbs: ArrayLike<number> };
  /** each state advanced by its label, with log P(next label) per class; batched (one call per frame) */
  step(states: S[], labels: number[]): Array<{ state: S; logProbs: ArrayLike<number> }>;
}

/** CTC prefix beam search: the width, and an optional language model with its weight and a bonus per word. */
export interface CtcBeamOptions<S> {
  /** prefixes kept (default 8) */
  width?: number;
  /** the blank's class (default 0) */
  blank?: number;
  /** labels tried per frame: the most likely this many (default: every class) */
  labelsPerFrame?: number;
  lm?: CtcLanguageModel<S> | null;
  /** the language model's weight (default 0.5 with an lm) */
  lmWeight?: number;
  /** added per label (default 0): with a language model, balances its cost per label */
  lengthBonus?: number;
}

/** A CTC prefix with its acoustic and language-model log-probabilities. */
export interface CtcHypothesis {
  labels: number[];
  /** log P(labels | frames), summed over alignments */
  logp: number;
  /** logp + lmWeight * lm log-probability + lengthBonus * labels */
  score: number;
}

const NEG = -Infinity;

interface Beam<S> {
  labels: number[];
  /** log P(frames so far, ending in a blank / in the last label) */
  blank: number;
  label: number;
  /** the fused terms so far (lm and length bonus) */
  fused: number;
  /** the lm after these labels: its state and next-label log-probabilities (null until stepped) */
  lm: { state: S; logProbs: ArrayLike<number> } | null;
  /** the beam this one extends and the label it added, for stepping the lm */
  parent: Beam<S> | null;
}

/**
 * Decodes one sequence of per-frame log-probabilities (T,C) (log_softmax of
 * the model's scores). Returns the final beam, best first.
 */
export function ctcBeamSearch<S = never>(logProbs: ArrayLike<number>, T: number, C: number, options: CtcBeamOptions<S> = {}): CtcHypothesis[] {
  if (logProbs.length !== T * C) throw new ShapeError(`ctcBeamSearch: expected ${T} x ${C} log-probabilities, got ${logProbs.length}`);
  const width = options.width ?? 8;
  const blank = options.blank ?? 0;
  if (!Number.isInteger(width) || width < 1) throw new ConfigError(`ctcBeamSearch: width must be a positive integer, got ${width}`);
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new ConfigError(`ctcBeamSearch: blank must be a class in [0, ${C}), got ${blank}`);
  const lm = options.lm ?? null;
  const lmWeight = lm ? (options.lmWeight ?? 0.5) : 0;
  const bonus = options.lengthBonus ?? 0;
  const perFrame = Math.min(options.labelsPerFrame ?? C, C);
  const total = (b: Beam<S>): number => logAdd(b.blank, b.label) + b.fused;

  let beams: Beam<S>[] = [{ labels: [], blank: 0, label: NEG, fused: 0, lm: lm ? lm.start() : null, parent: null }];
  for (let t = 0; t < T; t++) {
    const lp = (k: number): number => logProbs[t * C + k]!;
    const candidates = Array.from({ length: C }, (_, k) => k).filter((k) => k !== blank).sort((a, b) => lp(b) - lp(a)).slice(0, perFrame);
    const next = new Map<string, Beam<S>>();
    const at = (parent: Beam<S>, labels: number[], fused: number, extends_: boolean): Beam<S> => {
      const key = labels.join(',');
      let b = next.get(key);
      if (!b) {
        b = { labels, blank: NEG, label: NEG, fused, lm: extends_ ? null : parent.lm, parent: extends_ ? parent : null };
        next.set(key, b);
      }
      return b;
    };
    for (const b of beams) {
      const both = logAdd(b.blank, b.label);
      // The prefix stays: a blank, or its last label again (merged).
      const same = at(b, b.labels, b.fused, false);
      same.blank = logAdd(same.blank, both + lp(blank));
      const last = b.labels.at(-1);
      if (last !== undefined) same.label = logAdd(same.label, b.label + lp(last));
      // The prefix grows by a label; the same label again needs a blank between.
      for (const k of candidates) {
        const fused = b.fused + (b.lm ? lmWeight * b.lm.logProbs[k]! : 0) + bonus;
        const grown = at(b, [...b.labels, k], fused, true);
        // A prefix reached from two beams keeps the first one's fused score (they are the same labels, so the same lm terms).
        grown.label = logAdd(grown.label, (k === last ? b.blank : both) + lp(k));
      }
    }
    beams = [...next.values()].sort((a, b) => total(b) - total(a)).slice(0, width);
    // Step the language model for the prefixes that grew and survived, all in one call.
    if (lm) {
      const grown = beams.filter((b) => b.lm === null);
      if (grown.length) {
        const stepped = lm.step(grown.map((b) => b.parent!.lm!.state), grown.map((b) => b.labels.at(-1)!));
        grown.forEach((b, i) => { b.lm = stepped[i]!; });
      }
    }
    for (const b of beams) b.parent = null;
  }
  return beams.map((b) => ({ labels: b.labels, logp: logAdd(b.blank, b.label), score: total(b) }));
}
