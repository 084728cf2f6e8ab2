/**
 * Recurrent stack -> the last time step's output -> Linear head: reads a
 * window of a series and writes a vector (forecasts, quantiles). Parameter
 * names match a PyTorch module with attributes `rnn` and `head`.
 */
import { ShapeError } from '../errors.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { type RecurrentStackConfig, stackOptions } from './recurrent-stack.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

export interface SequenceRegressorConfig extends RecurrentStackConfig {
  inputSize: number;
  outputSize: number;
  /** the keep gate's starting bias (LSTM f, GRU z; see RecurrentOptions.forgetBias); null: as the init leaves it */
  forgetBias?: number | null;
  /** chrono initialisation for dependencies up to this many steps (see RecurrentOptions.chronoInit); null: none */
  chronoInit?: number | null;
}

export class SequenceRegressor extends Module {
  readonly config: Required<SequenceRegressorConfig>;
  readonly rnn: RecurrentBase;
  readonly head: Linear;
  private steps = 0;

  constructor(config: SequenceRegressorConfig, rng?: Random) {
    super();
    this.config = { numLayers: 1, mode: 'LSTM', dropout: 0, projSize: 0, peepholes: false, linearBeforeReset: true, bias: true, forgetBias: null, chronoInit: null, ...config };
    const c = this.config;
    this.rnn = this.registerModule('rnn', createRecurrent(c.mode, {
      inputSize: c.inputSize, ...stackOptions(c), ...(rng ? { rng } : {}),
      ...(c.forgetBias !== null ? { forgetBias: c.forgetBias } : {}), ...(c.chronoInit !== null ? { chronoInit: c.chronoInit } : {}),
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

  /** gradOut is (B,outputSize): back into every parameter's grad. */
  backward(gradOut: Tensor): void {
    const gLast = this.head.backward(gradOut); // (B,P)
    const [B, P] = gLast.shape as [number, number];
    const T = this.steps;
    const g = new Float32Array(B * T * P);
    for (let b = 0; b < B; b++) g.set(gLast.data.subarray(b * P, (b + 1) * P), (b * T + T - 1) * P);
    this.rnn.backward({ gradOutput: new Tensor(g, [B, T, P]) });
  }
}
