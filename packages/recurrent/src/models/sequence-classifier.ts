/**
 * Embedding -> recurrent stack (uni- or bidirectional, variable lengths) ->
 * pooling over time -> Linear: reads a whole sequence and scores classes.
 * Pooling: 'max' (each feature's largest value over the valid steps), 'mean'
 * (over the valid steps) or 'last' (the final state of each direction).
 * Parameter names match a PyTorch module with attributes `embedding`, `rnn`
 * and `head`.
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { CellKind } from '../kernels/types.js';
import { Dropout, Embedding, Linear } from '../nn/layers.js';
import type { IndexTensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** How the recurrent outputs are pooled over time: max, mean, or the last state of each direction. */
export type Pooling = 'max' | 'mean' | 'last';

/** A sequence classifier: vocabulary (or feature size), embedding, recurrent stack, pooling and classes. */
export interface SequenceClassifierConfig {
  /** token vocabulary; 0 for a classifier of feature sequences (no embedding: `forward` takes (B,T,embeddingSize) floats) */
  vocabSize: number;
  /** embedding size, or the feature size when vocabSize is 0 */
  embeddingSize: number;
  hiddenSize: number;
  numClasses: number;
  /** default 1 */
  numLayers?: number;
  /** default 'LSTM' */
  mode?: CellKind;
  /** default true */
  bidirectional?: boolean;
  /** default 'max' */
  pooling?: Pooling;
  /** dropout on the pooled features and between recurrent layers (default 0) */
  dropout?: number;
  /** the padding token id: its embedding is zero and gets no gradient (default 0) */
  paddingIdx?: number;
  /**
   * Also feed the head the mean of the input embeddings (default true): a
   * bag-of-words path beside the recurrent one, which on small data sets
   * learns word polarity faster than the recurrent path alone.
   */
  bagOfEmbeddings?: boolean;
}

interface PoolCache {
  B: number;
  T: number;
  lengths: Int32Array;
  /** for max pooling: the step each feature came from */
  argmax: Int32Array | null;
}

export class SequenceClassifier extends Module {
  readonly config: Required<SequenceClassifierConfig>;
  readonly embedding: Embedding | null;
  readonly rnn: RecurrentBase;
  readonly drop: Dropout;
  readonly head: Linear;
  private pool: PoolCache | null = null;

  constructor(config: SequenceClassifierConfig, rng?: Random) {
    super();
    this.config = { numLayers: 1, mode: 'LSTM', bidirectional: true, pooling: 'max', dropout: 0, paddingIdx: 0, bagOfEmbeddings: true, ...config };
    const c = this.config;
    if (!['max', 'mean', 'last'].includes(c.pooling)) throw new ConfigError(`pooling must be max, mean or last, got '${c.pooling}'`);
    const r = rng ? { rng } : {};
    this.embedding = c.vocabSize > 0
      ? this.registerModule('embedding', new Embedding({ numEmbeddings: c.vocabSize, embeddingDim: c.embeddingSize, paddingIdx: c.paddingIdx, ...r }))
      : null;
    this.rnn = this.registerModule('rnn', createRecurrent(c.mode, {
      inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.numLayers > 1 ? c.dropout : 0,
      bidirectional: c.bidirectional, batchFirst: true, ...r,
    }));
    this.drop = this.registerModule('drop', new Dropout(c.dropout, rng));
    this.head = this.registerModule('head', new Linear({ inFeatures: this.features, outFeatures: c.numClasses, ...r }));
  }

  /** Features the head reads: the pooled recurrent output, and the mean embedding if asked. */
  get features(): number {
    return this.rnn.outputSize + (this.config.bagOfEmbeddings ? this.config.embeddingSize : 0);
  }

