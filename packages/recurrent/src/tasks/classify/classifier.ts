/**
 * TextClassifier: words -> Embedding -> (bi)LSTM/GRU -> pooled -> Linear ->
 * a class. Splits the data (seeded shuffle) into training, validation and
 * test sets, builds the vocabulary from the training set only, weights
 * classes against imbalance, keeps the weights with the best validation
 * accuracy, and reports accuracy, per-class precision/recall/F1 and the
 * confusion matrix on the test set. Browser-safe.
 */
import { checkOptions, ConfigError, DataError, optionKeys } from '../../errors.js';
import { type JsonValue, buildForWeights, loadWeights, weightsToBytes, modelEnvelope, checkTaskConfig } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { crossEntropy } from '../../losses/losses.js';
import { type Pooling, SequenceClassifier } from '../../models/sequence-classifier.js';
import { noGrad } from '../../nn/grad-mode.js';
import { fit } from '../../train/fit.js';
import { type ClassificationReport, classificationReport } from '../../data/metrics.js';
import type { DataSplit } from '../../data/split.js';
import { createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Trainer } from '../../train/trainer.js';
import { type LabelledTexts, WordVocabulary } from '../../data/labelled-text.js';
import { Ensemble, trainMembers } from '../ensemble.js';

/** How a text classifier is built: cell, sizes, direction, pooling, vocabulary limits, class weights. */
export interface ClassifierOptions {
  cell?: CellKind;
  hiddenSize?: number;
  embeddingSize?: number;
  numLayers?: number;
  bidirectional?: boolean;
  pooling?: Pooling;
  dropout?: number;
  /** vocabulary size limit, <pad> and <unk> included (default 20000) */
  maxVocab?: number;
  /** words seen fewer times in training become <unk> (default 1) */
  minCount?: number;
  /** tokens read per text; longer texts are cut (default 200) */
  maxLength?: number;
  /** 'balanced': class weights inversely proportional to class frequency in training (default); 'none' */
  classWeights?: 'balanced' | 'none';
}

/** Classifier training: epochs, patience, batch, learning rate, clipping, time limit, word dropout. */
export interface ClassifierTrainOptions {
  epochs?: number;
  /** stop after this many epochs without a better validation accuracy (default 5) */
  patience?: number;
  batch?: number;
  lr?: number;
  clip?: number;
  timeLimit?: number;
  /** share of words replaced by <unk> in each training batch, against memorising rare words (default 0.25) */
  wordDropout?: number;
}

/** Progress of classifier training, per epoch. */
export interface ClassifierProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number;
  valAccuracy: number;
  bestValLoss: number;
  seconds: number;
  fraction: number;
}

type Resolved = Required<ClassifierOptions>;

/** The defaults of text classification, in one place (the command line shows and uses these). */
export const CLASSIFIER_DEFAULTS = {
  model: {
    cell: 'LSTM', hiddenSize: 64, embeddingSize: 64, numLayers: 1, bidirectional: true, pooling: 'max', dropout: 0.3,
    maxVocab: 20000, minCount: 1, maxLength: 200, classWeights: 'balanced',
  } as Readonly<Resolved>,
  train: { epochs: 30, batch: 32, lr: 2e-3, clip: 5, patience: 5, wordDropout: 0.25 },
} as const;

const TASK = 'text-classification';

/** Text classification: words -> embedding -> (bi)directional recurrent layers -> pooling -> classes. */
export class TextClassifier {
  readonly model: SequenceClassifier;
  history: Array<{ epoch: number; loss: number; valLoss: number; valAccuracy: number; seconds: number }> = [];
  best: { epoch: number; valAccuracy: number } | null = null;

  private constructor(readonly vocab: WordVocabulary, readonly labels: string[], readonly options: Resolved, readonly classWeights: number[], seed: number) {
    this.model = new SequenceClassifier({
      vocabSize: vocab.size, embeddingSize: options.embeddingSize, hiddenSize: options.hiddenSize, numClasses: labels.length,
      numLayers: options.numLayers, mode: options.cell, bidirectional: options.bidirectional, pooling: options.pooling, dropout: options.dropout,
    }, new Random(seed));
  }

