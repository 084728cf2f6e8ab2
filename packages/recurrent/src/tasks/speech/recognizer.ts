/**
 * Spoken-word recognition: a WAV -> MFCCs and their deltas (audio/features.ts:
 * 13 coefficients, silence trimmed, normalised, 48 frames) -> a bidirectional
 * GRU -> mean over time -> Linear -> a word. Browser-safe (bring the WAV bytes).
 */
import { checkOptions, DataError, optionKeys } from '../../errors.js';
import { type Audio } from '../../audio/wav.js';
import { type AugmentOptions, augmentOptions, augmentedMfcc, maskFrames } from '../../audio/augment.js';
import { DEFAULT_MAX_HZ, framesToSamples, mfcc, normaliseFrames, speechSpan, trimSilence, withDeltas } from '../../audio/features.js';
import { type JsonValue, buildForWeights, loadWeights, weightsToBytes, modelEnvelope, checkTaskConfig } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { crossEntropy } from '../../losses/losses.js';
import { SequenceClassifier } from '../../models/sequence-classifier.js';
import { noGrad } from '../../nn/grad-mode.js';
import { fit } from '../../train/fit.js';
import { createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Trainer } from '../../train/trainer.js';
import { logSoftmax } from '../../tensor/log-space.js';
import { Ensemble, trainMembers } from '../ensemble.js';

/** How a recogniser is built: cell, sizes, frames, coefficients, deltas, trimming, highest frequency. */
export interface SpeechOptions {
  cell?: CellKind;
  hiddenSize?: number;
  numLayers?: number;
  /** frames per utterance after time normalisation (default 48) */
  frames?: number;
  /** MFCCs per frame (default 13) */
  coefficients?: number;
  /** add each coefficient's change over time (its delta) as a feature (default true) */
  deltas?: boolean;
  /**
   * silence trimmed at both ends: frames more than this below the loudest in the first coefficient
   * (a unit is about 0.5 dB of mean log-mel energy; default 80, 40 dB, so that quiet consonants stay)
   */
  trimDrop?: number;
  /**
   * and frames less than this above the recording's floor, its quietest tenth of frames (same units;
   * default 20, 10 dB): the noise before and after a word. null: no floor (models saved before it)
   */
  trimFloor?: number | null;
  /**
   * highest frequency the mel filterbank reads (default 8000 Hz, audio/features.ts DEFAULT_MAX_HZ, or
   * the audio's Nyquist frequency if lower). Audio at 8 kHz reaches only 4 kHz, where its filters would sit elsewhere than for 16 kHz
   * audio; 4000 gives recordings at both rates the same features (the telephone band).
   */
  maxHz?: number;
}

/** Recogniser training: epochs, batch, learning rate, patience, augmentation. */
export interface SpeechTrainOptions {
  epochs?: number;
  batch?: number;
  lr?: number;
  /** validations without a better accuracy before stopping */
  patience?: number;
  /** augmentation of the training recordings, drawn anew each epoch (audio/augment.ts); on by default, false turns it off */
  augment?: AugmentOptions | boolean;
}

/** A recording and the word said in it. */
export interface LabelledAudio {
  audio: Audio;
  label: string;
}

const TASK = 'spoken-words';

/** The defaults of spoken-word recognition, in one place (the command line shows and uses these). */
export const SPEECH_DEFAULTS = {
  model: { cell: 'GRU', hiddenSize: 64, numLayers: 1, frames: 48, coefficients: 13, deltas: true, trimDrop: 80, trimFloor: 20, maxHz: DEFAULT_MAX_HZ } as Readonly<Required<SpeechOptions>>,
  train: { epochs: 40, batch: 32, lr: 3e-3, patience: 8, valFraction: 0.1 },
} as const;

/** Spoken words: MFCCs -> bidirectional recurrent layers -> mean over time -> the word. */
export class SpokenWordRecognizer {
  readonly model: SequenceClassifier;
  history: Array<{ epoch: number; loss: number; valAccuracy: number; seconds: number }> = [];

