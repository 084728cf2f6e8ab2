/**
 * Embedding -> recurrent stack -> head over the vocabulary: the model behind
 * text generation and the `train` conformance fixtures. Parameter names
 * match a PyTorch module with attributes `embedding`, `rnn` and `head`. The
 * head is a Linear layer, or for large vocabularies an adaptive softmax
 * (`adaptive`: torch.nn.AdaptiveLogSoftmaxWithLoss, so `head.head.weight`,
 * `head.tail.0.0.weight`, ...), which trains without scoring every word.
 */
import { BackwardError, ConfigError, ShapeError } from '../errors.js';
import { crossEntropy } from '../losses/losses.js';
import { AdaptiveLogSoftmaxWithLoss } from '../nn/adaptive-softmax.js';
import { Embedding, Linear } from '../nn/layers.js';
import type { IndexTensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import type { RecurrentBackwardOptions, RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { type RecurrentStackConfig, STACK_DEFAULTS, stackOptions } from './recurrent-stack.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** An adaptive softmax head (see AdaptiveLogSoftmaxWithLoss): where the vocabulary is cut, ids sorted by frequency. */
export interface AdaptiveHeadConfig {
  cutoffs: number[];
  /** default 4 */
  divValue?: number;
}

/** A language model: the vocabulary size, embedding, recurrent stack, and an optional adaptive softmax head. */
export interface LanguageModelConfig extends RecurrentStackConfig {
  vocabSize: number;
  embeddingSize: number;
  /** a bidirectional recurrent stack (default false): a per-step tagger rather than a generator */
  bidirectional?: boolean;
  /** an adaptive softmax head instead of a Linear one (default null) */
  adaptive?: AdaptiveHeadConfig | null;
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
  readonly head: Linear | AdaptiveLogSoftmaxWithLoss;
  /** what `loss` recorded for `backwardLoss`: the Linear head's gradient of the loss (the adaptive head keeps its own), and the stack's output shape */
  private readonly lossGrads: Array<{ grad: Tensor | null; shape: number[] }> = [];

  constructor(config: LanguageModelConfig, rng?: Random) {
    super();
    this.config = { ...STACK_DEFAULTS, bidirectional: false, adaptive: null, ...config };
    const c = this.config;
    if (c.adaptive !== null && (typeof c.adaptive !== 'object' || Array.isArray(c.adaptive))) {
      throw new ConfigError(`LanguageModel: adaptive must be { cutoffs, divValue } or null, got ${JSON.stringify(c.adaptive)}`);
    }
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: c.vocabSize, embeddingDim: c.embeddingSize, ...(rng ? { rng } : {}) }));
    this.rnn = this.registerModule('rnn', createRecurrent(c.mode, {
      inputSize: c.embeddingSize, ...stackOptions(c), bidirectional: c.bidirectional, ...(rng ? { rng } : {}),
    }));
    this.head = this.registerModule('head', c.adaptive
      ? new AdaptiveLogSoftmaxWithLoss({ inFeatures: this.rnn.outputSize, nClasses: c.vocabSize, cutoffs: c.adaptive.cutoffs, ...(c.adaptive.divValue !== undefined ? { divValue: c.adaptive.divValue } : {}), ...(rng ? { rng } : {}) })
      : new Linear({ inFeatures: this.rnn.outputSize, outFeatures: c.vocabSize, ...(rng ? { rng } : {}) }));
  }

  /** The Linear head, for what needs one weight per word (export, the stepper); a clear error for an adaptive head. */
  linearHead(what: string): Linear {
    if (this.head instanceof Linear) return this.head;
    throw new ConfigError(`${what}: this model has an adaptive softmax head, not one Linear layer over the vocabulary`);
  }

  private hidden(tokens: IndexTensor, state: RecurrentState | null): { output: Tensor; state: RecurrentState } {
    if (tokens.shape.length !== 2) throw new ShapeError(`LanguageModel: tokens must be (batch, time), got [${tokens.shape.join(', ')}]`);
    const emb = this.embedding.forward(tokens);
    const r = this.rnn.forward(emb, { h0: state?.h ?? null, c0: state?.c ?? null });
    return { output: r.output, state: { h: r.hN, c: r.cN } };
  }

  /**
   * tokens (B,T) -> logits (B,T,vocab). `state` continues from an earlier
   * chunk (truncated BPTT: no gradient flows back into it); null starts at
   * zeros. With an adaptive head the logits are the log-probabilities it
   * gives every word (the same softmax), and nothing is recorded for the
   * head's backward: train through `loss`.
   */
  forward(tokens: IndexTensor, state: RecurrentState | null = null): { logits: Tensor; state: RecurrentState } {
    const r = this.hidden(tokens, state);
    if (this.head instanceof Linear) return { logits: this.head.forward(r.output), state: r.state };
    const [B, T, P] = r.output.shape as [number, number, number];
    const lp = this.head.logProb(new Tensor(r.output.data, [B * T, P]));
    return { logits: new Tensor(lp.data, [B, T, this.config.vocabSize]), state: r.state };
  }

  /**
   * Mean cross-entropy of the next tokens: tokens (B,T), targets (B*T).
   * With an adaptive head this never scores the whole vocabulary. Records
   * what `backwardLoss` needs (in training mode).
   */
  loss(tokens: IndexTensor, targets: ArrayLike<number>, state: RecurrentState | null = null): { loss: number; state: RecurrentState } {
    const r = this.hidden(tokens, state);
    if (this.head instanceof Linear) {
      const l = crossEntropy(this.head.forward(r.output), targets);
      if (this.recording) this.lossGrads.push({ grad: l.grad, shape: r.output.shape.slice() });
      return { loss: l.loss, state: r.state };
    }
    const [B, T, P] = r.output.shape as [number, number, number];
    const l = this.head.forward(new Tensor(r.output.data, [B * T, P]), targets);
    if (this.recording) this.lossGrads.push({ grad: null, shape: r.output.shape.slice() });
    return { loss: l.loss, state: r.state };
  }

  /** Back from the last `loss` to every parameter's grad (see `backward` for the options). */
  backwardLoss(options: RecurrentBackwardOptions = {}): Tensor | null {
    if (this.lossGrads.length === 0) throw new BackwardError('LanguageModel.backwardLoss: no recorded loss to go back through (call loss in training mode first)');
    const { grad, shape } = this.lossGrads.pop()!;
    if (grad) return this.backward(grad, options);
    // The adaptive head saw the stack's output as (B*T, P).
    const gOut = (this.head as AdaptiveLogSoftmaxWithLoss).backward();
    return this.backThroughStack(new Tensor(gOut.data, shape), options);
  }

  /**
   * Back from dLoss/dlogits (B,T,vocab) to every parameter's grad (a Linear
   * head). With `{ stateGrads: true }`, returns dL/dh_t of every step and
   * layer, (numLayers*D, B, T, P) (see RecurrentInputGradients.gradStates).
   */
  backward(gradLogits: Tensor, options: RecurrentBackwardOptions = {}): Tensor | null {
    const gOut = this.linearHead('LanguageModel.backward').backward(gradLogits);
    return this.backThroughStack(gOut, options);
  }

  private backThroughStack(gOut: Tensor, options: RecurrentBackwardOptions): Tensor | null {
    const g = this.rnn.backward({ gradOutput: gOut }, options);
    this.embedding.backward(g.gradInput);
    return g.gradStates;
  }
}
