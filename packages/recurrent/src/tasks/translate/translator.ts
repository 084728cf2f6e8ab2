/**
 * Translator: sequence-to-sequence with attention (models/seq2seq.ts) on text
 * pairs. Tokens are characters, or words (split at spaces and hyphens, the
 * hyphen kept as a token, so "quatre-vingt-dix" round-trips). Teacher forcing
 * in training; greedy or beam-search decoding with a length limit; the
 * weights with the best validation exact match are kept. Browser-safe.
 */
import { checkOptions, ConfigError, DataError, optionKeys } from '../../errors.js';
import { type JsonValue, buildForWeights, loadWeights, weightsToBytes, modelEnvelope, checkTaskConfig } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { crossEntropy } from '../../losses/losses.js';
import { Seq2Seq } from '../../models/seq2seq.js';
import { noGrad } from '../../nn/grad-mode.js';
import { beamSearchSteps, toEnd, type Hypothesis } from '../../decoding/beam.js';
import { timeSlicer } from '../../decoding/time-slice.js';
import { rowRepeater, stackStates, stateRow } from '../../decoding/state-rows.js';
import type { RecurrentState } from '../../models/language-model.js';
import type { IndexTensor } from '../../tensor/tensor.js';
import { fit } from '../../train/fit.js';
import { teacherForcing } from '../../train/teacher-forcing.js';
import { createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Trainer } from '../../train/trainer.js';

/** How a side of the pairs is tokenised: characters or words. */
export type PairTokenizer = 'char' | 'word';
/** A source text and its translation. */
export interface Pair {
  source: string;
  target: string;
}

const SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>'];
const BOS = 2;
const EOS = 3;

/** A text's tokens: characters, or words and hyphens. */
export function pairTokens(text: string, kind: PairTokenizer): string[] {
  return kind === 'char' ? Array.from(text) : (text.match(/[^\s-]+|-/g) ?? []);
}

/** Tokens back into text (words joined by spaces, hyphens kept tight). */
export function joinTokens(tokens: string[], kind: PairTokenizer): string {
  return kind === 'char' ? tokens.join('') : tokens.join(' ').replace(/ - /g, '-').replace(/^- | -$/g, '-');
}

class TokenTable {
  private readonly index: Map<string, number>;
  constructor(readonly tokens: string[]) {
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }
  static build(texts: string[], kind: PairTokenizer): TokenTable {
    const seen = new Set<string>();
    for (const t of texts) for (const tok of pairTokens(t, kind)) seen.add(tok);
    return new TokenTable([...SPECIALS, ...[...seen].sort()]);
  }
  encode(text: string, kind: PairTokenizer): number[] {
    return pairTokens(text, kind).map((t) => this.index.get(t) ?? 1);
  }
  get size(): number {
    return this.tokens.length;
  }
}

/** Reads tab-separated pairs, one per line; a line without a tab is an error naming it. */
export function parsePairs(text: string, source = 'pairs.tsv'): Pair[] {
  const pairs: Pair[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new DataError(`${source}: line ${i + 1} has no tab between the source and the target text`);
    const s = line.slice(0, tab).trim();
    const t = line.slice(tab + 1).trim();
    if (!s || !t) throw new DataError(`${source}: line ${i + 1} has an empty ${s ? 'target' : 'source'} text`);
    pairs.push({ source: s, target: t });
  });
  if (pairs.length === 0) throw new DataError(`${source}: no pairs (expected lines of "source<TAB>target")`);
  return pairs;
}

/** How a translator is built: tokenisers, cell, sizes, output length ratio. */
export interface TranslatorOptions {
  /** 'auto' (the default): words, unless most distinct words occur once (e.g. German compounds), then characters */
  sourceTokenizer?: PairTokenizer | 'auto';
  targetTokenizer?: PairTokenizer | 'auto';
  cell?: CellKind;
  hiddenSize?: number;
  embeddingSize?: number;
  /** the most target tokens per source token seen in training (set by create from the pairs): the default length limit */
  lengthRatio?: number;
}

