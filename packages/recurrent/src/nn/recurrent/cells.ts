/**
 * Single-step cells (torch.nn.LSTMCell / GRUCell / RNNCell) for step-by-step
 * use: generation, decoders, custom loops. They run the same fused kernels as
 * the sequence modules (a sequence of length 1), and keep one cache per call,
 * so a loop of steps back-propagates by calling backward in reverse order.
 */
import { ConfigError, ShapeError, checkOptions, expectPositiveInt, expectShape, optionKeys } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { Random, defaultRandom } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { uniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type CellKind, type DirectionCache, type DirectionDims, gateCount } from '../../kernels/types.js';

/** Options of `LSTMCell`, `GRUCell` and `RNNCell`. */
export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  rng?: Random;
}

const CELL_KEYS = optionKeys<CellOptions>({ inputSize: true, hiddenSize: true, bias: true, rng: true });

/** A cell's state between steps. */
export interface CellState {
  /** hidden state (B,H) */
  h: Tensor;
  /** cell state (B,H), LSTM only */
  c: Tensor | null;
}

/** What a cell's backward returns: the gradients of the step's input and of the state it was given. */
export interface CellGradients {
  gradInput: Tensor;
  gradH: Tensor;
  gradC: Tensor | null;
}

interface CellCache {
  B: number;
  x: Float32Array;
  direction: DirectionCache;
}

abstract class CellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly weight_ih: Parameter;
  readonly weight_hh: Parameter;
  readonly bias_ih: Parameter | null;
  readonly bias_hh: Parameter | null;

  protected constructor(readonly kind: CellKind, options: CellOptions) {
    super();
    checkOptions(this.constructor.name, options, CELL_KEYS);
    expectPositiveInt(`${this.constructor.name} inputSize`, options.inputSize);
    expectPositiveInt(`${this.constructor.name} hiddenSize`, options.hiddenSize);
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.bias = options.bias ?? true;
    const GH = gateCount(kind) * this.hiddenSize;
    this.weight_ih = this.registerParameter('weight_ih', Parameter.zeros([GH, this.inputSize]));
    this.weight_hh = this.registerParameter('weight_hh', Parameter.zeros([GH, this.hiddenSize]));
    this.bias_ih = this.bias ? this.registerParameter('bias_ih', Parameter.zeros([GH])) : null;
    this.bias_hh = this.bias ? this.registerParameter('bias_hh', Parameter.zeros([GH])) : null;
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    const rng = options.rng ?? defaultRandom;
    for (const p of this.parameters()) uniform(p.data, -stdv, stdv, rng);
  }

  /** One step: x is (B, inputSize); a missing state starts at zeros. */
  protected step(x: Tensor, h0: Tensor | null, c0: Tensor | null): CellState {
    const name = `${this.constructor.name}.forward`;
    if (x.rank !== 2) throw new ShapeError(`${name}: input must be (batch, features), got [${x.shape.join(', ')}]`);
    const [B, I] = x.shape as [number, number];
    if (I !== this.inputSize) throw new ShapeError(`${name}: input has ${I} features, the cell expects inputSize ${this.inputSize}`);
    const H = this.hiddenSize;
    if (h0) expectShape(`${name}: h`, h0.shape, [B, H]);
    if (c0) expectShape(`${name}: c`, c0.shape, [B, H]);
    const lstm = this.kind === 'LSTM';
    const h = h0 ? h0.data.slice() : new Float32Array(B * H);
    const c = lstm ? (c0 ? c0.data.slice() : new Float32Array(B * H)) : null;
    const out = new Float32Array(B * H);
    const record = this.recording;
    const direction = kernels().directionForward(this.dims(B), this.weights(), x.data, h, c, { data: out, off: 0, ld: H }, null, false, record);
    if (direction) this.pushCache({ B, x: x.data, direction } satisfies CellCache);
    return { h: new Tensor(h, [B, H]), c: c ? new Tensor(c, [B, H]) : null };
  }

  /** Back through the newest recorded step. */
  protected stepBackward(gradH: Tensor | null, gradC: Tensor | null): CellGradients {
    const name = `${this.constructor.name}.backward`;
    const cache = this.popCache<CellCache>();
    const { B } = cache;
    const H = this.hiddenSize;
    if (gradH) expectShape(`${name}: gradH`, gradH.shape, [B, H]);
    if (gradC) expectShape(`${name}: gradC`, gradC.shape, [B, H]);
    const lstm = this.kind === 'LSTM';
    const dh = gradH ? gradH.data.slice() : new Float32Array(B * H);
    const dc = lstm ? (gradC ? gradC.data.slice() : new Float32Array(B * H)) : null;
    const dx = new Float32Array(B * this.inputSize);
    // The output of a one-step sequence is h itself, so all of dh enters as the final-state gradient.
    const noOutputGrad = { data: new Float32Array(B * H), off: 0, ld: H };
    kernels().directionBackward(this.dims(B), this.weights(), {
      wIh: this.weight_ih.grad, wHh: this.weight_hh.grad, bIh: this.bias_ih?.grad ?? null, bHh: this.bias_hh?.grad ?? null, wHr: null,
    }, cache.direction, cache.x, noOutputGrad, dh, dc, dx, null, false);
    return { gradInput: new Tensor(dx, [B, this.inputSize]), gradH: new Tensor(dh, [B, H]), gradC: dc ? new Tensor(dc, [B, H]) : null };
  }

  private dims(B: number): DirectionDims {
    return { kind: this.kind, T: 1, B, I: this.inputSize, H: this.hiddenSize, P: this.hiddenSize };
  }

  private weights() {
    return { wIh: this.weight_ih.data, wHh: this.weight_hh.data, bIh: this.bias_ih?.data ?? null, bHh: this.bias_hh?.data ?? null, wHr: null };
  }
}

