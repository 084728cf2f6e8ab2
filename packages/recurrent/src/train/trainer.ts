/**
 * One optimisation step, done the same way everywhere: zero the gradients,
 * run the caller's forward+backward, stop on a non-finite loss, clip, update.
 */
import { checkOptions, ConfigError, NonFiniteLossError, optionKeys } from '../errors.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm, clipGradValue, gradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';

/** Gradient clipping of a `Trainer`: by global norm, or by value. */
export interface TrainerOptions {
  /** clip the global gradient 2-norm to this before each update (null: no clipping) */
  clipNorm?: number | null;
  /** clamp every gradient value into [-clipValue, clipValue] (null: no clamping) */
  clipValue?: number | null;
}

/** What one training step did: its number, loss and gradient norm. */
export interface StepResult {
  /** 1-based step number */
  step: number;
  loss: number;
  /** global gradient norm before clipping */
  gradNorm: number;
}

/** One training step: zero the gradients, your forward and backward, a check for NaN, clipping, the optimiser's update. */
export class Trainer {
  private clip: number | null = null;
  readonly clipValue: number | null;

  constructor(
    readonly model: Module,
    readonly optimizer: Optimizer,
    options: TrainerOptions = {},
  ) {
    checkOptions('Trainer', options, optionKeys<TrainerOptions>({ clipNorm: true, clipValue: true }));
    this.clipNorm = options.clipNorm ?? null;
    this.clipValue = options.clipValue ?? null;
    if (this.clipValue !== null && !(this.clipValue > 0)) throw new ConfigError(`Trainer clipValue must be positive, got ${this.clipValue}`);
  }

  /** Global gradient-norm clipping of the next steps (null: none); may change between steps. */
  get clipNorm(): number | null {
    return this.clip;
  }

  set clipNorm(v: number | null) {
    if (v !== null && !(v > 0)) throw new ConfigError(`Trainer clipNorm must be positive, got ${v}`);
    this.clip = v;
  }

  /**
   * `computeLoss` runs forward and backward and returns the loss. A NaN or
   * infinite loss (or gradient) throws NonFiniteLossError before the weights change.
   */
  step(computeLoss: () => number): StepResult {
    const step = this.optimizer.steps + 1;
    this.optimizer.zeroGrad();
    this.model.train();
    const loss = computeLoss();
    if (!Number.isFinite(loss)) {
      this.model.clearCache();
      throw new NonFiniteLossError(step, loss);
    }
    const params = this.optimizer.params;
    const norm = this.clipNorm !== null ? clipGradNorm(params, this.clipNorm) : gradNorm(params);
    if (!Number.isFinite(norm)) throw new NonFiniteLossError(step, norm, 'gradient norm');
    if (this.clipValue !== null) clipGradValue(params, this.clipValue);
    this.optimizer.step();
    return { step, loss, gradNorm: norm };
  }
}
