/**
 * Spoken-word recognition: a WAV -> MFCCs and their deltas (audio/features.ts:
 * 13 coefficients, silence trimmed, normalised, 48 frames) -> a bidirectional
 * GRU -> mean over time -> Linear -> a word. Browser-safe (bring the WAV bytes).
 */
import { DataError } from '../../errors.js';
import { type Audio } from '../../audio/wav.js';
import { mfcc, normaliseFrames, trimSilence, withDeltas } from '../../audio/features.js';
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
}

export interface LabelledAudio {
  audio: Audio;
  label: string;
}

const TASK = 'spoken-words';

/** The defaults of spoken-word recognition, in one place (the command line shows and uses these). */
export const SPEECH_DEFAULTS = {
  model: { cell: 'GRU', hiddenSize: 64, numLayers: 1, frames: 48, coefficients: 13, deltas: true } as Readonly<Required<SpeechOptions>>,
  train: { epochs: 40, batch: 32, lr: 3e-3, patience: 8, valFraction: 0.1 },
} as const;

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

  static create(labels: string[], options: SpeechOptions = {}, seed = 0): SpokenWordRecognizer {
    const uniq = [...new Set(labels)].sort();
    if (uniq.length < 2) throw new DataError(`a recogniser needs at least two words, got ${uniq.length}`);
    return new SpokenWordRecognizer(uniq, { ...SPEECH_DEFAULTS.model, ...options }, seed);
  }

  /** (frames x features) of one utterance: MFCCs, then their deltas if asked. */
  features(audio: Audio): Float32Array {
    const C = this.options.coefficients;
    const T = this.options.frames;
    const x = normaliseFrames(trimSilence(mfcc(audio.samples, audio.sampleRate, { coefficients: C, source: audio.source ?? 'the audio' })), T);
    return this.options.deltas ? withDeltas({ data: x, frames: T, features: C }).data : x;
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
  async train(train: LabelledAudio[], val: LabelledAudio[], options: { epochs?: number; batch?: number; lr?: number; patience?: number } = {}, hooks: { seed?: number; onProgress?: (p: { epoch: number; epochs: number; loss: number; valAccuracy: number; seconds: number }) => void } = {}): Promise<void> {
    const xs = train.map((e) => this.features(e.audio));
    const ys = train.map((e) => {
      const k = this.labels.indexOf(e.label);
      if (k < 0) throw new DataError(`label '${e.label}' is not one of ${this.labels.join(', ')}`);
      return k;
    });
    const valX = val.map((e) => this.features(e.audio));
    const D = SPEECH_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    const trainer = new Trainer(this.model, createOptimizer('adam', this.model.parameters(), { lr: options.lr ?? D.lr }), { clipNorm: 5 });
    await fit(this.model, {
      size: xs.length,
      batch: options.batch ?? D.batch,
      step: (part) => {
        const x = this.batch(part.map((k) => xs[k]!));
        return trainer.step(() => {
          const l = crossEntropy(this.model.forward(x, this.lengths(part.length)), part.map((k) => ys[k]!));
          this.model.backward(l.grad);
          return l.loss;
        }).loss;
      },
      validate: () => {
        const valAccuracy = valX.length ? this.classify(valX).filter((l, i) => l === val[i]!.label).length / valX.length : 0;
        return { metrics: valAccuracy, rank: [valAccuracy] };
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

  private classify(feats: Float32Array[]): string[] {
    return noGrad(() => {
      this.model.eval();
      const out = this.model.forward(this.batch(feats), this.lengths(feats.length)).data;
      const K = this.labels.length;
      return feats.map((_, b) => {
        const row = Array.from(out.subarray(b * K, (b + 1) * K));
        return this.labels[row.indexOf(Math.max(...row))]!;
      });
    });
  }

  /** The most likely word for each recording. */
  predict(audio: Audio[]): string[] {
    return this.classify(audio.map((a) => this.features(a)));
  }

  accuracy(examples: LabelledAudio[]): number {
    const p = this.predict(examples.map((e) => e.audio));
    return p.filter((l, i) => l === examples[i]!.label).length / examples.length;
  }

  toFiles(): { config: JsonValue; weights: Uint8Array } {
    return {
      config: modelEnvelope(this.model, { task: TASK, labels: this.labels, options: this.options as unknown as JsonValue, history: this.history as unknown as JsonValue }) as unknown as JsonValue,
      weights: weightsToBytes(this.model.stateDict()),
    };
  }

  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, where = 'model'): SpokenWordRecognizer {
    const { extra: e } = checkTaskConfig(files.config, `${where}/config.json`, 'SequenceClassifier', TASK, 'a spoken-word model');
    const r = buildForWeights(files.weights, `${where}/config.json`, () => new SpokenWordRecognizer(e.labels as string[], e.options as Required<SpeechOptions>, 0));
    loadWeights(r.model, files.weights, `${where}/model.safetensors`);
    r.model.eval();
    r.history = (e.history as SpokenWordRecognizer['history'] | undefined) ?? [];
    return r;
  }
}