/** Options as a model keeps them: the tokenizers chosen. */
type ResolvedOptions = Required<TranslatorOptions> & { sourceTokenizer: PairTokenizer; targetTokenizer: PairTokenizer };

/**
 * Words, unless most distinct words occur once: then no word can be learnt
 * from another (German writes 7389 as one word), and characters generalise.
 */
export function chooseTokenizer(texts: readonly string[]): PairTokenizer {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of pairTokens(t, 'word')) counts.set(w, (counts.get(w) ?? 0) + 1);
  let once = 0;
  for (const c of counts.values()) if (c === 1) once++;
  return counts.size > 0 && once * 2 > counts.size ? 'char' : 'word';
}

/** How a translation is written: beam width and longest output. */
export interface TranslateOptions {
  /** beam width (default 1: greedy) */
  beam?: number;
  /** most target tokens (default: the source's tokens times the largest target/source length ratio of the training pairs, + 10) */
  maxLength?: number;
}

const TRANSLATE_KEYS = optionKeys<TranslateOptions>({ beam: true, maxLength: true });

/** One translation: the text, its tokens on both sides, the attention weights (target step x source token) and the final beam, best first. */
export interface Translation {
  text: string;
  attention: number[][];
  sourceTokens: string[];
  targetTokens: string[];
  beam: Array<{ text: string; logp: number; perToken: number }>;
}

const TASK = 'translation';

/** The defaults of translation, in one place (the command line shows and uses these). */
export const TRANSLATOR_DEFAULTS = {
  model: { sourceTokenizer: 'auto', targetTokenizer: 'auto', cell: 'LSTM', hiddenSize: 128, embeddingSize: 64, lengthRatio: 2 } as Readonly<Required<TranslatorOptions>>,
  train: { epochs: 30, batch: 32, lr: 3e-3, patience: 5, valFraction: 0.1 },
} as const;

/** Translation: an encoder-decoder with attention over pairs of texts, greedy or beam search. */
export class Translator {
  readonly model: Seq2Seq;
  history: Array<{ epoch: number; loss: number; valExact: number; seconds: number }> = [];

  private constructor(readonly source: TokenTable, readonly target: TokenTable, readonly options: ResolvedOptions, seed: number) {
    this.model = new Seq2Seq({ sourceVocab: source.size, targetVocab: target.size, embeddingSize: options.embeddingSize, hiddenSize: options.hiddenSize, mode: options.cell }, new Random(seed));
  }

  /** A translator for these pairs (untrained; its vocabularies come from them); `seed` fixes its initialisation. */
  static create(train: Pair[], options: TranslatorOptions = {}, seed = 0): Translator {
    checkOptions('Translator.create', options, optionKeys<TranslatorOptions>({
      sourceTokenizer: true, targetTokenizer: true, cell: true, hiddenSize: true, embeddingSize: true, lengthRatio: true,
    }));
    const given: Required<TranslatorOptions> = { ...TRANSLATOR_DEFAULTS.model, ...options };
    if (given.cell !== 'LSTM' && given.cell !== 'GRU') throw new ConfigError(`translation cells are LSTM or GRU, got '${given.cell}'`);
    if (train.length === 0) throw new DataError('no training pairs');
    const resolve = (t: PairTokenizer | 'auto', texts: string[]): PairTokenizer => (t === 'auto' ? chooseTokenizer(texts) : t);
    const sourceTokenizer = resolve(given.sourceTokenizer, train.map((p) => p.source));
    const targetTokenizer = resolve(given.targetTokenizer, train.map((p) => p.target));
    // In each side's own units: characters of German against words of English.
    const lengthRatio = options.lengthRatio ?? Math.max(...train.map((p) => pairTokens(p.target, targetTokenizer).length / Math.max(1, pairTokens(p.source, sourceTokenizer).length)));
    const o: ResolvedOptions = { ...given, sourceTokenizer, targetTokenizer, lengthRatio };
    return new Translator(TokenTable.build(train.map((p) => p.source), sourceTokenizer), TokenTable.build(train.map((p) => p.target), targetTokenizer), o, seed);
  }

