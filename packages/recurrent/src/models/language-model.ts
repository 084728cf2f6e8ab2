/**
 * Embedding -> recurrent stack -> Linear head over the vocabulary: the model
 * behind text generation and the `train` conformance fixtures. Parameter names
 * match a PyTorch module with attributes `embedding`, `rnn` and `head`.
 */
import { ShapeError } from '../errors.js';
import { Embedding, Linear } from '../nn/layers.js';
import type { IndexTensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { RecurrentBackwardOptions, RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { type RecurrentStackConfig, STACK_DEFAULTS, stackOptions } from './recurrent-stack.js';
import type { Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export interface LanguageModelConfig extends RecurrentStackConfig {
  vocabSize: number;
  embeddingSize: number;
  /** a bidirectional recurrent stack (default false): a per-step tagger rather than a generator */
  bidirectional?: boolean;
}

/** The recurrent state carried between calls: h (L,B,P) and, for an LSTM, c (L,B,H). */
export interface RecurrentState {
  h: Tensor;
  c: Tensor | null;
}

export class LanguageModel extends Module {
  readonly config: Required<LanguageModelConfig>;
  readonly embedding: Embedding;
  readonly rnn: RecurrentBase;
  readonly head: Linear;

  constructor(config: LanguageModelConfig, rng?: Random) {
    super();
    this.config = { ...STACK_DEFAULTS, bidirectional: false, ...config };
    const c = this.config;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: c.vocabSize, embeddingDim: c.embeddingSize, ...(rng ? { rng } : {}) }));
    this.rnn = this.registerModule('rnn', createRecurrent(c.mode, {
      inputSize: c.embeddingSize, ...stackOptions(c), bidirectional: c.bidirectional, ...(rng ? { rng } : {}),
    }));
    this.head = this.registerModule('head', new Linear({ inFeatures: this.rnn.outputSize, outFeatures: c.vocabSize, ...(rng ? { rng } : {}) }));
  }

  /**
   * tokens (B,T) -> logits (B,T,vocab). `state` continues from an earlier
   * chunk (truncated BPTT: no gradient flows back into it); null starts at zeros.
   */
  forward(tokens: IndexTensor, state: RecurrentState | null = null): { logits: Tensor; state: RecurrentState } {
    if (tokens.shape.length !== 2) throw new ShapeError(`LanguageModel.forward: tokens must be (batch, time), got [${tokens.shape.join(', ')}]`);
    const emb = this.embedding.forward(tokens);
    const r = this.rnn.forward(emb, { h0: state?.h ?? null, c0: state?.c ?? null });
    const logits = this.head.forward(r.output);
    return { logits, state: { h: r.hN, c: r.cN } };
  }

  /**
   * Back from dLoss/dlogits (B,T,vocab) to every parameter's grad. With
   * `{ stateGrads: true }`, returns dL/dh_t of every step and layer,
   * (numLayers*D, B, T, P) (see RecurrentInputGradients.gradStates).
   */
  backward(gradLogits: Tensor, options: RecurrentBackwardOptions = {}): Tensor | null {
    const gOut = this.head.backward(gradLogits);
    const g = this.rnn.backward({ gradOutput: gOut }, options);
    this.embedding.backward(g.gradInput);
    return g.gradStates;
  }
}
