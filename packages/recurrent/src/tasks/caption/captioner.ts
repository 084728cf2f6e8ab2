/**
 * Captioner: images (or precomputed features) to sentences with the model of
 * models/captioner.ts. Captions are word tokens (data/vocabulary.ts); an image
 * may have several reference captions, one drawn for it at each step. Teacher
 * forcing in training, validation by corpus BLEU-4 (data/bleu.ts, the best
 * weights kept); greedy or beam decoding (decoding/beam.ts), with each word's
 * attention over the grid. Browser-safe: it takes decoded pixels.
 */
import { checkOptions, ConfigError, DataError, optionKeys } from '../../errors.js';
import { corpusBleu } from '../../data/bleu.js';
import { Vocabulary, tokenize } from '../../data/vocabulary.js';
import { beamSearchAll } from '../../decoding/beam.js';
import { rowRepeater, stackStates, stateRow } from '../../decoding/state-rows.js';
import { type RgbaImage, imageToPlanes } from '../../image/pixels.js';
import { type JsonValue, buildForWeights, checkTaskConfig, loadWeights, modelEnvelope, weightsToBytes } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { crossEntropy } from '../../losses/losses.js';
import { CaptionModel } from '../../models/captioner.js';
import type { RecurrentState } from '../../models/language-model.js';
import { noGrad } from '../../nn/grad-mode.js';
import { createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { fit } from '../../train/fit.js';
import { teacherForcing } from '../../train/teacher-forcing.js';
import { Trainer } from '../../train/trainer.js';

const SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>'];
const BOS = 2;
const EOS = 3;
const TASK = 'captioning';

/** One image's input and its reference captions. */
export interface CaptionExample {
  /** decoded pixels, or (for a features model) the grid of features, (G, featureSize) flattened */
  input: RgbaImage | Float32Array;
  captions: string[];
}

/** How a captioner is built: image size or feature size, the decoder cell and sizes, attention. */
export interface CaptionerOptions {
  /** the CNN's input side in pixels, a multiple of 4 (default 32); images are resized to it */
  imageSize?: number;
  /** precomputed features instead of pixels: grid cells per image (1 for one vector) and values per cell */
  features?: { grid: number; size: number } | null;
  cell?: CellKind;
  hiddenSize?: number;
  embeddingSize?: number;
  /** attend over the grid at every word (default true) */
  attention?: boolean;
  /** the CNN's channels (default [16, 32]) */
  channels?: [number, number];
}

/** Captioner training: epochs, batch, learning rate, patience, time limit. */
export interface CaptionTrainOptions {
  epochs?: number;
  batch?: number;
  lr?: number;
  patience?: number;
  timeLimit?: number;
}

/** Progress of captioner training, per epoch. */
export interface CaptionProgress {
  epoch: number;
  epochs: number;
  loss: number;
  /** corpus BLEU-4 of greedy captions on the validation images */
  valBleu: number;
  seconds: number;
}

/** How a caption is written: beam width and longest caption. */
export interface CaptionOptions {
  /** beam width (default 1: greedy) */
  beam?: number;
  /** most words (default: the longest training caption + 5) */
  maxLength?: number;
}

/** A caption, its words, each word's attention over the grid, and the grid's size. */
export interface CaptionResult {
  text: string;
  words: string[];
  /** per word (and the end), the weights over the grid's cells (rows x cols, row-major); empty without attention */
  attention: number[][];
  grid: [number, number];
  /** the final beam, best first (one entry when greedy) */
  beam: Array<{ text: string; logp: number }>;
}

/** The defaults of captioning, in one place (the command line shows and uses these). */
export const CAPTION_DEFAULTS = {
  model: { imageSize: 32, features: null, cell: 'LSTM', hiddenSize: 96, embeddingSize: 32, attention: true, channels: [16, 32] } as Readonly<Required<CaptionerOptions>>,
  train: { epochs: 30, batch: 32, lr: 3e-3, patience: 6, valFraction: 0.1 },
} as const;

type Resolved = Required<CaptionerOptions> & { maxWords: number };

/** Image captioning: a convolutional encoder (or given features), an LSTM decoder with attention, beam search. */
export class Captioner {
  readonly model: CaptionModel;
  history: Array<{ epoch: number; loss: number; valBleu: number; seconds: number }> = [];

  private constructor(readonly vocab: Vocabulary, readonly options: Resolved, seed: number) {
    const f = options.features;
    this.model = new CaptionModel({
      vocabSize: vocab.size, embeddingSize: options.embeddingSize, hiddenSize: options.hiddenSize, mode: options.cell, attention: options.attention,
      imageSize: f ? null : options.imageSize, channels: options.channels, ...(f ? { featureSize: f.size, gridCells: f.grid } : {}),
    }, new Random(seed));
  }

  /** A captioner for these examples' words; the images are read only for their captions. */
  static create(train: CaptionExample[], options: CaptionerOptions = {}, seed = 0): Captioner {
    checkOptions('Captioner.create', options, optionKeys<CaptionerOptions>({
      imageSize: true, features: true, cell: true, hiddenSize: true, embeddingSize: true, attention: true, channels: true,
    }));
    const o = { ...CAPTION_DEFAULTS.model, ...options } as Required<CaptionerOptions>;
    if (train.length === 0) throw new DataError('no captioned images to train on');
    const f = o.features;
    if (f && !(Number.isInteger(f.grid) && f.grid > 0 && Number.isInteger(f.size) && f.size > 0)) {
      throw new ConfigError(`features must be {grid, size}, positive integers, got ${JSON.stringify(f)}`);
    }
    const words = new Set<string>();
    let longest = 0;
    train.forEach((e, i) => {
      if (e.captions.length === 0) throw new DataError(`image ${i + 1} has no caption`);
      for (const c of e.captions) {
        const t = tokenize(c.toLowerCase(), 'word');
        if (t.length === 0) throw new DataError(`image ${i + 1}: a caption has no words (${JSON.stringify(c)})`);
        longest = Math.max(longest, t.length);
        for (const w of t) words.add(w);
      }
    });
    return new Captioner(new Vocabulary('word', [...SPECIALS, ...[...words].sort()]), { ...o, maxWords: longest + 5 }, seed);
  }

  /** The network's input for one image: (3,S,S) pixels in [-1, 1], or the features as given (checked). */
  toInput(input: RgbaImage | Float32Array, where = 'image'): Float32Array {
    const f = this.options.features;
    if (input instanceof Float32Array) {
      if (!f) throw new DataError(`${where}: this captioner reads pixels (an RGBA image), got a Float32Array of features`);
      if (input.length !== f.grid * f.size) throw new DataError(`${where}: expected ${f.grid}x${f.size} = ${f.grid * f.size} feature values, got ${input.length}`);
      return input;
    }
    if (f) throw new DataError(`${where}: this captioner reads features (${f.grid}x${f.size} values a image), got an image`);
    return imageToPlanes(input, this.options.imageSize, where);
  }

  private batchInput(inputs: Float32Array[]): Tensor {
    const n = inputs[0]!.length;
    const data = new Float32Array(inputs.length * n);
    inputs.forEach((x, i) => data.set(x, i * n));
    const f = this.options.features;
    const S = this.options.imageSize;
    return new Tensor(data, f ? [inputs.length, f.grid, f.size] : [inputs.length, 3, S, S]);
  }

  private encodeCaption(text: string): number[] {
    return Array.from(this.vocab.encode(text.toLowerCase()).ids);
  }

  /** Trains with teacher forcing (a caption drawn per image per step); keeps the weights with the best validation BLEU-4. */
  async train(train: CaptionExample[], val: CaptionExample[], options: CaptionTrainOptions = {}, hooks: { seed?: number; onProgress?: (p: CaptionProgress) => void } = {}): Promise<void> {
    checkOptions('Captioner.train', options, optionKeys<CaptionTrainOptions>({ epochs: true, batch: true, lr: true, patience: true, timeLimit: true }));
    const D = CAPTION_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    const rng = new Random(hooks.seed ?? 0);
    // Pixels once, not every epoch.
    const inputs = train.map((e, i) => this.toInput(e.input, `training image ${i + 1}`));
    const valInputs = val.map((e, i) => this.toInput(e.input, `validation image ${i + 1}`));
    const captions = train.map((e) => e.captions.map((c) => this.encodeCaption(c)));
    const trainer = new Trainer(this.model, createOptimizer('adam', this.model.parameters(), { lr: options.lr ?? D.lr }), { clipNorm: 5 });
    this.model.train();
    await fit(this.model, {
      size: train.length,
      batch: options.batch ?? D.batch,
      step: (order) => {
        const { input: tin, targets: tout } = teacherForcing(order.map((i) => captions[i]![rng.int(captions[i]!.length)]!), BOS, EOS);
        const x = this.batchInput(order.map((i) => inputs[i]!));
        return trainer.step(() => {
          const logits = this.model.forward(x, tin);
          const l = crossEntropy(logits, tout);
          this.model.backward(l.grad);
          return l.loss;
        }).loss;
      },
      validate: () => {
        const bleu = val.length ? this.score(valInputs, val.map((e) => e.captions)).bleu : 0;
        this.model.train();
        return { metrics: bleu, rank: [bleu] };
      },
    }, { epochs, patience: options.patience ?? D.patience, ...(options.timeLimit ? { timeLimit: options.timeLimit } : {}) }, {
      rng,
      onEval: (e) => {
        this.history.push({ epoch: e.epoch, loss: e.loss, valBleu: e.metrics, seconds: e.elapsed });
        hooks.onProgress?.({ epoch: e.epoch, epochs, loss: e.loss, valBleu: e.metrics, seconds: e.elapsed });
      },
    });
    this.model.eval();
  }

  /** Greedy captions of many images, decoded together in batches. */
  captionAll(images: Array<RgbaImage | Float32Array>): string[] {
    return this.greedyInBatches(images.map((x, i) => this.toInput(x, `image ${i + 1}`)));
  }

  private greedyInBatches(inputs: Float32Array[], batch = 64): string[] {
    const out: string[] = [];
    for (let at = 0; at < inputs.length; at += batch) out.push(...this.greedy(inputs.slice(at, at + batch)));
    return out;
  }

  /** Greedy decoding of a batch of images together: each row stops at its end token. */
  private greedy(inputs: Float32Array[]): string[] {
    return noGrad(() => {
      this.model.eval();
      const B = inputs.length;
      const enc = this.model.encode(this.batchInput(inputs));
      let state = enc.state;
      let prev = new Int32Array(B).fill(BOS);
      const words: number[][] = Array.from({ length: B }, () => []);
      const done = new Uint8Array(B);
      for (let t = 0; t < this.options.maxWords && done.some((d) => !d); t++) {
        const r = this.model.step(prev, state, enc.memory);
        const V = this.vocab.size;
        prev = new Int32Array(B);
        for (let b = 0; b < B; b++) {
          let best = BOS + 1;
          for (let v = BOS + 1; v < V; v++) if (r.logProbs[b * V + v]! > r.logProbs[b * V + best]!) best = v;
          prev[b] = best;
          if (done[b]) continue;
          if (best === EOS) done[b] = 1;
          else words[b]!.push(best);
        }
        state = r.state;
      }
      return words.map((w) => this.vocab.decode(w));
    });
  }

  /** Corpus BLEU-4 and exact match (the caption is one of the references, word for word) of greedy captions. */
  private score(inputs: Float32Array[], references: string[][]): { bleu: number; exact: number; captions: string[] } {
    const captions = this.greedyInBatches(inputs);
    const words = (s: string): string[] => tokenize(s.toLowerCase(), 'word');
    const refs = references.map((r) => r.map(words));
    const hyps = captions.map(words);
    const exact = hyps.filter((h, i) => refs[i]!.some((r) => r.join(' ') === h.join(' '))).length / Math.max(1, hyps.length);
    return { bleu: corpusBleu(refs, hyps).bleu, exact, captions };
  }

  /** BLEU-4, exact match and the greedy captions on captioned images. */
  evaluate(examples: CaptionExample[]): { bleu: number; exact: number; captions: string[] } {
    return this.score(examples.map((e, i) => this.toInput(e.input, `image ${i + 1}`)), examples.map((e) => e.captions));
  }

  /** Captions one image; with `beam` > 1 by beam search. The attention over the grid comes with each word. */
  caption(image: RgbaImage | Float32Array, options: CaptionOptions = {}): CaptionResult {
    checkOptions('Captioner.caption', options, optionKeys<CaptionOptions>({ beam: true, maxLength: true }));
    const width = options.beam ?? 1;
    if (!(Number.isInteger(width) && width >= 1)) throw new ConfigError(`beam must be a positive integer, got ${width}`);
    const maxLength = options.maxLength ?? this.options.maxWords;
    const x = this.toInput(image);
    return noGrad(() => {
      this.model.eval();
      const enc = this.model.encode(this.batchInput([x]));
      const G = enc.grid[0] * enc.grid[1];
      // Every live hypothesis takes one batched step: states stacked as rows, the memory repeated.
      const repeat = enc.memory ? rowRepeater(enc.memory) : null;
      const all = beamSearchAll<RecurrentState, number[]>(enc.state, (live) => {
        const B = live.length;
        const r = this.model.step(Int32Array.from(live, (h) => h.tokens.at(-1) ?? BOS), B === 1 ? live[0]!.state : stackStates(live.map((h) => h.state)), repeat ? repeat(B) : null);
        const V = r.logProbs.length / B;
        return live.map((_, b) => ({
          logProbs: r.logProbs.subarray(b * V, (b + 1) * V), state: B === 1 ? r.state : stateRow(r.state, b), extra: r.weights ? Array.from(r.weights.subarray(b * G, (b + 1) * G)) : [],
        }));
      }, { width, maxLength, end: EOS, allowed: (v) => v > BOS, lengthNormalise: true });
      const best = all[0]!;
      const words = best.tokens.map((v) => this.vocab.tokens[v]!);
      return {
        text: this.vocab.decode(best.tokens), words, attention: enc.memory ? best.extras : [], grid: enc.grid,
        beam: all.map((h) => ({ text: this.vocab.decode(h.tokens), logp: h.logp })),
      };
    });
  }

  /** The model folder's files (config.json and model.safetensors). */
  toFiles(): { config: JsonValue; weights: Uint8Array } {
    return {
      config: modelEnvelope(this.model, { task: TASK, options: this.options as unknown as JsonValue, vocabulary: this.vocab.tokens as string[], history: this.history as unknown as JsonValue }) as unknown as JsonValue,
      weights: weightsToBytes(this.model.stateDict()),
    };
  }

  /** Reads what `toFiles` wrote; `where` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, where = 'model'): Captioner {
    const { extra: e } = checkTaskConfig(files.config, `${where}/config.json`, 'CaptionModel', TASK, 'a captioning model');
    const vocab = new Vocabulary('word', (e.vocabulary as string[] | undefined) ?? [], `${where}/config.json vocabulary`);
    const c = buildForWeights(files.weights, `${where}/config.json`, () => new Captioner(vocab, { ...CAPTION_DEFAULTS.model, maxWords: 20, ...(e.options as Partial<Resolved>) } as Resolved, 0));
    loadWeights(c.model, files.weights, `${where}/model.safetensors`);
    c.model.eval();
    c.history = (e.history as Captioner['history'] | undefined) ?? [];
    return c;
  }
}