  /** A new classifier for this data and split: the vocabulary and class weights come from the training texts. */
  static create(data: LabelledTexts, split: DataSplit, options: ClassifierOptions = {}, seed = 0): TextClassifier {
    checkOptions('TextClassifier.create', options, optionKeys<ClassifierOptions>({
      cell: true, hiddenSize: true, embeddingSize: true, numLayers: true, bidirectional: true, pooling: true, dropout: true, maxVocab: true, minCount: true, maxLength: true, classWeights: true,
    }));
    const o: Resolved = { ...CLASSIFIER_DEFAULTS.model, ...options };
    if (o.classWeights !== 'balanced' && o.classWeights !== 'none') throw new ConfigError(`classWeights must be 'balanced' or 'none', got '${String(o.classWeights)}'`);
    const labels = [...new Set(data.labels)].sort();
    if (labels.length < 2) throw new DataError(`the labels have a single class ('${labels[0]}'): a classifier needs at least two`);
    const trainTexts = split.train.map((i) => data.texts[i]!);
    const vocab = WordVocabulary.build(trainTexts, o.maxVocab, o.minCount);
    const counts = labels.map((l) => split.train.filter((i) => data.labels[i] === l).length);
    const missing = labels.filter((_, k) => counts[k] === 0);
    if (missing.length) throw new DataError(`class${missing.length > 1 ? 'es' : ''} ${missing.map((m) => `'${m}'`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no example in the training split; add data or change the split`);
    const total = split.train.length;
    const weights = counts.map((c) => (o.classWeights === 'balanced' ? total / (labels.length * c) : 1));
    return new TextClassifier(vocab, labels, o, weights, seed);
  }

  /** Token ids padded to the longest text; in training, `wordDropout` of the words become <unk>. */
  private encodeBatch(texts: string[], wordDropout = 0, rng: Random | null = null): { ids: { data: Int32Array; shape: number[] }; lengths: number[] } {
    const seqs = texts.map((t) => this.vocab.encode(t).slice(0, this.options.maxLength).map((id) => (rng && rng.next() < wordDropout ? 1 : id)));
    const T = Math.max(...seqs.map((s) => s.length));
    const data = new Int32Array(seqs.length * T);
    seqs.forEach((s, b) => data.set(s, b * T));
    return { ids: { data, shape: [seqs.length, T] }, lengths: seqs.map((s) => s.length) };
  }

  /** Class probabilities for each text. */
  predictProbabilities(texts: string[]): number[][] {
    const out: number[][] = [];
    noGrad(() => {
      this.model.eval();
      for (let i = 0; i < texts.length; i += 128) {
        const { ids, lengths } = this.encodeBatch(texts.slice(i, i + 128));
        const s = this.model.forward(ids, lengths);
        const K = this.labels.length;
        for (let b = 0; b < lengths.length; b++) {
          const row = Array.from(s.data.subarray(b * K, (b + 1) * K));
          const m = Math.max(...row);
          const e = row.map((v) => Math.exp(v - m));
          const z = e.reduce((a, c) => a + c, 0);
          out.push(e.map((v) => v / z));
        }
      }
    });
    return out;
  }

  /** The most likely label of each text. */
  predict(texts: string[]): string[] {
    return this.predictProbabilities(texts).map((p) => this.labels[p.indexOf(Math.max(...p))]!);
  }

  /** Accuracy, per-class precision, recall and F1, and the confusion matrix on the rows `indices`. */
  evaluate(data: LabelledTexts, indices: number[]): ClassificationReport {
    const predicted = this.predict(indices.map((i) => data.texts[i]!)).map((l) => this.labels.indexOf(l));
    const truth = indices.map((i) => this.labels.indexOf(data.labels[i]!));
    return classificationReport(truth, predicted, this.labels);
  }

  private loss(data: LabelledTexts, indices: number[]): number {
    let total = 0;
    noGrad(() => {
      this.model.eval();
      for (let i = 0; i < indices.length; i += 128) {
        const part = indices.slice(i, i + 128);
        const { ids, lengths } = this.encodeBatch(part.map((k) => data.texts[k]!));
        const targets = part.map((k) => this.labels.indexOf(data.labels[k]!));
        total += crossEntropy(this.model.forward(ids, lengths), targets, { weight: this.classWeights }).loss * part.length;
      }
    });
    return total / Math.max(indices.length, 1);
  }

