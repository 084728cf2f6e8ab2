/**
 * An image captioner (Show and Tell, Vinyals et al. 2015; with attention over
 * the image's grid, after Show, Attend and Tell, Xu et al. 2015):
 *   grid   a small CNN (two blocks of 3x3 conv, ReLU, 2x2 max pool) turns the
 *          image (N,3,S,S) into (N,D,g,g), read as G = g*g feature vectors
 *          (N,G,D), each cell with its column and row in [-1, 1] appended (CoordConv,
 *          Liu et al. 2018: dot attention alone cannot tell where a cell is, and
 *          "left of" needs it); or the grid (N,G,D) comes precomputed (features
 *          from a pretrained network), G = 1 for one vector per image
 *   start  h0 = W_h mean_G(grid) + b_h and (LSTM) c0 = W_c mean_G(grid) + b_c: the
 *          decoder starts from the image, as Show, Attend and Tell's init_h and init_c
 *          (linear: behind a tanh, the first steps push h0 to the one start every
 *          caption shares, the tanh saturates, and the image is lost for good)
 *   decode an LSTM/GRU reads the caption shifted right (teacher forcing)
 *   attend with attention, memory = W_m grid (N,G,H), and at every word
 *          h~_t = tanh(W_c [context_t; dec_t] + b_c) (nn/attention.ts), logits = W_o h~_t;
 *          without, logits = W_o dec_t: the image reaches the words only through the start
 * Training runs the decoder over whole captions (attention after the step,
 * as Luong's), decoding one step at a time (`step`). Forward and backward
 * side by side.
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { CellKind } from '../kernels/types.js';
import { DotAttention } from '../nn/attention.js';
import { Conv2d, MaxPool2d, ReLU } from '../nn/conv.js';
import { Embedding, Linear, Sequential } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import type { Random } from '../tensor/random.js';
import { logSoftmaxRows } from '../tensor/ops.js';
import { type IndexTensor, Tensor } from '../tensor/tensor.js';
import type { RecurrentState } from './language-model.js';

/** A captioning network: the image encoder (or feature size), the decoder cell, sizes and attention. */
export interface CaptionerConfig {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  /** 'LSTM' (default) or 'GRU' */
  mode?: CellKind;
  /** attend over the grid at every word (default true) */
  attention?: boolean;
  /**
   * The image side in pixels for the built-in CNN (a multiple of 4), or null when the grid comes
   * precomputed with `featureSize` values per cell.
   */
  imageSize: number | null;
  /** channels of the CNN's two blocks (default [16, 32]) */
  channels?: [number, number];
  /** values per grid cell of precomputed features (imageSize null) */
  featureSize?: number;
  /** cells of a precomputed grid (default 1: one vector per image) */
  gridCells?: number;
}

/** The image read: the grid as memory for attention, the start state, the grid's side (cells per row). */
export interface EncodedImages {
  /** (N,G,H) with attention, else null */
  memory: Tensor | null;
  state: RecurrentState;
  /** rows and columns of the grid (G = rows * cols); [1, G] for precomputed features */
  grid: [number, number];
}

interface EncodeCache {
  N: number;
  G: number;
  D: number;
}

export class CaptionModel extends Module {
  readonly config: Required<Omit<CaptionerConfig, 'imageSize'>> & { imageSize: number | null };
  readonly cnn: Sequential | null;
  readonly init: Linear;
  readonly initCell: Linear | null;
  readonly memory: Linear | null;
  readonly embedding: Embedding;
  readonly decoder: RecurrentBase;
  readonly attention: DotAttention | null;
  readonly combine: Linear | null;
  readonly head: Linear;
  /** the attention weights (B,T,G) of the last forward or step, for inspection */
  lastAttention: Tensor | null = null;
  private tanhOut: Float32Array | null = null;
  private encodeCache: EncodeCache[] = [];