/** One LSTM step: returns the new (h, c). */
export class LSTMCell extends CellBase {
  constructor(options: CellOptions) {
    super('LSTM', options);
  }

  /** One step: the input (B, I) and the state (zeros when null) give the new state. */
  forward(x: Tensor, state: { h: Tensor; c: Tensor } | null = null): { h: Tensor; c: Tensor } {
    return this.step(x, state?.h ?? null, state?.c ?? null) as { h: Tensor; c: Tensor };
  }

  /** Goes back through the newest recorded step: the gradient of the new state gives those of the input and the previous state. */
  backward(grads: { gradH?: Tensor | null; gradC?: Tensor | null }): { gradInput: Tensor; gradH: Tensor; gradC: Tensor } {
    return this.stepBackward(grads.gradH ?? null, grads.gradC ?? null) as { gradInput: Tensor; gradH: Tensor; gradC: Tensor };
  }
}

/** One GRU step (PyTorch semantics): returns the new h. */
export class GRUCell extends CellBase {
  constructor(options: CellOptions) {
    super('GRU', options);
  }

  /** One step: the input (B, I) and the state (zeros when null) give the new state. */
  forward(x: Tensor, h: Tensor | null = null): Tensor {
    return this.step(x, h, null).h;
  }

  /** Goes back through the newest recorded step: the gradient of the new state gives those of the input and the previous state. */
  backward(gradH: Tensor): { gradInput: Tensor; gradH: Tensor } {
    return this.stepBackward(gradH, null);
  }
}

/** One Elman RNN step: returns the new h. */
export class RNNCell extends CellBase {
  constructor(options: CellOptions & { nonlinearity?: 'tanh' | 'relu' }) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ConfigError(`RNNCell nonlinearity must be 'tanh' or 'relu', got '${String(nl)}'`);
    super(nl === 'relu' ? 'RNN_RELU' : 'RNN_TANH', options);
  }

  /** One step: the input (B, I) and the state (zeros when null) give the new state. */
  forward(x: Tensor, h: Tensor | null = null): Tensor {
    return this.step(x, h, null).h;
  }

  /** Goes back through the newest recorded step: the gradient of the new state gives those of the input and the previous state. */
  backward(gradH: Tensor): { gradInput: Tensor; gradH: Tensor } {
    return this.stepBackward(gradH, null);
  }
}