  /** Trains on split.train, validating on split.val each epoch; keeps the best validation accuracy's weights. */
  async train(data: LabelledTexts, split: DataSplit, options: ClassifierTrainOptions = {}, hooks: { onProgress?: (p: ClassifierProgress) => void; seed?: number } = {}): Promise<void> {
    checkOptions('TextClassifier.train', options, optionKeys<ClassifierTrainOptions>({
      epochs: true, patience: true, batch: true, lr: true, clip: true, timeLimit: true, wordDropout: true,
    }));
    const D = CLASSIFIER_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    if (split.val.length === 0) throw new DataError('the validation split is empty: there is nothing to choose the best epoch on');
    const opt = createOptimizer('adam', this.model.parameters(), { lr: options.lr ?? D.lr });
    const clip = options.clip ?? D.clip;
    const trainer = new Trainer(this.model, opt, { clipNorm: clip > 0 ? clip : null });
    const rng = new Random(hooks.seed ?? 0);
    await fit(this.model, {
      size: split.train.length,
      batch: options.batch ?? D.batch,
      step: (order) => {
        const part = order.map((i) => split.train[i]!);
        const { ids, lengths } = this.encodeBatch(part.map((k) => data.texts[k]!), options.wordDropout ?? D.wordDropout, rng);
        const targets = part.map((k) => this.labels.indexOf(data.labels[k]!));
        return trainer.step(() => {
          const scores = this.model.forward(ids, lengths);
          const l = crossEntropy(scores, targets, { weight: this.classWeights });
          this.model.backward(l.grad);
          return l.loss;
        }).loss;
      },
      validate: () => {
        const valLoss = this.loss(data, split.val);
        const valAccuracy = this.evaluate(data, split.val).accuracy;
        // Best by validation accuracy; ties go to the lower validation loss.
        return { metrics: { valLoss, valAccuracy }, rank: [valAccuracy, -valLoss] };
      },
    }, { epochs, patience: options.patience ?? D.patience, ...(options.timeLimit !== undefined ? { timeLimit: options.timeLimit } : {}) }, {
      rng,
      onEval: (e) => {
        const epoch = e.epoch;
        this.history.push({ epoch, loss: e.loss, valLoss: e.metrics.valLoss, valAccuracy: e.metrics.valAccuracy, seconds: e.elapsed });
        if (e.improved) this.best = { epoch, valAccuracy: e.metrics.valAccuracy };
        const bestValLoss = this.history.find((h) => h.epoch === this.best?.epoch)?.valLoss ?? e.metrics.valLoss;
        hooks.onProgress?.({ epoch, epochs, loss: e.loss, ...e.metrics, bestValLoss, seconds: e.elapsed, fraction: e.fraction });
      },
    });
    this.model.eval();
  }

  /** The model folder's files (config.json and model.safetensors). */
  toFiles(extra: { [key: string]: JsonValue } = {}): { config: JsonValue; weights: Uint8Array } {
    return {
      config: modelEnvelope(this.model, {
        task: TASK, options: this.options as unknown as JsonValue, labels: this.labels, classWeights: this.classWeights,
        vocab: [...this.vocab.words], history: this.history as unknown as JsonValue, best: this.best as unknown as JsonValue, ...extra,
      }) as unknown as JsonValue,
      weights: weightsToBytes(this.model.stateDict()),
    };
  }

  /** Reads what `toFiles` wrote; `source` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, source = 'model'): TextClassifier {
    const { extra: e } = checkTaskConfig(files.config, `${source}/config.json`, 'SequenceClassifier', TASK, 'a text classifier');
    const c = buildForWeights(files.weights, `${source}/config.json`, () => new TextClassifier(new WordVocabulary(e.vocab as string[]), e.labels as string[], e.options as Resolved, e.classWeights as number[], 0));
    loadWeights(c.model, files.weights, `${source}/model.safetensors`);
    c.model.eval();
    c.history = (e.history as TextClassifier['history'] | undefined) ?? [];
    c.best = (e.best as TextClassifier['best'] | undefined) ?? null;
    return c;
  }
}

/**
 * Several TextClassifiers trained from different seeds on the same split,
 * their class probabilities averaged (tasks/ensemble.ts).
 */
export class ClassifierEnsemble extends Ensemble<string, TextClassifier> {
  /** Trains `size` members (seeds seed, seed+1, ...) on the same data and split. */
  static async train(data: LabelledTexts, split: DataSplit, size: number, options: ClassifierOptions = {}, trainOptions: ClassifierTrainOptions = {}, seed = 0, onMember?: (i: number, member: TextClassifier) => void): Promise<ClassifierEnsemble> {
    return new ClassifierEnsemble(await trainMembers(size, seed, async (s) => {
      const c = TextClassifier.create(data, split, options, s);
      await c.train(data, split, trainOptions, { seed: s });
      return c;
    }, onMember));
  }

  /** Accuracy, per-class precision, recall and F1, and the confusion matrix on the rows `indices`. */
  evaluate(data: LabelledTexts, indices: number[]): ClassificationReport {
    const predicted = this.predictProbabilities(indices.map((i) => data.texts[i]!)).map((p) => p.indexOf(Math.max(...p)));
    return classificationReport(indices.map((i) => this.labels.indexOf(data.labels[i]!)), predicted, [...this.labels]);
  }
}