  /**
   * tokens (B,T) — or, without an embedding, features (B,T,embeddingSize) —
   * with each sequence's length (<= T, >= 1) -> class scores (B, numClasses).
   */
  forward(tokens: IndexTensor | Tensor, lengths: ArrayLike<number>): Tensor {
    const want = this.embedding ? 2 : 3;
    if (tokens.shape.length !== want) {
      throw new ShapeError(`SequenceClassifier.forward: input must be ${this.embedding ? '(batch, time) token ids' : `(batch, time, ${this.config.embeddingSize}) features`}, got [${tokens.shape.join(', ')}]`);
    }
    const [B, T] = tokens.shape as [number, number];
    if (lengths.length !== B) throw new ShapeError(`SequenceClassifier.forward: ${B} sequences but ${lengths.length} lengths`);
    const lens = Int32Array.from(lengths);
    for (const l of lens) if (!(l >= 1 && l <= T)) throw new ShapeError(`SequenceClassifier.forward: lengths must be in [1, ${T}], got ${l}`);
    const emb = this.embedding ? this.embedding.forward(tokens as IndexTensor) : (tokens as Tensor); // (B,T,E)
    const r = this.rnn.forward(emb, { lengths: lens });
    const F = this.rnn.outputSize;
    const FF = this.features;
    const pooled = new Float32Array(B * FF);
    let argmax: Int32Array | null = null;
    const y = r.output.data;
    if (this.config.pooling === 'max') {
      argmax = new Int32Array(B * F);
      for (let b = 0; b < B; b++) {
        for (let f = 0; f < F; f++) {
          let best = -Infinity;
          let at = 0;
          for (let t = 0; t < lens[b]!; t++) {
            const v = y[(b * T + t) * F + f]!;
            if (v > best) {
              best = v;
              at = t;
            }
          }
          pooled[b * FF + f] = best;
          argmax[b * F + f] = at;
        }
      }
    } else if (this.config.pooling === 'mean') {
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < lens[b]!; t++) for (let f = 0; f < F; f++) pooled[b * FF + f]! += y[(b * T + t) * F + f]!;
        for (let f = 0; f < F; f++) pooled[b * FF + f]! /= lens[b]!;
      }
    } else {
      // The last layer's final state of each direction: forward at its own last step, reverse at step 0.
      const P = this.rnn.stateSize;
      const D = this.rnn.numDirections;
      const L = this.rnn.numLayers;
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < D; d++) pooled.set(r.hN.data.subarray(((L - 1) * D + d) * B * P + b * P, ((L - 1) * D + d) * B * P + (b + 1) * P), b * FF + d * P);
      }
    }
    if (this.config.bagOfEmbeddings) {
      const E = this.config.embeddingSize;
      for (let b = 0; b < B; b++) {
        const at = b * FF + F;
        for (let t = 0; t < lens[b]!; t++) for (let e = 0; e < E; e++) pooled[at + e]! += emb.data[(b * T + t) * E + e]!;
        for (let e = 0; e < E; e++) pooled[at + e]! /= lens[b]!;
      }
    }
    this.pool = { B, T, lengths: lens, argmax };
    return this.head.forward(this.drop.forward(new Tensor(pooled, [B, FF])));
  }

  /** gradScores (B, numClasses) -> every parameter's grad. */
  backward(gradScores: Tensor): void {
    const p = this.pool;
    if (!p) throw new ShapeError('SequenceClassifier.backward: no forward to go back through');
    const gPooled = this.drop.backward(this.head.backward(gradScores)).data;
    const { B, T, lengths } = p;
    const F = this.rnn.outputSize;
    const FF = this.features;
    const E = this.config.embeddingSize;
    /** adds the bag-of-embeddings path's gradient to the recurrent path's dLoss/dEmbedding (B,T,E) */
    const withBag = (gEmb: Tensor): Tensor => {
      if (!this.config.bagOfEmbeddings) return gEmb;
      const g = gEmb.data;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < lengths[b]!; t++) for (let e = 0; e < E; e++) g[(b * T + t) * E + e]! += gPooled[b * FF + F + e]! / lengths[b]!;
      }
      return gEmb;
    };
    if (this.config.pooling === 'last') {
      const P = this.rnn.stateSize;
      const D = this.rnn.numDirections;
      const L = this.rnn.numLayers;
      const gh = new Float32Array(L * D * B * P);
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < D; d++) gh.set(gPooled.subarray(b * FF + d * P, b * FF + (d + 1) * P), ((L - 1) * D + d) * B * P + b * P);
      }
      const g = this.rnn.backward({ gradHN: new Tensor(gh, [L * D, B, P]) });
      this.embedding?.backward(withBag(g.gradInput));
    } else {
      const gy = new Float32Array(B * T * F);
      for (let b = 0; b < B; b++) {
        for (let f = 0; f < F; f++) {
          const g = gPooled[b * FF + f]!;
          if (p.argmax) gy[(b * T + p.argmax[b * F + f]!) * F + f] = g;
          else for (let t = 0; t < lengths[b]!; t++) gy[(b * T + t) * F + f] = g / lengths[b]!;
        }
      }
      const g = this.rnn.backward({ gradOutput: new Tensor(gy, [B, T, F]) });
      this.embedding?.backward(withBag(g.gradInput));
    }
    this.pool = null;
  }
}
