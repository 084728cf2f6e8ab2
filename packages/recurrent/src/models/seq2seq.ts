/**
 * Encoder-decoder with Luong's global "dot" attention (Luong, Pham and
 * Manning 2015): the encoder LSTM/GRU reads the source; the decoder, started
 * from the encoder's final state, reads the target shifted right (teacher
 * forcing); at each decoder step
 *   a = softmax_s(dec_t . enc_s)            (source padding masked)
 *   context_t = sum_s a_s enc_s
 *   h~_t = tanh(W_c [context_t; dec_t] + b_c)
 *   logits_t = W_o h~_t + b_o
 * Attention is computed after the decoder step, so training runs both
 * recurrent layers over whole sequences; decoding runs the decoder one step
 * at a time (`step`). Forward and backward sit side by side.
 */
import { ShapeError } from '../errors.js';
import type { CellKind } from '../kernels/types.js';
import { Embedding, Linear } from '../nn/layers.js';
import type { IndexTensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import type { Random } from '../tensor/random.js';
import { logSoftmaxRows } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import type { RecurrentState } from './language-model.js';

export interface Seq2SeqConfig {
  sourceVocab: number;
  targetVocab: number;
  embeddingSize: number;
  hiddenSize: number;
  /** 'LSTM' (default) or 'GRU' */
  mode?: CellKind;
}

interface AttentionCache {
  B: number;
  S: number;
  T: number;
  enc: Float32Array; // (B,S,H)
  dec: Float32Array; // (B,T,H)
  attn: Float32Array; // (B,T,S)
  srcLengths: Int32Array;
}

export class Seq2Seq extends Module {
  readonly config: Required<Seq2SeqConfig>;
  readonly sourceEmbedding: Embedding;
  readonly targetEmbedding: Embedding;
  readonly encoder: RecurrentBase;
  readonly decoder: RecurrentBase;
  readonly combine: Linear;
  readonly head: Linear;
  private cache: AttentionCache | null = null;
  /** tanh(W_c [context; dec] + b_c) of the last forward, for its derivative */
  private tanhOut: Float32Array | null = null;
  /** the attention weights (B,T,S) of the last forward or step, for inspection */
  lastAttention: Tensor | null = null;

  constructor(config: Seq2SeqConfig, rng?: Random) {
    super();
    this.config = { mode: 'LSTM', ...config };
    const c = this.config;
    const r = rng ? { rng } : {};
    this.sourceEmbedding = this.registerModule('source_embedding', new Embedding({ numEmbeddings: c.sourceVocab, embeddingDim: c.embeddingSize, paddingIdx: 0, ...r }));
    this.targetEmbedding = this.registerModule('target_embedding', new Embedding({ numEmbeddings: c.targetVocab, embeddingDim: c.embeddingSize, paddingIdx: 0, ...r }));
    this.encoder = this.registerModule('encoder', createRecurrent(c.mode, { inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, batchFirst: true, ...r }));
    this.decoder = this.registerModule('decoder', createRecurrent(c.mode, { inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, batchFirst: true, ...r }));
    this.combine = this.registerModule('combine', new Linear({ inFeatures: 2 * c.hiddenSize, outFeatures: c.hiddenSize, ...r }));
    this.head = this.registerModule('head', new Linear({ inFeatures: c.hiddenSize, outFeatures: c.targetVocab, ...r }));
  }

  /** Encodes source ids (B,S) with lengths: outputs (B,S,H) and the final state. */
  encode(source: IndexTensor, lengths: ArrayLike<number>): { outputs: Tensor; state: RecurrentState } {
    const r = this.encoder.forward(this.sourceEmbedding.forward(source), { lengths });
    return { outputs: r.output, state: { h: r.hN, c: r.cN } };
  }

  /** Attention over the encoder outputs for decoder outputs (B,T,H): the combined h~ (B,T,H) and the weights (B,T,S). */
  private attend(enc: Float32Array, dec: Float32Array, B: number, S: number, T: number, srcLengths: Int32Array): { mixed: Float32Array; attn: Float32Array } {
    const H = this.config.hiddenSize;
    const attn = new Float32Array(B * T * S);
    const mixed = new Float32Array(B * T * 2 * H);
    for (let b = 0; b < B; b++) {
      const len = srcLengths[b]!;
      for (let t = 0; t < T; t++) {
        const d = dec.subarray((b * T + t) * H, (b * T + t + 1) * H);
        const a = attn.subarray((b * T + t) * S, (b * T + t + 1) * S);
        let max = -Infinity;
        for (let s = 0; s < len; s++) {
          let v = 0;
          const e = (b * S + s) * H;
          for (let h = 0; h < H; h++) v += d[h]! * enc[e + h]!;
          a[s] = v;
          if (v > max) max = v;
        }
        let z = 0;
        for (let s = 0; s < len; s++) z += a[s] = Math.exp(a[s]! - max);
        const row = (b * T + t) * 2 * H;
        for (let s = 0; s < len; s++) {
          a[s]! /= z;
          const e = (b * S + s) * H;
          for (let h = 0; h < H; h++) mixed[row + h]! += a[s]! * enc[e + h]!;
        }
        mixed.set(d, row + H);
      }
    }
    return { mixed, attn };
  }

  /**
   * Teacher forcing: source (B,S) with lengths, target inputs (B,T) (BOS then
   * the target shifted right) -> logits (B,T,targetVocab).
   */
  forward(source: IndexTensor, srcLengths: ArrayLike<number>, targetIn: IndexTensor): Tensor {
    const [B, S] = source.shape as [number, number];
    const [B2, T] = targetIn.shape as [number, number];
    if (B !== B2) throw new ShapeError(`Seq2Seq.forward: ${B} sources but ${B2} targets`);
    const lens = Int32Array.from(srcLengths);
    const enc = this.encode(source, lens);
    const dec = this.decoder.forward(this.targetEmbedding.forward(targetIn), { h0: enc.state.h, c0: enc.state.c });
    const { mixed, attn } = this.attend(enc.outputs.data, dec.output.data, B, S, T, lens);
    this.cache = { B, S, T, enc: enc.outputs.data, dec: dec.output.data, attn, srcLengths: lens };
    this.lastAttention = new Tensor(attn, [B, T, S]);
    const hTilde = this.combine.forward(new Tensor(mixed, [B, T, 2 * this.config.hiddenSize]));
    const th = new Tensor(hTilde.data.map(Math.tanh), hTilde.shape);
    this.tanhOut = th.data;
    return this.head.forward(th);
  }

  /** gradLogits (B,T,V) -> every parameter's grad. */
  backward(gradLogits: Tensor): void {
    const c = this.cache;
    if (!c || !this.tanhOut) throw new ShapeError('Seq2Seq.backward: no forward to go back through');
    const { B, S, T, enc, dec, attn, srcLengths } = c;
    const H = this.config.hiddenSize;
    const gTh = this.head.backward(gradLogits).data;
    const th = this.tanhOut;
    const gPre = new Float32Array(gTh.length);
    for (let i = 0; i < gTh.length; i++) gPre[i] = gTh[i]! * (1 - th[i]! * th[i]!);
    const gMixed = this.combine.backward(new Tensor(gPre, [B, T, H])).data; // (B,T,2H)
    const gEnc = new Float32Array(B * S * H);
    const gDec = new Float32Array(B * T * H);
    const gA = new Float32Array(S);
    for (let b = 0; b < B; b++) {
      const len = srcLengths[b]!;
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * 2 * H;
        const a = attn.subarray((b * T + t) * S, (b * T + t + 1) * S);
        const d = (b * T + t) * H;
        // The decoder output goes straight into the second half of [context; dec].
        for (let h = 0; h < H; h++) gDec[d + h]! += gMixed[row + H + h]!;
        // context = sum_s a_s enc_s
        let dot = 0;
        for (let s = 0; s < len; s++) {
          const e = (b * S + s) * H;
          let v = 0;
          for (let h = 0; h < H; h++) {
            v += gMixed[row + h]! * enc[e + h]!;
            gEnc[e + h]! += a[s]! * gMixed[row + h]!;
          }
          gA[s] = v;
          dot += a[s]! * v;
        }
        // softmax, then scores = dec . enc
        for (let s = 0; s < len; s++) {
          const gs = a[s]! * (gA[s]! - dot);
          const e = (b * S + s) * H;
          for (let h = 0; h < H; h++) {
            gDec[d + h]! += gs * enc[e + h]!;
            gEnc[e + h]! += gs * dec[d + h]!;
          }
        }
      }
    }
    const gDecIn = this.decoder.backward({ gradOutput: new Tensor(gDec, [B, T, H]) });
    this.targetEmbedding.backward(gDecIn.gradInput);
    const gEncIn = this.encoder.backward({ gradOutput: new Tensor(gEnc, [B, S, H]), gradHN: gDecIn.gradH0, gradCN: gDecIn.gradC0 });
    this.sourceEmbedding.backward(gEncIn.gradInput);
    this.cache = null;
    this.tanhOut = null;
  }

  /**
   * One decoding step for a batch of hypotheses: previous tokens (B), the
   * decoder state, the encoder outputs (B,S,H) with lengths -> log-probabilities
   * (B,V) and the new state. No gradient.
   */
  step(prev: Int32Array, state: RecurrentState, encOutputs: Tensor, srcLengths: Int32Array): { logProbs: Float32Array; state: RecurrentState } {
    const [B, S] = encOutputs.shape as [number, number, number];
    const H = this.config.hiddenSize;
    const emb = this.targetEmbedding.forward({ data: prev, shape: [B, 1] });
    const r = this.decoder.forward(emb, { h0: state.h, c0: state.c });
    const { mixed, attn } = this.attend(encOutputs.data, r.output.data, B, S, 1, srcLengths);
    this.lastAttention = new Tensor(attn, [B, 1, S]);
    const th = this.combine.forward(new Tensor(mixed, [B, 2 * H]));
    const logits = this.head.forward(new Tensor(th.data.map(Math.tanh), th.shape)).data;
    return { logProbs: logSoftmaxRows(logits, B, this.config.targetVocab), state: { h: r.hN, c: r.cN } };
  }
}
