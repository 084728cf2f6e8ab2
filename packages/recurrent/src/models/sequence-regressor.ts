/**
 * Recurrent stack -> the last time step's output -> Linear head: reads a
 * window of a series and writes a vector (forecasts, quantiles). Parameter
 * names match a PyTorch module with attributes `rnn` and `head`.
 */
import { ShapeError } from '../errors.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { RecurrentBackwardOptions, RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { type RecurrentStackConfig, STACK_DEFAULTS, stackOptions } from './recurrent-stack.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A sequence regressor: input and output sizes and the recurrent stack. */
export interface SequenceRegressorConfig extends RecurrentStackConfig {
  inputSize: number;
  outputSize: number;
}

export class SequenceRegressor extends Module {
  readonly config: Required<SequenceRegressorConfig>;
  readonly rnn: RecurrentBase;
  readonly head: Linear;
  private steps = 0;

  constructor(config: SequenceRegressorConfig, rng?: Random) {
    super();
    this.config = { ...STACK_DEFAULTS, ...config };
    const c = this.config;
    this.rnn = this.registerModule('rnn', createRecurrent(c.mode, {
      inputSize: c.inputSize, ...stackOptions(c), ...(rng ? { rng } : {}),
    }));
    this.head = this.registerModule('head', new Linear({ inFeatures: this.rnn.outputSize, outFeatures: c.outputSize, ...(rng ? { rng } : {}) }));
  }

  /** x is (B,T,I) -> (B,outputSize), from the output at the last step. */
  forward(x: Tensor): Tensor {
    if (x.rank !== 3) throw new ShapeError(`SequenceRegressor.forward: input must be (batch, time, features), got [${x.shape.join(', ')}]`);
    const [B, T] = x.shape as [number, number, number];
    const out = this.rnn.forward(x).output; // (B,T,P)
    const P = this.rnn.outputSize;
    const last = new Float32Array(B * P);
    for (let b = 0; b < B; b++) last.set(out.data.subarray((b * T + T - 1) * P, (b * T + T) * P), b * P);
    this.steps = T;
    return this.head.forward(new Tensor(last, [B, P]));
  }

  /**
   * gradOut is (B,outputSize): back into every parameter's grad. With
   * `{ stateGrads: true }`, returns dL/dh_t of every step and layer,
   * (numLayers*D, B, T, P) (see RecurrentInputGradients.gradStates).
   */
  backward(gradOut: Tensor, options: RecurrentBackwardOptions = {}): Tensor | null {
    const gLast = this.head.backward(gradOut); // (B,P)
    const [B, P] = gLast.shape as [number, number];
    const T = this.steps;
    const g = new Float32Array(B * T * P);
    for (let b = 0; b < B; b++) g.set(gLast.data.subarray(b * P, (b + 1) * P), (b * T + T - 1) * P);
    return this.rnn.backward({ gradOutput: new Tensor(g, [B, T, P]) }, options).gradStates;
  }
}
