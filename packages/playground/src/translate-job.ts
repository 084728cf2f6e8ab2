/**
 * The attention panel's work: English to French number words (n2words, as
 * bench/translate-quality.ts uses them), a Translator with attention trained
 * for a few epochs, and for any source the translation, the attention matrix
 * (target token x source token) and the final beam. Shared by the worker and Node.
 */
import { type Pair, Random, Translator } from 'recurrent-nn';
import { toCardinal as english } from 'n2words/en-US';
import { toCardinal as french } from 'n2words/fr-FR';

export interface TranslateJobOptions {
  /** number pairs to train on (drawn from 0..9999 without the held-out ones) */
  pairs: number;
  /** held out for the exact-match figure */
  heldOut: number;
  epochs: number;
  hiddenSize: number;
  seed: number;
}

export const TRANSLATE_JOB_DEFAULTS: TranslateJobOptions = { pairs: 3000, heldOut: 300, epochs: 6, hiddenSize: 64, seed: 1 };

export interface TranslateView {
  source: string;
  text: string;
  sourceTokens: string[];
  targetTokens: string[];
  /** attention[i][j]: how much target token i read source token j */
  attention: number[][];
  beam: Array<{ text: string; logp: number; perToken: number }>;
  /** the reference, when the source is a number's English words */
  reference: string | null;
}

/** English -> French number words for 0..9999, shuffled with `seed`. */
export function numberPairs(seed: number): Pair[] {
  const nums = Array.from({ length: 10_000 }, (_, i) => i);
  new Random(seed).shuffle(nums);
  return nums.map((x) => ({ source: english(x), target: french(x) }));
}

export class TranslateJob {
  readonly train: Pair[];
  readonly test: Pair[];
  readonly translator: Translator;
  private readonly references: Map<string, string>;

  constructor(readonly options: TranslateJobOptions) {
    const all = numberPairs(options.seed);
    this.references = new Map(all.map((p) => [p.source, p.target]));
    this.test = all.slice(0, options.heldOut);
    this.train = all.slice(options.heldOut, options.heldOut + options.pairs);
    this.translator = Translator.create(this.train, { hiddenSize: options.hiddenSize, embeddingSize: 32 }, options.seed);
  }

  /** Trains (a tenth of the training pairs validates, for early stopping); the held-out exact match after each epoch. */
  async fit(hooks: { onEpoch?(epoch: number, loss: number, valExact: number): void } = {}): Promise<void> {
    const n = Math.floor(this.train.length / 10);
    await this.translator.train(this.train.slice(n), this.train.slice(0, n), { epochs: this.options.epochs }, {
      seed: this.options.seed, onProgress: (p) => hooks.onEpoch?.(p.epoch, p.loss, p.valExact),
    });
  }

  /** Exact match on the held-out numbers (greedy or beam). */
  exactMatch(beam = 1): number {
    return this.translator.exactMatch(this.test, { beam });
  }

  view(source: string, beam: number): TranslateView {
    const r = this.translator.translate(source, { beam });
    return { source, text: r.text, sourceTokens: r.sourceTokens, targetTokens: r.targetTokens, attention: r.attention, beam: r.beam, reference: this.references.get(source.trim()) ?? null };
  }
}
