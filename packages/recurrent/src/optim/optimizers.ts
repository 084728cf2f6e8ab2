/**
 * Optimisers with PyTorch's update rules and defaults (torch.optim, single
 * tensor path), computed per element in float64 and stored as float32. SGD, Adam and AdamW
 * run as kernels (Kernels.sgd, Kernels.adam: in place in WebAssembly memory on the wasm backend,
 * bit for bit the TypeScript reference); RMSprop and Adagrad run here.
 */
import { ConfigError, checkOptions, optionKeys } from '../errors.js';
import { kernels } from '../kernels/index.js';
import type { Parameter } from '../nn/parameter.js';
import { Optimizer } from './optimizer.js';

/** SGD's hyper-parameters, as torch.optim.SGD. */
export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent with momentum, Nesterov and L2 weight decay (lr default 1e-3). */
export class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: readonly Parameter[], options: SGDOptions = {}) {
    super(params, checkOptions('SGD', options, ALLOWED.sgd).lr ?? 1e-3);
    this.momentum = nonNegative('SGD momentum', options.momentum ?? 0);
    this.dampening = options.dampening ?? 0;
    this.weightDecay = nonNegative('SGD weightDecay', options.weightDecay ?? 0);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ConfigError('SGD nesterov needs momentum > 0 and dampening 0');
    }
  }

  /** One parameter's update by this optimiser's rule. */
  protected update(p: Parameter, i: number): void {
    const { momentum, dampening, weightDecay, nesterov, lr } = this;
    const first = momentum !== 0 && !this.hasBuffer('momentum_buffer', i);
    const buf = momentum !== 0 ? this.buffer('momentum_buffer', i) : null;
    kernels().sgd({ momentum, dampening, weightDecay, nesterov, lr }, p.data, p.grad, buf, first);
  }
}

/** Adam's (and AdamW's) hyper-parameters, as torch.optim.Adam. */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/** Adam (lr 1e-3, betas [0.9, 0.999], eps 1e-8); weightDecay is L2 added to the gradient. */
export class Adam extends Optimizer {
  readonly name: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  /** AdamW decouples the decay from the gradient */
  protected readonly decoupled: boolean = false;

  constructor(params: readonly Parameter[], options: AdamOptions = {}, defaultWeightDecay = 0) {
    super(params, checkOptions('Adam', options, ALLOWED.adam).lr ?? 1e-3);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    for (const b of [this.beta1, this.beta2]) if (!(b >= 0 && b < 1)) throw new ConfigError(`Adam betas must be in [0, 1), got ${b}`);
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = nonNegative('Adam weightDecay', options.weightDecay ?? defaultWeightDecay);
    this.amsgrad = options.amsgrad ?? false;
  }

  /** One parameter's update by this optimiser's rule. */
  protected update(p: Parameter, i: number): void {
    const { beta1: b1, beta2: b2, weightDecay: wd, lr } = this;
    const m = this.buffer('exp_avg', i);
    const v = this.buffer('exp_avg_sq', i);
    const vmax = this.amsgrad ? this.buffer('max_exp_avg_sq', i) : null;
    const t = this.stepCount;
    // The fused update runs in the kernels (in place in WebAssembly memory on the wasm backend).
    kernels().adam({
      b1, b2, eps: this.eps,
      l2: this.decoupled ? 0 : wd,
      decay: this.decoupled ? 1 - lr * wd : 1,
      stepSize: lr / (1 - b1 ** t),
      bc2Sqrt: Math.sqrt(1 - b2 ** t),
    }, p.data, p.grad, m, v, vmax);
  }
}

/** AdamW: Adam with decoupled weight decay (default weightDecay 0.01, as PyTorch). */
export class AdamW extends Adam {
  override readonly name = 'adamw';
  protected override readonly decoupled = true;

  constructor(params: readonly Parameter[], options: AdamOptions = {}) {
    super(params, checkOptions('AdamW', options, ALLOWED.adamw), 0.01);
  }
}

/** RMSprop's hyper-parameters, as torch.optim.RMSprop. */
export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

/** RMSprop (lr 1e-2, alpha 0.99, eps 1e-8), optionally centered and with momentum. */
export class RMSprop extends Optimizer {
  readonly name = 'rmsprop';
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(params: readonly Parameter[], options: RMSpropOptions = {}) {
    super(params, checkOptions('RMSprop', options, ALLOWED.rmsprop).lr ?? 1e-2);
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = nonNegative('RMSprop weightDecay', options.weightDecay ?? 0);
    this.momentum = nonNegative('RMSprop momentum', options.momentum ?? 0);
    this.centered = options.centered ?? false;
  }