  private batch(pairs: Pair[]): { src: IndexTensor; lens: number[]; tin: IndexTensor; tout: number[] } {
    const s = pairs.map((p) => this.source.encode(p.source, this.options.sourceTokenizer));
    const t = pairs.map((p) => this.target.encode(p.target, this.options.targetTokenizer));
    const S = Math.max(...s.map((x) => x.length), 1);
    const src = new Int32Array(pairs.length * S);
    s.forEach((x, b) => src.set(x, b * S));
    const { input: tin, targets: tout } = teacherForcing(t, BOS, EOS);
    return { src: { data: src, shape: [pairs.length, S] }, lens: s.map((x) => Math.max(x.length, 1)), tin, tout };
  }

  /** Trains with teacher forcing; keeps the weights with the best exact match on `val`. */
  async train(train: Pair[], val: Pair[], options: { epochs?: number; batch?: number; lr?: number; patience?: number; timeLimit?: number } = {}, hooks: { seed?: number; onProgress?: (p: { epoch: number; epochs: number; loss: number; valExact: number; seconds: number }) => void } = {}): Promise<void> {
    const D = TRANSLATOR_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    const trainer = new Trainer(this.model, createOptimizer('adam', this.model.parameters(), { lr: options.lr ?? D.lr }), { clipNorm: 5 });
    await fit(this.model, {
      size: train.length,
      batch: options.batch ?? D.batch,
      step: (order) => {
        const { src, lens, tin, tout } = this.batch(order.map((i) => train[i]!));
        return trainer.step(() => {
          const logits = this.model.forward(src, lens, tin);
          const l = crossEntropy(logits, tout);
          this.model.backward(l.grad);
          return l.loss;
        }).loss;
      },
      validate: () => {
        const valExact = val.length ? this.exactMatch(val) : 0;
        return { metrics: valExact, rank: [valExact] };
      },
    }, { epochs, patience: options.patience ?? D.patience, ...(options.timeLimit ? { timeLimit: options.timeLimit } : {}) }, {
      rng: new Random(hooks.seed ?? 0),
      onEval: (e) => {
        this.history.push({ epoch: e.epoch, loss: e.loss, valExact: e.metrics, seconds: e.elapsed });
        hooks.onProgress?.({ epoch: e.epoch, epochs, loss: e.loss, valExact: e.metrics, seconds: e.elapsed });
      },
    });
    this.model.eval();
  }

  /** Share of pairs translated exactly (greedy unless `beam` > 1). */
  exactMatch(pairs: Pair[], options: TranslateOptions = {}): number {
    checkOptions('Translator.exactMatch', options, TRANSLATE_KEYS);
    return pairs.filter((p) => this.translate(p.source, options).text === p.target).length / pairs.length;
  }

  /**
   * Translates one text; the attention weights (target step x source token)
   * come with it, and the final beam (best first, with each hypothesis' total
   * and per-token log-probability; one entry when greedy).
   */
  translate(text: string, options: TranslateOptions = {}): Translation {
    checkOptions('Translator.translate', options, TRANSLATE_KEYS);
    const { search, finish } = this.search(text, options);
    return finish(toEnd(search));
  }

  /**
   * `translate` that shares the thread: it gives the event loop a turn every
   * `sliceMs` (default 20) of decoding, so a server or a page stays
   * responsive, and an aborted `signal` ends it at the next decoder step with
   * the best hypothesis so far (`complete` false) rather than an error.
   */
  async translateAsync(text: string, options: TranslateOptions & { signal?: AbortSignal; sliceMs?: number } = {}): Promise<Translation & { complete: boolean }> {
    const { signal, sliceMs = 20, ...rest } = options;
    checkOptions('Translator.translateAsync', rest, TRANSLATE_KEYS);
    const { search, finish } = this.search(text, rest);
    const slice = timeSlicer(sliceMs);
    for (let r = search.next(); ; r = search.next()) {
      if (r.done) return { ...finish(r.value), complete: true };
      await slice();
      if (signal?.aborted) return { ...finish(r.value), complete: false };
    }
  }