  private constructor(readonly labels: string[], readonly options: Required<SpeechOptions>, seed: number) {
    // A bidirectional recurrent layer over the frames, mean-pooled: the word is the whole utterance.
    this.model = new SequenceClassifier({
      vocabSize: 0, embeddingSize: options.coefficients * (options.deltas ? 2 : 1), hiddenSize: options.hiddenSize, numLayers: options.numLayers,
      mode: options.cell, numClasses: labels.length, bidirectional: true, pooling: 'mean', bagOfEmbeddings: false,
    }, new Random(seed));
  }

  /** A recogniser for these words (untrained); `seed` fixes its initialisation. */
  static create(labels: string[], options: SpeechOptions = {}, seed = 0): SpokenWordRecognizer {
    checkOptions('SpokenWordRecognizer.create', options, optionKeys<SpeechOptions>({
      cell: true, hiddenSize: true, numLayers: true, frames: true, coefficients: true, deltas: true, trimDrop: true, trimFloor: true, maxHz: true,
    }));
    const uniq = [...new Set(labels)].sort();
    if (uniq.length < 2) throw new DataError(`a recogniser needs at least two words, got ${uniq.length}`);
    return new SpokenWordRecognizer(uniq, { ...SPEECH_DEFAULTS.model, ...options }, seed);
  }

  /** (frames x features) of one utterance: MFCCs, then their deltas if asked; with `augment`, of one random draw of its augmentation. */
  features(audio: Audio, augment?: { options: Required<AugmentOptions>; rng: Random }): Float32Array {
    const { coefficients: C, frames: T, maxHz, trimDrop, trimFloor } = this.options;
    const source = audio.source ?? 'the audio';
    let x: Float32Array;
    if (augment) {
      // Silence is found on the clean recording, and the augmentation draws on the word alone: were the
      // added noise to decide where the word starts and ends, training would trim otherwise than a clean test.
      const { start, end } = framesToSamples(this.speechSpanOf(audio), audio.sampleRate);
      // (a word of a frame or two keeps its silence, so that speed perturbation leaves it a frame)
      const word = end - start >= 0.04 * audio.sampleRate ? audio.samples.subarray(start, end) : audio.samples;
      x = normaliseFrames(augmentedMfcc({ samples: word, sampleRate: audio.sampleRate, source }, C, augment.options, augment.rng, maxHz), T);
    } else {
      x = normaliseFrames(trimSilence(mfcc(audio.samples, audio.sampleRate, { coefficients: C, maxHz, source }), trimDrop, trimFloor ?? null), T);
    }
    const f = this.options.deltas ? withDeltas({ data: x, frames: T, features: C }) : { data: x, frames: T, features: C };
    if (augment) maskFrames(f, augment.options, augment.rng);
    return f.data;
  }

  /** The frames of speech in a recording (trimSilence's), found once per recording: augmentation asks every epoch. */
  private spans = new WeakMap<Audio, { from: number; to: number }>();
  private speechSpanOf(audio: Audio): { from: number; to: number } {
    let span = this.spans.get(audio);
    if (!span) {
      const { coefficients, maxHz, trimDrop, trimFloor } = this.options;
      span = speechSpan(mfcc(audio.samples, audio.sampleRate, { coefficients, maxHz, source: audio.source ?? 'the audio' }), trimDrop, trimFloor ?? null);
      this.spans.set(audio, span);
    }
    return span;
  }

  /** Every utterance is time-normalised to the same number of frames. */
  private lengths(n: number): number[] {
    return new Array<number>(n).fill(this.options.frames);
  }

  private batch(feats: Float32Array[]): Tensor {
    const F = this.options.coefficients * (this.options.deltas ? 2 : 1);
    const T = this.options.frames;
    const x = new Float32Array(feats.length * T * F);
    feats.forEach((f, b) => x.set(f, b * T * F));
    return new Tensor(x, [feats.length, T, F]);
  }

