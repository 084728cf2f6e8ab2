/**
 * Speech to text with connectionist temporal classification: a WAV -> MFCCs
 * and their deltas, normalised over the utterance (audio/features.ts), every
 * `stack` frames joined into one (a shorter sequence for the recurrent
 * layers; 20 ms a step by default) -> a bidirectional LSTM/GRU stack -> a
 * score per character and the blank at every step (SequenceTagger), trained
 * with the CTC loss (losses/ctc.ts), read by greedy decoding. Browser-safe
 * (bring the WAV bytes).
 */
import { checkOptions, DataError, optionKeys } from '../../errors.js';
import type { Audio } from '../../audio/wav.js';
import { type AugmentOptions, augmentOptions, augmentedMfcc, maskFrames } from '../../audio/augment.js';
import { type Features, type FeatureStats, featureStats, mfcc, normaliseFeatures, runningNormalise, startRunningStats, trimSilence, withDeltas } from '../../audio/features.js';
import { errorRates } from '../../data/metrics.js';
import type { Vocabulary } from '../../data/vocabulary.js';
import { ctcBeamSearch } from '../../decoding/ctc-beam.js';
import { ctcGreedyDecode } from '../../decoding/ctc-greedy.js';
import { logSoftmaxInto } from '../../tensor/log-space.js';
import type { LanguageModel } from '../../models/language-model.js';
import { characterLanguageModel } from './lm-fusion.js';
import { type JsonValue, buildForWeights, checkTaskConfig, loadWeights, modelEnvelope, weightsToBytes } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { ctcLoss } from '../../losses/ctc.js';
import { SequenceTagger } from '../../models/sequence-tagger.js';
import { TranscriptStream } from './transcript-stream.js';
import { noGrad } from '../../nn/grad-mode.js';
import { createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { swapAxes01 } from '../../tensor/ops.js';
import { Tensor } from '../../tensor/tensor.js';
import { fit } from '../../train/fit.js';
import { Trainer } from '../../train/trainer.js';

/** How a transcriber is built: cell, sizes, direction, features, frame stacking, dropout, alphabet. */
export interface TranscriberOptions {
  cell?: CellKind;
  hiddenSize?: number;
  numLayers?: number;
  /** read the utterance both ways (default true); false transcribes as the audio comes in */
  bidirectional?: boolean;
  /** MFCCs per frame (default 13) */
  coefficients?: number;
  /** add each coefficient's change over time (default true) */
  deltas?: boolean;
  /** frames joined into one step (default 2: 20 ms a step) */
  stack?: number;
  /** dropout between recurrent layers (default 0) */
  dropout?: number;
  /** the characters it writes (after normaliseTranscript); null (default): those of the training transcripts */
  alphabet?: string | null;
  /**
   * 'utterance': silence trimmed and features normalised over the whole
   * recording (the default when bidirectional); 'running': nothing trimmed,
   * each frame normalised by the frames before it (audio/features.ts
   * runningNormalise; the default when unidirectional), so a stream is
   * transcribed as it arrives exactly as the whole recording would be.
   */
  normalise?: 'utterance' | 'running';
}

/** A recording and what is said in it. */
export interface TranscribedAudio {
  audio: Audio;
  text: string;
}

/** Transcriber training: epochs, batch, learning rate, patience, time limit, augmentation. */
export interface TranscriberTrainOptions {
  epochs?: number;
  batch?: number;
  lr?: number;
  /** validations without a lower character error rate before stopping */
  patience?: number;
  /** stop after this many seconds */
  timeLimit?: number;
  /** augmentation of the training recordings, drawn anew for every batch (audio/augment.ts); on by default, false turns it off */
  augment?: AugmentOptions | boolean;
}

/** Progress of transcriber training, per epoch. */
export interface TranscriberProgress {
  epoch: number;
  epochs: number;
  loss: number;
  /** character error rate on the validation recordings */
  valCer: number;
  seconds: number;
}

/** How transcripts are read from the model's scores. */
export interface TranscribeOptions {
  /** prefixes kept by the beam search (default 1: greedy, the best path) */
  beam?: number;
  /** a character language model (`recurrent train`'s: its model and vocabulary) fused into the beam search */
  lm?: { model: LanguageModel; vocab: Vocabulary } | null;
  /** the language model's weight (default 0.5) */
  lmWeight?: number;
  /** added per character (default 0) */
  lengthBonus?: number;
}

const TASK = 'transcribe';
/**
 * Silence trimmed at both ends: frames more than this below the loudest in
 * the first coefficient (about 20 dB of mean log-mel energy; the word
 * recogniser's 8 would cut the quieter words of a sentence).
 */
const TRIM_DROP = 40;
/** The blank's index: class 0, the characters after it. */
const BLANK = 0;

/** The defaults of transcription, in one place. */
export const TRANSCRIBE_DEFAULTS = {
  model: { cell: 'LSTM', hiddenSize: 96, numLayers: 2, bidirectional: true, coefficients: 13, deltas: true, stack: 2, dropout: 0, alphabet: null, normalise: 'utterance' } as Readonly<Required<TranscriberOptions>>,
  train: { epochs: 60, batch: 16, lr: 3e-3, patience: 10 },
} as const;

/** What a transcript becomes before training: lower case, runs of white space one space, trimmed. */
export function normaliseTranscript(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Speech to text: MFCCs -> (bi)directional recurrent layers -> characters, trained with CTC, decoded greedily or by beam search with a language model. */
export class Transcriber {
  readonly model: SequenceTagger;
  history: Array<{ epoch: number; loss: number; valCer: number; seconds: number }> = [];
  /** running normalisation's prior: each MFCC's mean and spread over the training recordings (set by the first training) */
  featureStats: FeatureStats | null = null;

  private constructor(
    /** the characters, class k + 1 for alphabet[k] (class 0 is the blank) */
    readonly alphabet: string[],
    readonly options: Required<TranscriberOptions>,
    seed: number,
  ) {
    const o = options;
    this.model = new SequenceTagger({
      inputSize: o.coefficients * (o.deltas ? 2 : 1) * o.stack, numClasses: alphabet.length + 1, hiddenSize: o.hiddenSize,
      numLayers: o.numLayers, mode: o.cell, bidirectional: o.bidirectional, dropout: o.dropout,
    }, new Random(seed));
  }

  /**
   * A transcriber over the characters of these transcripts (normalised: see
   * normaliseTranscript), or of `options.alphabet`, which every transcript
   * must then keep to.
   */
  static create(transcripts: string[], options: TranscriberOptions = {}, seed = 0): Transcriber {
    checkOptions('Transcriber.create', options, optionKeys<TranscriberOptions>({
      cell: true, hiddenSize: true, numLayers: true, bidirectional: true, coefficients: true, deltas: true, stack: true, dropout: true, alphabet: true, normalise: true,
    }));
    const o = { ...TRANSCRIBE_DEFAULTS.model, ...options };
    o.normalise = options.normalise ?? (o.bidirectional ? 'utterance' : 'running');
    const chars = [...new Set(o.alphabet !== null ? Array.from(o.alphabet) : transcripts.flatMap((t) => Array.from(normaliseTranscript(t))))].sort();
    if (chars.length === 0) throw new DataError('a transcriber needs transcripts with at least one character, got none');
    if (!Number.isInteger(o.stack) || o.stack < 1) throw new DataError(`stack must be a positive integer, got ${o.stack}`);
    return new Transcriber(chars, o, seed);
  }

  /** How messages say a length was measured: after trimming silence, unless running normalisation trims nothing. */
  private get afterTrimming(): string {
    return this.options.normalise === 'running' ? '' : ' after trimming silence';
  }

  /** MFCCs of a recording as they are, or of one random draw of its augmentation. */
  private cepstra(audio: Audio, augment?: { options: Required<AugmentOptions>; rng: Random }) {
    const C = this.options.coefficients;
    return augment ? augmentedMfcc(audio, C, augment.options, augment.rng) : mfcc(audio.samples, audio.sampleRate, { coefficients: C, source: audio.source ?? 'the audio' });
  }

  /** (steps x features) of one recording: normalised MFCCs (+ deltas), `stack` frames to a step. */
  features(audio: Audio, augment?: { options: Required<AugmentOptions>; rng: Random }): { data: Float32Array; steps: number } {
    const o = this.options;
    const m = this.cepstra(audio, augment);
    let x: Features;
    if (o.normalise === 'running') {
      if (!this.featureStats) throw new DataError('a transcriber with running normalisation needs the statistics of its training recordings: train it first');
      x = runningNormalise(m, startRunningStats(this.featureStats));
    } else {
      x = normaliseFeatures(trimSilence(m, TRIM_DROP));
    }
    if (o.deltas) x = withDeltas(x);
    if (augment) maskFrames(x, augment.options, augment.rng);
    const steps = Math.floor(x.frames / o.stack);
    if (steps === 0) throw new DataError(`${audio.source ?? 'the audio'}: ${x.frames * 10} ms${this.afterTrimming}, shorter than one ${o.stack * 10} ms step`);
    return { data: x.data.slice(0, steps * o.stack * x.features), steps };
  }

  /** The class ids of a transcript; a character outside the alphabet is an error naming it. */
  encode(text: string, where = 'a transcript'): Int32Array {
    const chars = Array.from(normaliseTranscript(text));
    return Int32Array.from(chars, (ch) => {
      const k = this.alphabet.indexOf(ch);
      if (k < 0) throw new DataError(`${where}: ${JSON.stringify(ch)} is not in the model's alphabet ${JSON.stringify(this.alphabet.join(''))}`);
      return k + 1;
    });
  }

  /** The text of a sequence of character ids. */
  decode(ids: readonly number[]): string {
    return ids.map((k) => this.alphabet[k - 1]!).join('');
  }

  /** Steps of padded features (B,T,F) and each one's length. */
  private batch(feats: Array<{ data: Float32Array; steps: number }>): { x: Tensor; lengths: number[] } {
    const F = this.model.config.inputSize;
    const T = Math.max(1, ...feats.map((f) => f.steps));
    const x = new Float32Array(feats.length * T * F);
    feats.forEach((f, b) => x.set(f.data, b * T * F));
    return { x: new Tensor(x, [feats.length, T, F]), lengths: feats.map((f) => f.steps) };
  }

  /** The fewest steps a transcript needs: a step per character, and a blank between repeated ones. */
  static stepsNeeded(ids: ArrayLike<number>): number {
    let n = ids.length;
    for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]) n++;
    return n;
  }

  /**
   * Trains on `train`, keeping the weights with the lowest character error
   * rate on `val`. Every recording is checked before the first step: its
   * transcript keeps to the alphabet, its audio is long enough to align.
   */
  async train(
    train: TranscribedAudio[], val: TranscribedAudio[], options: TranscriberTrainOptions = {},
    hooks: { seed?: number; onProgress?: (p: TranscriberProgress) => void; shouldStop?: () => boolean } = {},
  ): Promise<void> {
    if (train.length === 0) throw new DataError('no training recordings');
    if (this.options.normalise === 'running' && !this.featureStats) this.featureStats = featureStats(train.map((e) => this.cepstra(e.audio)));
    const prepared = (set: TranscribedAudio[]) => set.map((e) => {
      const f = this.features(e.audio);
      const ids = this.encode(e.text, `${e.audio.source ?? 'a recording'}'s transcript`);
      const need = Transcriber.stepsNeeded(ids);
      if (f.steps < need) {
        throw new DataError(`${e.audio.source ?? 'a recording'}: ${f.steps} steps of audio (${(f.steps * this.options.stack * 10 / 1000).toFixed(2)} s${this.afterTrimming}) cannot be aligned to its ${need}-step transcript ${JSON.stringify(normaliseTranscript(e.text))}`);
      }
      return { f, ids };
    });
    const items = prepared(train);
    const valItems = prepared(val);
    const aug = augmentOptions(options.augment);
    const augRng = new Random((hooks.seed ?? 0) + 1);
    const featuresOf = (k: number) => (aug ? this.features(train[k]!.audio, { options: aug, rng: augRng }) : items[k]!.f);
    const D = TRANSCRIBE_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    const trainer = new Trainer(this.model, createOptimizer('adam', this.model.parameters(), { lr: options.lr ?? D.lr }), { clipNorm: 5 });
    await fit(this.model, {
      size: items.length,
      batch: options.batch ?? D.batch,
      step: (part) => {
        const chosen = part.map((k) => items[k]!);
        const { x, lengths } = this.batch(part.map(featuresOf));
        const S = Math.max(1, ...chosen.map((c) => c.ids.length));
        const targets = new Int32Array(chosen.length * S);
        chosen.forEach((c, b) => targets.set(c.ids, b * S));
        return trainer.step(() => {
          const scores = this.model.forward(x, lengths); // (B,T,C)
          const l = ctcLoss(swapBatchTime(scores), targets, lengths, chosen.map((c) => c.ids.length), { blank: BLANK, zeroInfinity: true });
          this.model.backward(swapBatchTime(l.grad));
          return l.loss;
        }).loss;
      },
      validate: () => {
        const valCer = valItems.length ? errorRates(val.map((e) => normaliseTranscript(e.text)), this.readAll(valItems.map((v) => v.f))).cer : 0;
        return { metrics: valCer, rank: [-valCer] };
      },
    }, { epochs, patience: options.patience ?? D.patience, ...(options.timeLimit !== undefined ? { timeLimit: options.timeLimit } : {}) }, {
      rng: new Random(hooks.seed ?? 0),
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
      onEval: (e) => {
        this.history.push({ epoch: e.epoch, loss: e.loss, valCer: e.metrics, seconds: e.elapsed });
        hooks.onProgress?.({ epoch: e.epoch, epochs, loss: e.loss, valCer: e.metrics, seconds: e.elapsed });
      },
    });
    this.model.eval();
  }

  /** Transcripts of prepared features, a batch at a time: greedy, or by prefix beam search (with a language model). */
  private readAll(feats: Array<{ data: Float32Array; steps: number }>, decoding: TranscribeOptions = {}, batch = 32): string[] {
    const width = decoding.beam ?? 1;
    const lm = decoding.lm ? characterLanguageModel(decoding.lm.model, decoding.lm.vocab, [null, ...this.alphabet]) : null;
    return noGrad(() => {
      this.model.eval();
      const out: string[] = [];
      for (let i = 0; i < feats.length; i += batch) {
        const { x, lengths } = this.batch(feats.slice(i, i + batch));
        const scores = this.model.forward(x, lengths); // (B,T,C)
        if (width === 1 && !lm) {
          out.push(...ctcGreedyDecode(swapBatchTime(scores), { blank: BLANK, inputLengths: lengths }).map((p) => this.decode(p)));
          continue;
        }
        const [, T, C] = scores.shape as [number, number, number];
        lengths.forEach((Tn, b) => {
          const lp = new Float64Array(Tn * C);
          for (let t = 0; t < Tn; t++) logSoftmaxInto(scores.data, (b * T + t) * C, C, 1, lp.subarray(t * C, (t + 1) * C));
          const best = ctcBeamSearch(lp, Tn, C, {
            width, blank: BLANK, lm, ...(decoding.lmWeight !== undefined ? { lmWeight: decoding.lmWeight } : {}),
            ...(decoding.lengthBonus !== undefined ? { lengthBonus: decoding.lengthBonus } : {}),
          })[0]!;
          out.push(this.decode(best.labels));
        });
      }
      return out;
    });
  }

  /** What is said in each recording: greedy decoding, or with `beam` > 1 or a language model, prefix beam search. */
  transcribe(audio: Audio[], decoding: TranscribeOptions = {}): string[] {
    checkOptions('Transcriber.transcribe', decoding, optionKeys<TranscribeOptions>({ beam: true, lm: true, lmWeight: true, lengthBonus: true }));
    return this.readAll(audio.map((a) => this.features(a)), decoding);
  }

  /** Transcribes audio as it arrives: push chunks, read the transcript so far (a unidirectional transcriber only). */
  stream(sampleRate: number): TranscriptStream {
    return new TranscriptStream(this, sampleRate);
  }

  /** Character and word error rates against the recordings' transcripts. */
  evaluate(examples: TranscribedAudio[], decoding: TranscribeOptions = {}): { cer: number; wer: number; transcripts: string[] } {
    checkOptions('Transcriber.evaluate', decoding, optionKeys<TranscribeOptions>({ beam: true, lm: true, lmWeight: true, lengthBonus: true }));
    const transcripts = this.transcribe(examples.map((e) => e.audio), decoding);
    return { ...errorRates(examples.map((e) => normaliseTranscript(e.text)), transcripts), transcripts };
  }

  /** The model folder's files (config.json and model.safetensors). */
  toFiles(): { config: JsonValue; weights: Uint8Array } {
    return {
      config: modelEnvelope(this.model, {
        task: TASK, alphabet: this.alphabet, options: this.options as unknown as JsonValue, history: this.history as unknown as JsonValue,
        featureStats: this.featureStats as unknown as JsonValue,
      }) as unknown as JsonValue,
      weights: weightsToBytes(this.model.stateDict()),
    };
  }

  /** Reads what `toFiles` wrote; `where` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, where = 'model'): Transcriber {
    const { extra: e } = checkTaskConfig(files.config, `${where}/config.json`, 'SequenceTagger', TASK, 'a transcription model');
    const t = buildForWeights(files.weights, `${where}/config.json`, () => new Transcriber(e.alphabet as string[], { normalise: 'utterance', ...(e.options as TranscriberOptions) } as Required<TranscriberOptions>, 0));
    loadWeights(t.model, files.weights, `${where}/model.safetensors`);
    t.model.eval();
    t.history = (e.history as Transcriber['history'] | undefined) ?? [];
    t.featureStats = (e.featureStats as FeatureStats | null | undefined) ?? null;
    return t;
  }
}

/** (B,T,C) <-> (T,B,C): the model's layout to the CTC loss's (PyTorch's), and its gradient back. */
function swapBatchTime(x: Tensor): Tensor {
  const [A, B, C] = x.shape as [number, number, number];
  return new Tensor(swapAxes01(x.data, A, B, C), [B, A, C]);
}
