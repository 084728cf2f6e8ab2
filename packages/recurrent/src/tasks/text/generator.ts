/**
 * TextGenerator: a character- or word-level language model with everything
 * needed to train it (streams, truncated BPTT, validation, best-model
 * tracking, exact resume) and to write with it (sampling, beam search,
 * streaming). Browser-safe: no Node imports; `io.ts` beside it saves folders.
 */
import { checkOptions, ConfigError, FormatError, optionKeys, plural } from '../../errors.js';
import { type JsonValue, buildForWeights, loadWeights, weightsToBytes, modelEnvelope, checkTaskConfig } from '../../io/model-files.js';
import { parseSafetensors, serializeSafetensors } from '../../io/safetensors.js';
import type { CellKind } from '../../kernels/types.js';
import { LanguageModel, type RecurrentState } from '../../models/language-model.js';
import { inEvalMode } from '../../nn/grad-mode.js';
import type { OptimizerState } from '../../optim/optimizer.js';
import { type OptimizerName, createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { type FitStep, fit } from '../../train/fit.js';
import { Trainer } from '../../train/trainer.js';
import { TruncatedBPTT } from '../../train/tbptt.js';
import { TokenStreams } from '../../data/streams.js';
import { type TokenizerKind, Vocabulary } from '../../data/vocabulary.js';
import { beamSearch } from '../../decoding/beam.js';
import { timeSlicer } from '../../decoding/time-slice.js';
import { type SamplingOptions, checkSampling, logSoftmaxInto } from '../../decoding/sampling.js';
import { stackStates, stateRow } from '../../decoding/state-rows.js';
import { TokenDecoder } from '../../decoding/token-decoder.js';
import { GenerationBatch, readPrime, unkMasker } from './generation-batch.js';
import { type ResumeState, type TrainSettings, checkResumeState } from './resume-state.js';

/** How a text model is built: cell, sizes, layers, dropout, tokenizer, vocabulary limit, softmax. */
export interface TextModelOptions {
  cell?: CellKind;
  hiddenSize?: number;
  numLayers?: number;
  embeddingSize?: number;
  dropout?: number;
  tokenizer?: TokenizerKind;
  /** word mode: largest vocabulary, the rest become <unk> (default 20000) */
  maxVocab?: number;
  /**
   * The output layer: 'full' (one Linear over the vocabulary), 'adaptive'
   * (an adaptive softmax, AdaptiveLogSoftmaxWithLoss: trains several times
   * faster on a large vocabulary) or 'auto' (the default: adaptive for a word
   * vocabulary of ADAPTIVE_MIN_VOCAB words or more). A made model records
   * the choice it resolved to.
   */
  softmax?: 'full' | 'adaptive' | 'auto';
  /** adaptive softmax: where the frequency-sorted vocabulary is cut (default: defaultCutoffs, at 5%, 20% and 50% of it) */
  cutoffs?: number[] | null;
}

/** From this many words, 'auto' gives a word model an adaptive softmax. */
export const ADAPTIVE_MIN_VOCAB = 5000;

/**
 * The default cutoffs for a vocabulary of V ids and a head reading
 * `inFeatures` features: the most frequent 5% in the head, then clusters up
 * to 20%, 50% and the rest (measured on Moby-Dick's 18,859 words,
 * 2026-12-02: 1.2x the words/s of a 10% / 50% split at the same validation
 * loss). Each cluster projects to a quarter of the features of the one
 * before, so a narrow model gets fewer: two (5%, 30%) from 16 features, one
 * (10%) from 4, none below.
 */
export function defaultCutoffs(V: number, inFeatures = Infinity): number[] {
  const clusters = Math.min(3, Math.floor(Math.log(inFeatures) / Math.log(4) + 1e-9));
  const shares = clusters >= 3 ? [1 / 20, 1 / 5, 1 / 2] : clusters === 2 ? [1 / 20, 3 / 10] : clusters === 1 ? [1 / 10] : [];
  return [...new Set(shares.map((f) => Math.round(V * f)))].filter((c) => c >= 1 && c < V);
}

/** Text-model training: batch, sequence length, learning rate, optimiser, clipping, and when to stop. */
export interface TextTrainOptions {
  batch?: number;
  /** BPTT length: tokens per chunk (default 100) */
  seqLen?: number;
  lr?: number;
  optimizer?: OptimizerName;
  /** global gradient-norm clipping (default 5; 0 disables) */
  clip?: number;
  /** stop after this many optimiser steps */
  steps?: number;
  /** or after this many passes over the training text */
  epochs?: number;
  /** or after this much time (seconds) */
  timeLimit?: number;
  /** validate every this many steps (default 100, and at the end) */
  evalEvery?: number;
  /** tokens of the validation text used per evaluation (default: all of it, at most 100,000) */
  evalTokens?: number;
}

/** Where the text came from, kept with the model. */
export interface DataInfo {
  name: string;
  bytes: number;
  tokens: number;
  sha256: string;
  valFraction: number;
}

/** One validation of text-model training: step, losses, speed, time. */
export interface HistoryEntry {
  step: number;
  /** mean training loss (nats per token) since the previous entry */
  loss: number;
  valLoss: number | null;
  seconds: number;
}

/** Progress of text-model training, reported every few steps. */
export interface Progress {
  step: number;
  /** the step count at which training stops, when known */
  totalSteps: number | null;
  /** fraction done (steps or time, whichever is further) */
  fraction: number;
  epoch: number;
  loss: number;
  valLoss: number | null;
  /** validation bits per token (bits per character in char mode) */
  valBits: number | null;
  tokensPerSec: number;
  elapsed: number;
  eta: number | null;
}

/** Callbacks of text-model training. */
export interface TrainHooks {
  /** Called every few steps with the progress. */
  onProgress?(p: Progress): void;
  /** after each validation; `improved` when it is the best so far */
  onEval?(p: Progress, improved: boolean): void | Promise<void>;
  /** return true to stop after the current step (e.g. Ctrl-C) */
  shouldStop?(): boolean;
}

const DEFAULT_MODEL: Required<TextModelOptions> = {
  cell: 'LSTM', hiddenSize: 256, numLayers: 2, embeddingSize: 64, dropout: 0, tokenizer: 'char', maxVocab: 20000, softmax: 'auto', cutoffs: null,
};

/** The defaults of a new run; a resumed run keeps its own (see `train`). */
export const DEFAULT_TRAIN: TrainSettings = { batch: 32, seqLen: 100, lr: 2e-3, optimizer: 'adam' as OptimizerName, clip: 5, evalEvery: 100, evalTokens: 100_000 };

/** The defaults of text generation, in one place (the command line shows and uses these). */
export const TEXT_DEFAULTS = {
  model: DEFAULT_MODEL as Readonly<Required<TextModelOptions>>,
  train: DEFAULT_TRAIN as Readonly<TrainSettings>,
  valFraction: 0.05,
} as const;

/** What `generate` takes: sampling (or beam search), the text to start from, the length, a seed, a callback per token. */
export type GenerateOptions = SamplingOptions & {
  /** text the model reads first (default: none, the model starts from its zero state) */
  prime?: string;
  /** tokens to write (default 500) */
  length?: number;
  /** sampling seed */
  seed?: number;
  /** beam width (greedy search over whole sequences) instead of sampling */
  beam?: number;
  /** called with each token's text as it is written */
  onToken?: (text: string) => void;
};

const GENERATE_KEYS = optionKeys<GenerateOptions>({ temperature: true, topK: true, topP: true, prime: true, length: true, seed: true, beam: true, onToken: true });
const TRAIN_KEYS = optionKeys<TextTrainOptions & { name?: string; valFraction?: number }>({
  batch: true, seqLen: true, lr: true, optimizer: true, clip: true, steps: true, epochs: true, timeLimit: true, evalEvery: true, evalTokens: true, name: true, valFraction: true,
});

/** Settings a resumed run cannot change: they shape the carried state, the data split or the optimiser's buffers. */
export const FIXED_ON_RESUME = ['batch', 'seqLen', 'optimizer'] as const;

/** A text model's folder in memory: the best model, its vocabulary, and the latest checkpoint. */
export interface ModelFolderFiles {
  /** config.json: the best model (by validation loss) */
  config: JsonValue;
  weights: Uint8Array;
  vocab: JsonValue;
  /** the latest state, for --resume: weights, optimiser buffers and carried state, plus state.json */
  checkpoint: { weights: Uint8Array; optimizer: Uint8Array; state: JsonValue } | null;
}

/** Text generation: a vocabulary and a language model, trained on a text, sampled or beam-searched, saved as a model folder. */
export class TextGenerator {
  readonly model: LanguageModel;
  readonly vocab: Vocabulary;
  readonly options: Required<TextModelOptions>;
  readonly rng: Random;
  history: HistoryEntry[] = [];
  data: DataInfo | null = null;
  private resume: (ResumeState & { optimizer: OptimizerState | null; carried: RecurrentState | null }) | null = null;
  /** weights with the best validation loss so far (a copy), if any */
  private best: { valLoss: number; step: number; state: Record<string, Tensor> } | null = null;

  private constructor(vocab: Vocabulary, options: Required<TextModelOptions>, seed: number) {
    this.vocab = vocab;
    this.options = options;
    this.rng = new Random(seed);
    this.model = new LanguageModel({
      vocabSize: vocab.size, embeddingSize: options.embeddingSize, hiddenSize: options.hiddenSize,
      numLayers: options.numLayers, mode: options.cell, dropout: options.dropout,
      adaptive: options.softmax === 'adaptive' ? { cutoffs: options.cutoffs ?? defaultCutoffs(vocab.size, options.hiddenSize) } : null,
    }, this.rng);
  }

  /** A new, untrained model whose vocabulary comes from `text`. */
  static create(text: string, options: TextModelOptions = {}, seed = 0): TextGenerator {
    checkOptions('TextGenerator.create', options, optionKeys<TextModelOptions>({
      cell: true, hiddenSize: true, numLayers: true, embeddingSize: true, dropout: true, tokenizer: true, maxVocab: true, softmax: true, cutoffs: true,
    }));
    const o = { ...DEFAULT_MODEL, ...definedOnly(options) };
    for (const k of ['hiddenSize', 'numLayers', 'embeddingSize'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new ConfigError(`${k} must be a positive integer, got ${o[k]}`);
    }
    if (!['full', 'adaptive', 'auto'].includes(o.softmax)) throw new ConfigError(`softmax must be 'full', 'adaptive' or 'auto', got ${JSON.stringify(o.softmax)}`);
    const vocab = Vocabulary.fromText(text, o.tokenizer, o.maxVocab);
    // 'auto' is settled here, so the saved options say what was built.
    const auto = defaultCutoffs(vocab.size, o.hiddenSize);
    const softmax = o.softmax === 'auto' ? (o.tokenizer === 'word' && vocab.size >= ADAPTIVE_MIN_VOCAB && auto.length > 0 ? 'adaptive' : 'full') : o.softmax;
    if (softmax === 'adaptive' && !o.cutoffs && auto.length === 0) {
      throw new ConfigError(`an adaptive softmax needs cutoffs: none fit a vocabulary of ${vocab.size} and hidden size ${o.hiddenSize} (give cutoffs, or use softmax 'full')`);
    }
    const cutoffs = softmax === 'adaptive' ? (o.cutoffs ?? auto) : null;
    return new TextGenerator(vocab, { ...o, softmax, cutoffs }, seed);
  }

  /** steps recorded in a loaded folder (without its checkpoint) */
  private savedStep = 0;

  /** Step of the last optimiser update (0 for a new model). */
  get step(): number {
    return this.resume?.step ?? this.savedStep;
  }

  /**
   * Trains on `text` (split in time order: the last `valFraction` is held out
   * for validation). Continues from the saved state when there is one: then the
   * run keeps its own settings (batch, seqLen, optimizer and the validation
   * split may not change; lr, clip, evalEvery may), and with no steps, epochs
   * or timeLimit it goes on to the end the interrupted run was set to reach.
   * Yields to the event loop after every step, so a Ctrl-C handler can run.
   */
  async train(text: string, options: TextTrainOptions & { name?: string; valFraction?: number } = {}, hooks: TrainHooks = {}): Promise<HistoryEntry[]> {
    checkOptions('TextGenerator.train', options, TRAIN_KEYS);
    checkOptions('TextGenerator.train hooks', hooks, optionKeys<TrainHooks>({ onProgress: true, onEval: true, shouldStop: true }));
    const given = definedOnly(options);
    if (this.resume) {
      for (const k of FIXED_ON_RESUME) {
        if (given[k] !== undefined && given[k] !== this.resume.options[k]) {
          throw new ConfigError(`a resumed run keeps its ${k} (${String(this.resume.options[k])} in the checkpoint), got ${String(given[k])}; start a new run to change it`);
        }
      }
      if (options.valFraction !== undefined && this.data && options.valFraction !== this.data.valFraction) {
        throw new ConfigError(`a resumed run keeps its validation split (valFraction ${this.data.valFraction} in the checkpoint), got ${options.valFraction}`);
      }
    }
    const merged = { ...DEFAULT_TRAIN, ...this.resume?.options, ...given };
    const o: TrainSettings = {
      batch: merged.batch, seqLen: merged.seqLen, lr: merged.lr, optimizer: merged.optimizer, clip: merged.clip,
      evalEvery: merged.evalEvery, evalTokens: merged.evalTokens,
    };
    for (const k of ['batch', 'seqLen', 'evalEvery', 'evalTokens'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new ConfigError(`${k} must be a positive integer, got ${o[k]}`);
    }
    if (!(o.lr > 0)) throw new ConfigError(`lr must be positive, got ${o.lr}`);
    if (!(o.clip >= 0)) throw new ConfigError(`clip must be 0 (off) or positive, got ${o.clip}`);
    const valFraction = options.valFraction ?? this.data?.valFraction ?? TEXT_DEFAULTS.valFraction;
    if (!(valFraction > 0 && valFraction < 0.5)) throw new ConfigError(`valFraction must be in (0, 0.5), got ${valFraction}`);

    const { trainIds, valIds, ids } = this.split(text, valFraction, o.batch, o.seqLen);
    const sha256 = await digest(text);
    if (this.data && this.resume && this.data.sha256 !== sha256) {
      throw new ConfigError(`resuming needs the same training text: the model was trained on '${this.data.name}' (sha256 ${this.data.sha256.slice(0, 12)}...), this text differs`);
    }
    this.data = { name: options.name ?? this.data?.name ?? 'text', bytes: new TextEncoder().encode(text).length, tokens: ids.length, sha256, valFraction };
    const streams = new TokenStreams(trainIds, o.batch, o.seqLen);

    const optimizer = createOptimizer(o.optimizer, this.model.parameters(), { lr: o.lr });
    if (this.resume?.optimizer) optimizer.loadStateDict(this.resume.optimizer);
    optimizer.lr = o.lr;
    const trainer = new Trainer(this.model, optimizer, { clipNorm: o.clip > 0 ? o.clip : null });
    const tbptt = new TruncatedBPTT(this.model, trainer);
    tbptt.state = this.resume?.carried ?? null;
    if (this.resume) this.rng.setState(this.resume.rng);

    const startStep = this.step;
    const startSeconds = this.resume?.seconds ?? 0;
    const limited = options.steps !== undefined || options.epochs !== undefined || options.timeLimit !== undefined;
    const target = this.resume?.target;
    const stopAt = options.steps !== undefined ? startStep + options.steps
      : options.epochs !== undefined ? startStep + Math.ceil(options.epochs * streams.chunksPerEpoch)
        : !limited && target ? target.stopAt : null;
    const timeLimit = options.timeLimit ?? (!limited && target?.deadline != null ? Math.max(0, target.deadline - startSeconds) : undefined);
    if (stopAt === null && timeLimit === undefined) throw new ConfigError('give steps, epochs or timeLimit');
    const runTarget = { stopAt, deadline: timeLimit !== undefined ? startSeconds + timeLimit : null };
    const tokensPerStep = o.batch * o.seqLen;
    let valLoss: number | null = this.history.at(-1)?.valLoss ?? null;
    const progress = (s: FitStep): Progress => {
      const done = s.step - startStep;
      const eta = s.fraction > 0 ? (s.elapsed * (1 - s.fraction)) / s.fraction : null;
      return {
        step: s.step, totalSteps: stopAt, fraction: s.fraction, epoch: Math.floor(s.step / streams.chunksPerEpoch),
        loss: s.loss, valLoss, valBits: valLoss === null ? null : valLoss / Math.LN2,
        tokensPerSec: done > 0 ? (done * tokensPerStep) / s.elapsed : 0, elapsed: s.elapsed, eta,
      };
    };

    // Chunks in order, one per step: the streams carry the state from chunk to chunk (TBPTT).
    await fit(this.model, {
      size: streams.chunksPerEpoch,
      startEpoch: () => tbptt.reset(),
      step: (_, step) => {
        const chunk = streams.chunk(step);
        return tbptt.step(chunk.inputs, chunk.targets).loss;
      },
      validate: () => {
        const v = this.evaluate(valIds, o.batch, o.seqLen, o.evalTokens);
        return { metrics: v, rank: [-v], loss: v };
      },
    }, {
      stopAt, evalEvery: o.evalEvery, shuffle: false, restoreBest: false, yieldEvery: 1, startStep,
      bestRank: this.resume?.bestValLoss != null ? [-this.resume.bestValLoss] : null,
      ...(timeLimit !== undefined ? { timeLimit } : {}),
    }, {
      onStep: (st) => {
        hooks.onProgress?.(progress(st));
      },
      onEval: async (e) => {
        valLoss = e.metrics;
        const bestValLoss = e.improved ? valLoss : (this.resume?.bestValLoss ?? valLoss);
        if (e.improved) this.best = { valLoss, step: e.step, state: this.model.stateDict() };
        this.history.push({ step: e.step, loss: e.loss, valLoss, seconds: startSeconds + e.elapsed });
        this.resume = {
          step: e.step, seconds: startSeconds + e.elapsed, rng: this.rng.getState(), bestValLoss, options: o, target: runTarget,
          optimizer: optimizer.stateDict(), carried: tbptt.state,
        };
        await hooks.onEval?.(progress(e), e.improved);
      },
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
    });
    return this.history;
  }

  /** The text's ids, split in time order: the last `valFraction` held out (at least one chunk's worth). */
  private split(text: string, valFraction: number, batch: number, seqLen: number): { ids: Int32Array; trainIds: Int32Array; valIds: Int32Array } {
    const { ids, unknown } = this.vocab.encode(text);
    if (unknown.length && this.vocab.kind === 'char') throw new ConfigError(`the text has characters the model's vocabulary lacks: ${unknown.slice(0, 10).map((c) => JSON.stringify(c)).join(' ')}`);
    const nVal = Math.max(seqLen + 1, Math.floor(ids.length * valFraction));
    if (ids.length - nVal < batch * (seqLen + 1)) {
      throw new ConfigError(`the text has ${plural(ids.length, 'token')}: too few to hold out ${nVal} for validation and fill ${batch} streams of ${seqLen + 1}; use a smaller --batch or --seq-len, or more text`);
    }
    return { ids, trainIds: ids.subarray(0, ids.length - nVal), valIds: ids.subarray(ids.length - nVal) };
  }

  /**
   * Where a resumed run would go on from, for another engine to continue it
   * exactly (tasks/text/torch-trainer.ts): the latest weights (the model's,
   * after fromFiles with resume), the optimiser's state, the carried state,
   * the settings, and the training ids of `text` (checked against the
   * recorded digest). Null for a model saved without a checkpoint.
   */
  async resumePoint(text: string): Promise<{
    step: number; options: TrainSettings; optimizer: OptimizerState | null; carried: RecurrentState | null; trainIds: Int32Array; chunksPerEpoch: number;
  } | null> {
    const r = this.resume;
    if (!r || !this.data) return null;
    const sha256 = await digest(text);
    if (sha256 !== this.data.sha256) throw new ConfigError(`the model was trained on '${this.data.name}' (sha256 ${this.data.sha256.slice(0, 12)}...); this text differs: give the same text`);
    const { trainIds } = this.split(text, this.data.valFraction, r.options.batch, r.options.seqLen);
    return {
      step: r.step, options: { ...r.options }, optimizer: r.optimizer, carried: r.carried, trainIds,
      chunksPerEpoch: new TokenStreams(trainIds, r.options.batch, r.options.seqLen).chunksPerEpoch,
    };
  }

  /**
   * Puts in weights trained elsewhere (safetensors, PyTorch names, e.g. by
   * the PyTorch trainer of torch-trainer.ts): they become the model, the
   * one saved as its best; the checkpoint, which belonged to the old
   * weights, is dropped. Throws FormatError if a name or shape differs.
   */
  replaceWeights(bytes: Uint8Array, source: string): void {
    loadWeights(this.model, bytes, source);
    this.best = null;
    this.resume = null;
  }

  /** The settings and the end of the run a resumed `train` continues, or null for a new model. */
  get resumeSettings(): { options: TrainSettings; target: ResumeState['target']; seconds: number } | null {
    return this.resume ? { options: { ...this.resume.options }, target: { ...this.resume.target }, seconds: this.resume.seconds } : null;
  }

  /** Mean cross-entropy (nats per token) on held-out ids, in streams like training. */
  evaluate(ids: Int32Array, batch: number, seqLen: number, maxTokens = Infinity): number {
    const use = ids.subarray(0, Math.min(ids.length, Math.max(maxTokens, seqLen + 1)));
    const B = Math.max(1, Math.min(batch, Math.floor((use.length - 1) / (seqLen + 1))));
    const streams = new TokenStreams(use, B, seqLen);
    let total = 0;
    let count = 0;
    let state: RecurrentState | null = null;
    inEvalMode(this.model, () => {
      for (let k = 0; k < streams.chunksPerEpoch; k++) {
        const c = streams.chunk(k);
        const out = this.model.loss(c.inputs, c.targets, state);
        state = out.state;
        total += out.loss * c.targets.length;
        count += c.targets.length;
      }
    });
    return total / count;
  }

  /**
   * Writes `length` tokens after `prime`. Sampling by default; `beam` > 1
   * searches for the most likely continuation instead. Each token is passed
   * to `onToken` as it is produced (with beam search, all at the end).
   */
  generate(options: GenerateOptions = {}): { text: string; unknown: string[] } {
    checkOptions('TextGenerator.generate', options, GENERATE_KEYS);
    checkSampling(options);
    const length = options.length ?? 500;
    if (!Number.isInteger(length) || length < 0) throw new ConfigError(`length must be a non-negative integer, got ${length}`);
    const beam = options.beam ?? 1;
    if (!Number.isInteger(beam) || beam < 1) throw new ConfigError(`beam must be a positive integer, got ${beam}`);
    if (beam === 1) {
      // Sampling is a batch of one: the server's batches give each text exactly these tokens.
      const batch = new GenerationBatch(this, 1);
      try {
        const sequence = batch.add({ ...options, length });
        while (!sequence.result) batch.step();
        return { text: sequence.result.text, unknown: sequence.result.unknown };
      } finally {
        batch.dispose();
      }
    }
    const { unknown, logits, state } = readPrime(this, options.prime ?? '', new Random(options.seed ?? 0));
    return inEvalMode(this.model, () => {
      const result = this.beamSearch(logits, state, length, beam, options.temperature ?? 1, unkMasker(this.vocab));
      const text = this.vocab.decode(result);
      options.onToken?.(text);
      return { text, unknown };
    });
  }

  /**
   * As `generate` (the same tokens for the same options), without holding the
   * thread: sampling yields to the event loop every `sliceMs` (default 20), so
   * a page stays responsive and a process sees its events (a reader that
   * closed the pipe), and stops at the next token when `signal` aborts
   * (`complete` then says false). Beam search runs as one pass, as in `generate`.
   */
  async generateAsync(options: GenerateOptions & { signal?: AbortSignal; sliceMs?: number } = {}): Promise<{ text: string; unknown: string[]; complete: boolean }> {
    const { signal, sliceMs = 20, ...rest } = options;
    checkOptions('TextGenerator.generateAsync', rest, GENERATE_KEYS);
    if ((rest.beam ?? 1) !== 1) return { ...this.generate(rest), complete: true };
    const batch = new GenerationBatch(this, 1);
    try {
      const sequence = batch.add({ ...rest, length: GenerationBatch.checkRequest(rest) });
      const slice = timeSlicer(sliceMs);
      while (!sequence.result) {
        if (signal?.aborted) sequence.cancel();
        batch.step();
        await slice();
      }
      return { text: sequence.result.text, unknown: sequence.result.unknown, complete: sequence.result.complete };
    } finally {
      batch.dispose();
    }
  }

  /** The text a token adds after the token before it (spacing for words), or at the start. */
  tokenText(id: number, prev: number | null): string {
    if (this.vocab.kind === 'char') return this.vocab.tokens[id]!;
    if (prev === null) return this.vocab.decode([id]);
    return this.vocab.decode([prev, id]).slice(this.vocab.decode([prev]).length);
  }

  /** Beam search over the model: the hypotheses are the rows of one decoder, stepped together, one token each per step. */
  private beamSearch(logits0: Float32Array, state0: RecurrentState, length: number, width: number, temperature: number, mask: (l: Float32Array, rows: number) => Float32Array): number[] {
    const V = this.vocab.size;
    const decoder = new TokenDecoder(this.model, width);
    const rows = Array.from({ length: width }, () => new Float64Array(V));
    const from = new Int32Array(width);
    const tokens = new Int32Array(width);
    try {
      decoder.setState(stackStates(Array.from({ length: width }, () => state0)));
      // A hypothesis' state is the decoder row holding the state before its last token.
      const best = beamSearch<number>(0, (live) => {
        // The start has its next-token logits already (from the prime).
        if (live.length === 1 && live[0]!.tokens.length === 0) return [{ logProbs: logSoftmaxInto(logits0, 0, V, temperature, rows[0]!), state: 0 }];
        from.fill(0);
        tokens.fill(0);
        live.forEach((h, b) => { from[b] = h.state; tokens[b] = h.tokens[h.tokens.length - 1]!; });
        decoder.reorder(from);
        const logits = mask(decoder.step(tokens), width);
        return live.map((_, b) => ({ logProbs: logSoftmaxInto(logits, b * V, V, temperature, rows[b]!), state: b }));
      }, { width, maxLength: length });
      return best.tokens;
    } finally {
      decoder.dispose();
    }
  }

  /** The model folder's contents (see io.ts): best weights, vocabulary, and the resume checkpoint. */
  toFiles(): ModelFolderFiles {
    const bestState = this.best?.state ?? this.model.stateDict();
    const config = modelEnvelope(this.model, {
      task: 'text-generation',
      text: { ...this.options },
      data: this.data ? { ...this.data } : null,
      history: this.history.map((h) => ({ ...h })),
      best: this.best ? { step: this.best.step, valLoss: this.best.valLoss } : null,
      step: this.step,
    } as unknown as { [key: string]: JsonValue }) as unknown as JsonValue;
    let checkpoint: ModelFolderFiles['checkpoint'] = null;
    if (this.resume) {
      const r = this.resume;
      const tensors: Record<string, Tensor> = {};
      if (r.optimizer) {
        for (const [name, list] of Object.entries(r.optimizer.buffers)) list.forEach((b, i) => { tensors[`${name}.${i}`] = new Tensor(b, [b.length]); });
      }
      if (r.carried) {
        tensors['carried.h'] = r.carried.h;
        if (r.carried.c) tensors['carried.c'] = r.carried.c;
      }
      checkpoint = {
        weights: weightsToBytes(this.model.stateDict()),
        optimizer: serializeSafetensors(tensors),
        state: {
          step: r.step, seconds: r.seconds, rng: r.rng, bestValLoss: r.bestValLoss, options: r.options, target: r.target,
          optimizer: r.optimizer ? { name: r.optimizer.name, lr: r.optimizer.lr, step: r.optimizer.step, buffers: Object.fromEntries(Object.entries(r.optimizer.buffers).map(([k, v]) => [k, v.length])) } : null,
          best: this.best ? { step: this.best.step, valLoss: this.best.valLoss } : null,
        } as unknown as JsonValue,
      };
    }
    return { config, weights: weightsToBytes(bestState, 'the best model'), vocab: this.vocab.toJSON() as unknown as JsonValue, checkpoint };
  }

  /**
   * Rebuilds from a model folder's contents. With the checkpoint, the model
   * holds the latest weights and can resume training exactly; without it, the
   * best weights (for generation).
   */
  static fromFiles(files: ModelFolderFiles, source = 'model', options: { resume?: boolean } = {}): TextGenerator {
    const { config: cfg, extra } = checkTaskConfig(files.config, `${source}/config.json`, 'LanguageModel', 'text-generation', 'a text-generation model');
    // The count first: a vocab.json of millions of tokens is refused before a table of them is built.
    const listed = (files.vocab as { tokens?: unknown } | null)?.tokens;
    const vocabSize = (cfg.config as { vocabSize?: unknown }).vocabSize;
    if (Array.isArray(listed) && listed.length !== vocabSize) {
      throw new FormatError(`${source}: vocab.json has ${listed.length.toLocaleString('en-US')} tokens, config.json says ${String(vocabSize)}`);
    }
    const vocab = Vocabulary.fromJSON(files.vocab, `${source}/vocab.json`);
    // Folders written before the adaptive softmax have a full one.
    const textOptions = { ...DEFAULT_MODEL, softmax: 'full' as const, ...(extra.text as TextModelOptions) };
    const g = buildForWeights(files.weights, `${source}/config.json`, () => new TextGenerator(vocab, textOptions, 0));
    // The network is built from the text options; config.json's description of it must be that network, field
    // for field, so that every command (generate, export, serve) reads the folder as the same model. (A field
    // a folder lacks is one added since it was written: its default holds.)
    const built = JSON.parse(JSON.stringify(g.model.config)) as Record<string, unknown>;
    const written = cfg.config as Record<string, unknown>;
    for (const key of Object.keys(written)) {
      if (JSON.stringify(built[key] ?? null) !== JSON.stringify(written[key] ?? null)) {
        throw new FormatError(`${source}/config.json: config.${key} is ${JSON.stringify(written[key] ?? null)}, but its text options (extra.text) and vocab.json make ${JSON.stringify(built[key] ?? null)}: the file was changed by hand?`);
      }
    }
    const load = (bytes: Uint8Array, where: string): void => loadWeights(g.model, bytes, where);
    load(files.weights, `${source}/model.safetensors`);
    g.history = (extra.history as HistoryEntry[] | undefined) ?? [];
    g.data = (extra.data as DataInfo | null | undefined) ?? null;
    g.savedStep = typeof extra.step === 'number' ? extra.step : 0;
    const best = extra.best as { step: number; valLoss: number } | null | undefined;
    if (best) g.best = { ...best, state: g.model.stateDict() };
    if (options.resume) {
      if (!files.checkpoint) throw new FormatError(`${source}: no checkpoint/ to resume from`);
      const st = checkResumeState(files.checkpoint.state, `${source}/checkpoint/state.json`);
      load(files.checkpoint.weights, `${source}/checkpoint/model.safetensors`);
      const opt = parseSafetensors(files.checkpoint.optimizer, `${source}/checkpoint/optimizer.safetensors`);
      const buffers: Record<string, Float32Array[]> = {};
      if (st.optimizer) {
        for (const [name, count] of Object.entries(st.optimizer.buffers)) buffers[name] = Array.from({ length: count }, (_, i) => opt.float32(`${name}.${i}`).data);
      }
      const carried = opt.has('carried.h') ? { h: opt.float32('carried.h'), c: opt.has('carried.c') ? opt.float32('carried.c') : null } : null;
      const layers = g.model.config.numLayers;
      if (carried && (carried.h.shape.length !== 3 || carried.h.shape[0] !== layers || carried.h.shape[1] !== st.options.batch)) {
        throw new FormatError(`${source}/checkpoint/optimizer.safetensors: the carried state has shape [${carried.h.shape.join(', ')}], expected [${layers}, ${st.options.batch}, ...] for batch ${st.options.batch}`);
      }
      g.resume = {
        step: st.step, seconds: st.seconds, rng: st.rng, bestValLoss: st.bestValLoss, options: st.options, target: st.target,
        optimizer: st.optimizer ? { name: st.optimizer.name, lr: st.optimizer.lr, step: st.optimizer.step, buffers } : null, carried,
      };
    }
    return g;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function digest(text: string): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}