  /** Trains on `train`, keeping the weights with the best accuracy on `val`. */
  async train(train: LabelledAudio[], val: LabelledAudio[], options: SpeechTrainOptions = {}, hooks: { seed?: number; onProgress?: (p: { epoch: number; epochs: number; loss: number; valAccuracy: number; seconds: number }) => void } = {}): Promise<void> {
    checkOptions('SpokenWordRecognizer.train', options, optionKeys<SpeechTrainOptions>({ epochs: true, batch: true, lr: true, patience: true, augment: true }));
    const aug = augmentOptions(options.augment);
    // Without augmentation each recording's features are computed once; with it, for every batch anew.
    const fixed = aug ? null : train.map((e) => this.features(e.audio));
    const augRng = new Random((hooks.seed ?? 0) + 1);
    const featuresOf = (k: number): Float32Array => fixed ? fixed[k]! : this.features(train[k]!.audio, { options: aug!, rng: augRng });
    const ys = train.map((e) => this.labelIndex(e.label));
    const valX = val.map((e) => this.features(e.audio));
    const valY = val.map((e) => this.labelIndex(e.label));
    const D = SPEECH_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    const trainer = new Trainer(this.model, createOptimizer('adam', this.model.parameters(), { lr: options.lr ?? D.lr }), { clipNorm: 5 });
    await fit(this.model, {
      size: train.length,
      batch: options.batch ?? D.batch,
      step: (part) => {
        const x = this.batch(part.map(featuresOf));
        return trainer.step(() => {
          const l = crossEntropy(this.model.forward(x, this.lengths(part.length)), part.map((k) => ys[k]!));
          this.model.backward(l.grad);
          return l.loss;
        }).loss;
      },
      validate: () => {
        if (valX.length === 0) return { metrics: 0, rank: [0] };
        // Ties in accuracy (held-out voices of a synthesizer soon all come out right) go to the lower loss.
        const { labels, loss } = this.classify(valX, valY);
        const valAccuracy = labels.filter((l, i) => l === val[i]!.label).length / valX.length;
        return { metrics: valAccuracy, rank: [valAccuracy, -loss], loss };
      },
    }, { epochs, patience: options.patience ?? D.patience }, {
      rng: new Random(hooks.seed ?? 0),
      onEval: (e) => {
        this.history.push({ epoch: e.epoch, loss: e.loss, valAccuracy: e.metrics, seconds: e.elapsed });
        hooks.onProgress?.({ epoch: e.epoch, epochs, loss: e.loss, valAccuracy: e.metrics, seconds: e.elapsed });
      },
    });
    this.model.eval();
  }

  private labelIndex(label: string): number {
    const k = this.labels.indexOf(label);
    if (k < 0) throw new DataError(`label '${label}' is not one of ${this.labels.join(', ')}`);
    return k;
  }

  /** The scores (B x K) of each utterance's features, and with `targets` the mean cross-entropy against them. */
  private scores(feats: Float32Array[], targets: number[] | null = null): { scores: Float32Array; loss: number } {
    return noGrad(() => {
      this.model.eval();
      const scores = this.model.forward(this.batch(feats), this.lengths(feats.length));
      return { scores: scores.data, loss: targets ? crossEntropy(scores, targets).loss : NaN };
    });
  }

  /** The most likely word of each utterance's features, and with `targets` the mean cross-entropy against them. */
  private classify(feats: Float32Array[], targets: number[] | null = null): { labels: string[]; loss: number } {
    const { scores, loss } = this.scores(feats, targets);
    const K = this.labels.length;
    const labels = feats.map((_, b) => {
      const row = Array.from(scores.subarray(b * K, (b + 1) * K));
      return this.labels[row.indexOf(Math.max(...row))]!;
    });
    return { labels, loss };
  }

  /** The most likely word for each recording. */
  predict(audio: Audio[]): string[] {
    return this.classify(audio.map((a) => this.features(a))).labels;
  }