  /** One parameter's update by this optimiser's rule. */
  protected update(p: Parameter, i: number): void {
    const { alpha, eps, weightDecay: wd, momentum: mu, lr } = this;
    const sq = this.buffer('square_avg', i);
    const ga = this.centered ? this.buffer('grad_avg', i) : null;
    const buf = mu > 0 ? this.buffer('momentum_buffer', i) : null;
    const x = p.data;
    const g = p.grad;
    for (let j = 0; j < x.length; j++) {
      const gj = g[j]! + wd * x[j]!;
      sq[j] = alpha * sq[j]! + (1 - alpha) * gj * gj;
      let avg: number;
      if (ga) {
        ga[j] = alpha * ga[j]! + (1 - alpha) * gj;
        avg = Math.sqrt(sq[j]! - ga[j]! * ga[j]!) + eps;
      } else {
        avg = Math.sqrt(sq[j]!) + eps;
      }
      if (buf) {
        buf[j] = mu * buf[j]! + gj / avg;
        x[j] -= lr * buf[j]!;
      } else {
        x[j] -= lr * gj / avg;
      }
    }
  }
}

/** Adagrad's hyper-parameters, as torch.optim.Adagrad. */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

/** Adagrad (lr 1e-2, eps 1e-10). */
export class Adagrad extends Optimizer {
  readonly name = 'adagrad';
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;

  constructor(params: readonly Parameter[], options: AdagradOptions = {}) {
    super(params, checkOptions('Adagrad', options, ALLOWED.adagrad).lr ?? 1e-2);
    this.lrDecay = nonNegative('Adagrad lrDecay', options.lrDecay ?? 0);
    this.weightDecay = nonNegative('Adagrad weightDecay', options.weightDecay ?? 0);
    this.initialAccumulatorValue = nonNegative('Adagrad initialAccumulatorValue', options.initialAccumulatorValue ?? 0);
    this.eps = options.eps ?? 1e-10;
  }

  /** One parameter's update by this optimiser's rule. */
  protected update(p: Parameter, i: number): void {
    const sum = this.buffer('sum', i, (n) => kernels().allocate(n).fill(this.initialAccumulatorValue));
    const clr = this.lr / (1 + (this.stepCount - 1) * this.lrDecay);
    const x = p.data;
    const g = p.grad;
    for (let j = 0; j < x.length; j++) {
      const gj = g[j]! + this.weightDecay * x[j]!;
      sum[j] += gj * gj;
      x[j] -= clr * gj / (Math.sqrt(sum[j]!) + this.eps);
    }
  }
}

function nonNegative(what: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`${what} must be a non-negative number, got ${v}`);
  return v;
}

/** The optimisers `createOptimizer` builds by name. */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

/** Every optimiser's name, in the order the command line lists them. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'];

/** All optimiser options, by their camelCase names. */
export type OptimizerOptions = SGDOptions & AdamOptions & RMSpropOptions & AdagradOptions;

const ALLOWED: Record<OptimizerName, readonly string[]> = {
  sgd: optionKeys<SGDOptions>({ lr: true, momentum: true, dampening: true, weightDecay: true, nesterov: true }),
  adam: optionKeys<AdamOptions>({ lr: true, betas: true, eps: true, weightDecay: true, amsgrad: true }),
  adamw: optionKeys<AdamOptions>({ lr: true, betas: true, eps: true, weightDecay: true, amsgrad: true }),
  rmsprop: optionKeys<RMSpropOptions>({ lr: true, alpha: true, eps: true, weightDecay: true, momentum: true, centered: true }),
  adagrad: optionKeys<AdagradOptions>({ lr: true, lrDecay: true, weightDecay: true, initialAccumulatorValue: true, eps: true }),
};

/** Builds an optimiser by name; options are checked against what it accepts. */
export function createOptimizer(name: string, params: readonly Parameter[], options: OptimizerOptions = {}): Optimizer {
  const key = name.toLowerCase() as OptimizerName;
  const allowed = ALLOWED[key];
  if (!allowed) throw new ConfigError(`unknown optimizer '${name}', expected one of ${Object.keys(ALLOWED).join(', ')}`);
  checkOptions(`optimizer ${key}`, options, allowed);
  switch (key) {
    case 'sgd': return new SGD(params, options);
    case 'adam': return new Adam(params, options);
    case 'adamw': return new AdamW(params, options);
    case 'rmsprop': return new RMSprop(params, options);
    case 'adagrad': return new Adagrad(params, options);
  }
}

/** PyTorch's snake_case hyper-parameter names mapped to ours. */
const FROM_TORCH: Record<string, keyof OptimizerOptions> = {
  lr: 'lr', momentum: 'momentum', dampening: 'dampening', weight_decay: 'weightDecay', nesterov: 'nesterov',
  betas: 'betas', eps: 'eps', amsgrad: 'amsgrad', alpha: 'alpha', centered: 'centered', lr_decay: 'lrDecay',
  initial_accumulator_value: 'initialAccumulatorValue',
};

/** Reads PyTorch-style options ({"lr":0.01,"weight_decay":0,...}); unknown names throw. */
export function optimizerOptionsFromTorch(options: Record<string, unknown>): OptimizerOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'name') continue;
    const mapped = FROM_TORCH[k];
    if (!mapped) throw new ConfigError(`unsupported optimizer option '${k}' (known: ${Object.keys(FROM_TORCH).join(', ')})`);
    out[mapped] = v;
  }
  return out as OptimizerOptions;
}