  constructor(config: CaptionerConfig, rng?: Random) {
    super();
    const channels = config.channels ?? [16, 32];
    if (config.imageSize !== null && !(Number.isInteger(config.imageSize) && config.imageSize >= 8 && config.imageSize % 4 === 0)) {
      throw new ConfigError(`CaptionModel imageSize must be a multiple of 4, at least 8, got ${config.imageSize}`);
    }
    const featureSize = config.imageSize === null ? config.featureSize ?? 0 : channels[1] + 2;
    if (!(Number.isInteger(featureSize) && featureSize > 0)) throw new ConfigError(`CaptionModel: precomputed features need featureSize, a positive integer, got ${config.featureSize}`);
    const gridCells = config.imageSize === null ? config.gridCells ?? 1 : (config.imageSize / 4) ** 2;
    if (!(Number.isInteger(gridCells) && gridCells > 0)) throw new ConfigError(`CaptionModel gridCells must be a positive integer, got ${config.gridCells}`);
    this.config = { mode: 'LSTM', attention: true, channels, ...config, featureSize, gridCells };
    const c = this.config;
    if (c.mode !== 'LSTM' && c.mode !== 'GRU') throw new ConfigError(`CaptionModel cells are LSTM or GRU, got '${c.mode}'`);
    const r = rng ? { rng } : {};
    this.cnn = c.imageSize === null ? null : this.registerModule('cnn', new Sequential(
      new Conv2d({ inChannels: 3, outChannels: channels[0], kernelSize: 3, padding: 1, ...r }), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
      new Conv2d({ inChannels: channels[0], outChannels: channels[1], kernelSize: 3, padding: 1, ...r }), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    ));
    this.init = this.registerModule('init', new Linear({ inFeatures: featureSize, outFeatures: c.hiddenSize, ...r }));
    this.initCell = c.mode === 'LSTM' ? this.registerModule('init_cell', new Linear({ inFeatures: featureSize, outFeatures: c.hiddenSize, ...r })) : null;
    this.memory = c.attention ? this.registerModule('memory', new Linear({ inFeatures: featureSize, outFeatures: c.hiddenSize, ...r })) : null;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: c.vocabSize, embeddingDim: c.embeddingSize, paddingIdx: 0, ...r }));
    this.decoder = this.registerModule('decoder', createRecurrent(c.mode, { inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, batchFirst: true, ...r }));
    this.attention = c.attention ? this.registerModule('attention', new DotAttention()) : null;
    this.combine = c.attention ? this.registerModule('combine', new Linear({ inFeatures: 2 * c.hiddenSize, outFeatures: c.hiddenSize, ...r })) : null;
    this.head = this.registerModule('head', new Linear({ inFeatures: c.hiddenSize, outFeatures: c.vocabSize, ...r }));
  }

  /** The grid's rows and columns: S/4 each for the CNN, [1, G] for precomputed features. */
  get grid(): [number, number] {
    const S = this.config.imageSize;
    return S !== null ? [S / 4, S / 4] : [1, this.config.gridCells];
  }

  private gridCells(): number {
    const [r, c] = this.grid;
    return r * c;
  }

  /** images (N,3,S,S), or precomputed features (N,G,D) -> the memory, the start state and the grid. */
  encode(input: Tensor): EncodedImages {
    const c = this.config;
    const D = c.featureSize;
    const G = this.gridCells();
    let grid: Float32Array;
    if (this.cnn) {
      const S = c.imageSize!;
      if (input.rank !== 4 || input.shape[1] !== 3 || input.shape[2] !== S || input.shape[3] !== S) {
        throw new ShapeError(`CaptionModel.encode: images must be (N, 3, ${S}, ${S}), got [${input.shape.join(', ')}]`);
      }
      const maps = this.cnn.forward(input); // (N,D-2,g,g)
      grid = withCoordinates(maps.data, maps.shape[0]!, D - 2, this.grid); // (N,G,D)
    } else {
      if (input.rank !== 3 || input.shape[1] !== G || input.shape[2] !== D) throw new ShapeError(`CaptionModel.encode: features must be (N, ${G}, ${D}), got [${input.shape.join(', ')}]`);
      grid = input.data;
    }
    const N = grid.length / (G * D);
    const mean = new Float32Array(N * D);
    for (let n = 0; n < N; n++) for (let g = 0; g < G; g++) for (let d = 0; d < D; d++) mean[n * D + d] += grid[(n * G + g) * D + d]! / G;
    const H = c.hiddenSize;
    const pooled = new Tensor(mean, [N, D]);
    const h0 = this.init.forward(pooled).data;
    const c0 = this.initCell ? this.initCell.forward(pooled).data : null;
    const memory = this.memory ? this.memory.forward(new Tensor(grid, [N, G, D])) : null;
    if (this.recording) this.encodeCache.push({ N, G, D });
    return { memory, grid: this.grid, state: { h: new Tensor(h0, [1, N, H]), c: c0 ? new Tensor(c0, [1, N, H]) : null } };
  }

  /** Back through encode: the start state's gradients (1,N,H) and the memory's (N,G,H). */
  private encodeBackward(gradH0: Tensor, gradC0: Tensor | null, gradMemory: Tensor | null): void {
    const e = this.encodeCache.pop();
    if (!e) throw new ShapeError('CaptionModel.backward: no encode to go back through');
    const { N, G, D } = e;
    const H = this.config.hiddenSize;
    const gMean = this.init.backward(new Tensor(gradH0.data, [N, H])).data; // (N,D)
    if (this.initCell && gradC0) {
      const gc = this.initCell.backward(new Tensor(gradC0.data, [N, H])).data;
      for (let i = 0; i < gMean.length; i++) gMean[i] += gc[i]!;
    }
    const gGrid = this.memory && gradMemory ? this.memory.backward(gradMemory).data : new Float32Array(N * G * D);
    for (let n = 0; n < N; n++) for (let g = 0; g < G; g++) for (let d = 0; d < D; d++) gGrid[(n * G + g) * D + d] += gMean[n * D + d]! / G;
    if (this.cnn) {
      const [gh, gw] = this.grid;
      // The coordinates are constants: their columns' gradient goes nowhere.
      this.cnn.backward(new Tensor(dropCoordinates(gGrid, N, G, D), [N, D - 2, gh, gw]));
    }
  }

  /** Decoder outputs (B,T,H) -> logits (B,T,V), through attention when the model has it. */
  private words(dec: Tensor, memory: Tensor | null): Tensor {
    if (!this.attention || !this.combine || !memory) return this.head.forward(dec);
    const { output, weights } = this.attention.forward(dec, memory);
    this.lastAttention = weights;
    const pre = this.combine.forward(output);
    const th = pre.data.map(Math.tanh);
    if (this.recording) this.tanhOut = th;
    return this.head.forward(new Tensor(th, pre.shape));
  }

  /** Teacher forcing: images or features, caption inputs (B,T) (BOS, then the caption) -> logits (B,T,V). */
  forward(input: Tensor, captionIn: IndexTensor): Tensor {
    const enc = this.encode(input);
    const B = enc.state.h.shape[1]!;
    if (captionIn.shape[0] !== B) throw new ShapeError(`CaptionModel.forward: ${B} images but ${captionIn.shape[0]} captions`);
    const dec = this.decoder.forward(this.embedding.forward(captionIn), { h0: enc.state.h, c0: enc.state.c });
    return this.words(dec.output, enc.memory);
  }

  /** gradLogits (B,T,V) -> every parameter's grad. */
  backward(gradLogits: Tensor): void {
    const g = this.head.backward(gradLogits);
    let gDec = g;
    let gMemory: Tensor | null = null;
    if (this.attention && this.combine) {
      const th = this.tanhOut;
      if (!th) throw new ShapeError('CaptionModel.backward: no forward to go back through');
      const gPre = new Float32Array(g.size);
      for (let i = 0; i < gPre.length; i++) gPre[i] = g.data[i]! * (1 - th[i]! * th[i]!);
      const r = this.attention.backward(this.combine.backward(new Tensor(gPre, g.shape)));
      gDec = r.gradQuery;
      gMemory = r.gradMemory;
      this.tanhOut = null;
    }
    const d = this.decoder.backward({ gradOutput: gDec });
    this.embedding.backward(d.gradInput);
    this.encodeBackward(d.gradH0, d.gradC0, gMemory);
  }

  /**
   * One decoding step for B hypotheses: previous tokens (B), the decoder state, the memory (B,G,H)
   * (null without attention) -> log-probabilities (B,V), the new state, the attention weights (B,G) or null.
   */
  step(prev: Int32Array, state: RecurrentState, memory: Tensor | null): { logProbs: Float32Array; state: RecurrentState; weights: Float32Array | null } {
    const B = prev.length;
    const emb = this.embedding.forward({ data: prev, shape: [B, 1] });
    const r = this.decoder.forward(emb, { h0: state.h, c0: state.c });
    const logits = this.words(r.output, memory).data;
    return { logProbs: logSoftmaxRows(logits, B, this.config.vocabSize), state: { h: r.hN, c: r.cN }, weights: this.attention ? this.lastAttention!.data : null };
  }
}

/** Maps (N,C,rows*cols) -> the grid (N,G,C+2): each cell's C values, then its column and row scaled to [-1, 1]. */
function withCoordinates(maps: Float32Array, N: number, C: number, [rows, cols]: [number, number]): Float32Array {
  const G = rows * cols;
  const D = C + 2;
  const y = new Float32Array(N * G * D);
  const at = (k: number, n: number): number => (n > 1 ? (2 * k) / (n - 1) - 1 : 0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const row = (n * G + g) * D;
      for (let ch = 0; ch < C; ch++) y[row + ch] = maps[(n * C + ch) * G + g]!;
      y[row + C] = at(g % cols, cols);
      y[row + C + 1] = at(Math.floor(g / cols), rows);
    }
  }
  return y;
}

/** The gradient of the grid (N,G,D) back to the maps (N,D-2,G), the coordinates left out. */
function dropCoordinates(grid: Float32Array, N: number, G: number, D: number): Float32Array {
  const C = D - 2;
  const y = new Float32Array(N * C * G);
  for (let n = 0; n < N; n++) for (let g = 0; g < G; g++) for (let ch = 0; ch < C; ch++) y[(n * C + ch) * G + g] = grid[(n * G + g) * D + ch]!;
  return y;
}