  /** Each recording's probability of each word, in `labels`' order. */
  predictProbabilities(audio: Audio[]): number[][] {
    return this.probabilitiesOf(audio.map((a) => this.features(a)));
  }

  /** The same from each recording's `features(audio)`. */
  probabilitiesOf(feats: Float32Array[]): number[][] {
    const { scores } = this.scores(feats);
    const K = this.labels.length;
    return feats.map((_, b) => Array.from(logSoftmax(scores, b * K, K), Math.exp));
  }

  /** The share of the recordings whose word is predicted. */
  accuracy(examples: LabelledAudio[]): number {
    return accuracyOf(this.predict(examples.map((e) => e.audio)), examples);
  }

  /** The model folder's files; `extra` goes into config.json beside the recogniser's own entries. */
  toFiles(extra: { [key: string]: JsonValue } = {}): { config: JsonValue; weights: Uint8Array } {
    return {
      config: modelEnvelope(this.model, { ...extra, task: TASK, labels: this.labels, options: this.options as unknown as JsonValue, history: this.history as unknown as JsonValue }) as unknown as JsonValue,
      weights: weightsToBytes(this.model.stateDict()),
    };
  }

  /** Reads what `toFiles` wrote; `where` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, where = 'model'): SpokenWordRecognizer {
    const { extra: e } = checkTaskConfig(files.config, `${where}/config.json`, 'SequenceClassifier', TASK, 'a spoken-word model');
    const r = buildForWeights(files.weights, `${where}/config.json`, () => new SpokenWordRecognizer(e.labels as string[], { trimDrop: 8, trimFloor: null, ...(e.options as SpeechOptions) } as Required<SpeechOptions>, 0));
    loadWeights(r.model, files.weights, `${where}/model.safetensors`);
    r.model.eval();
    r.history = (e.history as SpokenWordRecognizer['history'] | undefined) ?? [];
    return r;
  }
}

/** The share of examples whose word is the one predicted. */
function accuracyOf(predicted: string[], examples: LabelledAudio[]): number {
  return predicted.filter((l, i) => l === examples[i]!.label).length / examples.length;
}

/**
 * Several spoken-word recognisers trained from seeds seed, seed+1, ... on the same recordings, their
 * probabilities averaged (tasks/ensemble.ts): on a voice or synthesizer never heard, the members go
 * wrong on different recordings.
 */
export class SpokenWordEnsemble extends Ensemble<Audio, SpokenWordRecognizer> {
  /** Trains `size` recognisers from seeds seed..seed+size-1 and averages them. */
  static async train(labels: string[], train: LabelledAudio[], val: LabelledAudio[], size: number, options: SpeechOptions = {}, trainOptions: SpeechTrainOptions = {},
    hooks: { seed?: number; onProgress?: (p: { member: number; epoch: number; epochs: number; loss: number; valAccuracy: number; seconds: number }) => void; onMember?: (i: number, member: SpokenWordRecognizer) => void } = {}): Promise<SpokenWordEnsemble> {
    const seed = hooks.seed ?? 0;
    return new SpokenWordEnsemble(await trainMembers(size, seed, async (s) => {
      const r = SpokenWordRecognizer.create(labels, options, s);
      await r.train(train, val, trainOptions, { seed: s, onProgress: (p) => hooks.onProgress?.({ member: s - seed, ...p }) });
      return r;
    }, hooks.onMember));
  }

  /** Members that read recordings alike (the same options, as from one folder) share one computation of the features. */
  override predictProbabilities(audio: Audio[]): number[][] {
    const [first, ...rest] = this.members;
    const options = JSON.stringify(first!.options);
    if (rest.some((m) => JSON.stringify(m.options) !== options)) return super.predictProbabilities(audio);
    const feats = audio.map((a) => first!.features(a));
    return this.average(this.members.map((m) => m.probabilitiesOf(feats)));
  }

  /** The share of the recordings whose word is predicted. */
  accuracy(examples: LabelledAudio[]): number {
    return accuracyOf(this.predict(examples.map((e) => e.audio)), examples);
  }
}
