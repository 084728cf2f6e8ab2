/**
 * Recurrent stack (uni- or bidirectional, variable lengths) -> Linear on
 * every step: a score per class at each frame, the model behind CTC speech
 * recognition (frames of features in, characters and a blank out). Parameter
 * names match a PyTorch module with attributes `rnn` and `head`.
 */
import { ShapeError } from '../errors.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { type RecurrentStackConfig, STACK_DEFAULTS, stackOptions } from './recurrent-stack.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A tagger (an output per step): input size, tags, the recurrent stack and its directions. */
export interface SequenceTaggerConfig extends RecurrentStackConfig {
  inputSize: number;
  numClasses: number;
  /** read each sequence both ways (default true): every frame sees the whole utterance */
  bidirectional?: boolean;
}

/** The recurrent state a stream carries from one chunk to the next: h (numLayers, B, P) and, for an LSTM, c. */
export interface TaggerState {
  h: Tensor;
  c: Tensor | null;
}

export class SequenceTagger extends Module {
  readonly config: Required<SequenceTaggerConfig>;
  readonly rnn: RecurrentBase;
  readonly head: Linear;

  constructor(config: SequenceTaggerConfig, rng?: Random) {
    super();
    this.config = { ...STACK_DEFAULTS, bidirectional: true, ...config };
    const c = this.config;
    this.rnn = this.registerModule('rnn', createRecurrent(c.mode, {
      inputSize: c.inputSize, ...stackOptions(c), bidirectional: c.bidirectional, ...(rng ? { rng } : {}),
    }));
    this.head = this.registerModule('head', new Linear({ inFeatures: this.rnn.outputSize, outFeatures: c.numClasses, ...(rng ? { rng } : {}) }));
  }

  /**
   * x is (B,T,I) -> scores (B,T,numClasses). `lengths` (default all T):
   * sequence b's steps from lengths[b] on are padding, read by neither
   * direction (its scores there are the head's bias alone).
   */
  forward(x: Tensor, lengths: ArrayLike<number> | null = null): Tensor {
    if (x.rank !== 3) throw new ShapeError(`SequenceTagger.forward: input must be (batch, time, features), got [${x.shape.join(', ')}]`);
    return this.head.forward(this.rnn.forward(x, { lengths }).output);
  }

  /**
   * Streaming: x is (B,T,I), the next T steps of sequences whose earlier steps
   * left `state` (null: the start) -> their scores (B,T,numClasses) and the
   * state to carry on from. Unidirectional only: a reverse direction would need
   * the steps still to come.
   */
  forwardFrom(x: Tensor, state: TaggerState | null): { scores: Tensor; state: TaggerState } {
    if (this.config.bidirectional) throw new ShapeError('SequenceTagger.forwardFrom: a bidirectional tagger reads the whole sequence; stream with a unidirectional one');
    const out = this.rnn.forward(x, { h0: state?.h ?? null, c0: state?.c ?? null });
    return { scores: this.head.forward(out.output), state: { h: out.hN, c: out.cN } };
  }

  /** gradScores is (B,T,numClasses): back into every parameter's grad; returns dL/dx (B,T,I). */
  backward(gradScores: Tensor): Tensor {
    return this.rnn.backward({ gradOutput: this.head.backward(gradScores) }).gradInput;
  }
}
