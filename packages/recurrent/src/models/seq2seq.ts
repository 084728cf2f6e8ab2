/**
 * Encoder-decoder with Luong's global "dot" attention (Luong, Pham and
 * Manning 2015): the encoder LSTM/GRU reads the source; the decoder, started
 * from the encoder's final state, reads the target shifted right (teacher
 * forcing); at each decoder step
 *   a = softmax_s(dec_t . enc_s)            (source padding masked)
 *   context_t = sum_s a_s enc_s
 *   h~_t = tanh(W_c [context_t; dec_t] + b_c)
 *   logits_t = W_o h~_t + b_o
 * Attention (nn/attention.ts) is computed after the decoder step, so training
 * runs both recurrent layers over whole sequences; decoding runs the decoder
 * one step at a time (`step`). Forward and backward sit side by side.
 */
import { ShapeError } from '../errors.js';
import type { CellKind } from '../kernels/types.js';
import { DotAttention } from '../nn/attention.js';
import { Embedding, Linear } from '../nn/layers.js';
import type { IndexTensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import type { Random } from '../tensor/random.js';
import { logSoftmaxRows } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import type { RecurrentState } from './language-model.js';

/** An encoder-decoder with attention: the two vocabularies, sizes and the cell. */
export interface Seq2SeqConfig {
  sourceVocab: number;
  targetVocab: number;
  embeddingSize: number;
  hiddenSize: number;
  /** 'LSTM' (default) or 'GRU' */
  mode?: CellKind;
}

export class Seq2Seq extends Module {
  readonly config: Required<Seq2SeqConfig>;
  readonly sourceEmbedding: Embedding;
  readonly targetEmbedding: Embedding;
  readonly encoder: RecurrentBase;
  readonly decoder: RecurrentBase;
  readonly attention: DotAttention;
  readonly combine: Linear;
  readonly head: Linear;
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
    this.attention = this.registerModule('attention', new DotAttention());
    this.combine = this.registerModule('combine', new Linear({ inFeatures: 2 * c.hiddenSize, outFeatures: c.hiddenSize, ...r }));
    this.head = this.registerModule('head', new Linear({ inFeatures: c.hiddenSize, outFeatures: c.targetVocab, ...r }));
  }

  /** Encodes source ids (B,S) with lengths: outputs (B,S,H) and the final state. */
  encode(source: IndexTensor, lengths: ArrayLike<number>): { outputs: Tensor; state: RecurrentState } {
    const r = this.encoder.forward(this.sourceEmbedding.forward(source), { lengths });
    return { outputs: r.output, state: { h: r.hN, c: r.cN } };
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
    const { output: mixed, weights } = this.attention.forward(dec.output, enc.outputs, lens);
    this.lastAttention = weights;
    const hTilde = this.combine.forward(mixed);
    const th = new Tensor(hTilde.data.map(Math.tanh), hTilde.shape);
    this.tanhOut = th.data;
    return this.head.forward(th);
  }

  /** gradLogits (B,T,V) -> every parameter's grad. */
  backward(gradLogits: Tensor): void {
    const th = this.tanhOut;
    if (!th) throw new ShapeError('Seq2Seq.backward: no forward to go back through');
    const gTh = this.head.backward(gradLogits);
    const gPre = new Float32Array(gTh.size);
    for (let i = 0; i < gPre.length; i++) gPre[i] = gTh.data[i]! * (1 - th[i]! * th[i]!);
    const { gradQuery, gradMemory } = this.attention.backward(this.combine.backward(new Tensor(gPre, gTh.shape)));
    const gDecIn = this.decoder.backward({ gradOutput: gradQuery });
    this.targetEmbedding.backward(gDecIn.gradInput);
    const gEncIn = this.encoder.backward({ gradOutput: gradMemory, gradHN: gDecIn.gradH0, gradCN: gDecIn.gradC0 });
    this.sourceEmbedding.backward(gEncIn.gradInput);
    this.tanhOut = null;
  }

  /**
   * One decoding step for a batch of hypotheses: previous tokens (B), the
   * decoder state, the encoder outputs (B,S,H) with lengths -> log-probabilities
   * (B,V) and the new state. No gradient.
   */
  step(prev: Int32Array, state: RecurrentState, encOutputs: Tensor, srcLengths: Int32Array): { logProbs: Float32Array; state: RecurrentState } {
    const B = encOutputs.shape[0]!;
    const H = this.config.hiddenSize;
    const emb = this.targetEmbedding.forward({ data: prev, shape: [B, 1] });
    const r = this.decoder.forward(emb, { h0: state.h, c0: state.c });
    const { output: mixed, weights } = this.attention.forward(r.output, encOutputs, srcLengths);
    this.lastAttention = weights;
    const th = this.combine.forward(new Tensor(mixed.data, [B, 2 * H]));
    const logits = this.head.forward(new Tensor(th.data.map(Math.tanh), th.shape)).data;
    return { logProbs: logSoftmaxRows(logits, B, this.config.targetVocab), state: { h: r.hN, c: r.cN } };
  }
}