  /** The beam search over one text, a step per `next()`, and what turns its beam into the answer. */
  private search(text: string, options: TranslateOptions): {
    search: Generator<Array<Hypothesis<RecurrentState, number[]>>, Array<Hypothesis<RecurrentState, number[]>>, void>;
    finish(beam: Array<Hypothesis<RecurrentState, number[]>>): Translation;
  } {
    const beam = options.beam ?? 1;
    if (!(Number.isInteger(beam) && beam >= 1)) throw new ConfigError(`beam must be a positive integer, got ${beam}`);
    const ids = this.source.encode(text, this.options.sourceTokenizer);
    if (ids.length === 0) throw new DataError('nothing to translate: the text has no tokens');
    const maxLength = options.maxLength ?? Math.ceil(this.options.lengthRatio * ids.length) + 10;
    const S = ids.length;
    // Each model call runs without recording for backward; the search may pause between calls (translateAsync).
    const enc = noGrad(() => {
      this.model.eval();
      return this.model.encode({ data: Int32Array.from(ids), shape: [1, S] }, [S]);
    });
    // Every live hypothesis takes one batched decoder step: their states stacked as rows, the source repeated.
    const repeat = rowRepeater(enc.outputs);
    const search = beamSearchSteps<RecurrentState, number[]>(enc.state, (live) => noGrad(() => {
      const B = live.length;
      const r = this.model.step(Int32Array.from(live, (h) => h.tokens.at(-1) ?? BOS), B === 1 ? live[0]!.state : stackStates(live.map((h) => h.state)), repeat(B), new Int32Array(B).fill(S));
      const V = r.logProbs.length / B;
      const attn = this.model.lastAttention!.data;
      return live.map((_, b) => ({
        logProbs: r.logProbs.subarray(b * V, (b + 1) * V), state: B === 1 ? r.state : stateRow(r.state, b), extra: Array.from(attn.subarray(b * S, (b + 1) * S)),
      }));
    }), { width: beam, maxLength, end: EOS, allowed: (v) => v > 1 && v !== BOS, lengthNormalise: true });
    const words = (tokens: number[]): string => joinTokens(tokens.map((v) => this.target.tokens[v]!), this.options.targetTokenizer);
    return {
      search,
      finish: (all) => {
        const best = all[0]!;
        const targetTokens = best.tokens.map((v) => this.target.tokens[v]!);
        return {
          text: joinTokens(targetTokens, this.options.targetTokenizer), attention: best.extras,
          sourceTokens: pairTokens(text, this.options.sourceTokenizer), targetTokens,
          beam: all.map((h) => ({ text: words(h.tokens), logp: h.logp, perToken: h.logp / (h.tokens.length + 1) })),
        };
      },
    };
  }

  /** The model folder's files (config.json and model.safetensors). */
  toFiles(): { config: JsonValue; weights: Uint8Array } {
    return {
      config: modelEnvelope(this.model, { task: TASK, options: this.options as unknown as JsonValue, source: this.source.tokens, target: this.target.tokens, history: this.history as unknown as JsonValue }) as unknown as JsonValue,
      weights: weightsToBytes(this.model.stateDict()),
    };
  }

  /** Reads what `toFiles` wrote; `where` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, where = 'model'): Translator {
    const { extra: e } = checkTaskConfig(files.config, `${where}/config.json`, 'Seq2Seq', TASK, 'a translation model');
    const t = buildForWeights(files.weights, `${where}/config.json`, () => new Translator(new TokenTable(e.source as string[]), new TokenTable(e.target as string[]), { ...TRANSLATOR_DEFAULTS.model, lengthRatio: 2, ...(e.options as Partial<ResolvedOptions>) } as ResolvedOptions, 0));
    loadWeights(t.model, files.weights, `${where}/model.safetensors`);
    t.model.eval();
    t.history = (e.history as Translator['history'] | undefined) ?? [];
    return t;
  }
}
