/**
 * Learning-rate schedules with torch.optim.lr_scheduler's formulas. Call
 * `step()` once per epoch (or per step, as you choose); each writes `optimizer.lr`.
 */
import { checkOptions, ConfigError, optionKeys } from '../errors.js';
import type { Optimizer } from './optimizer.js';

/** A learning-rate schedule, stepped once per epoch (or per step, as you choose). */
export interface LRScheduler {
  /** Advances the schedule; ReduceLROnPlateau takes the monitored metric. */
  step(metric?: number): void;
  readonly lastEpoch: number;
}

/** lr = initial * gamma^floor(epoch / stepSize). */
export class StepLR implements LRScheduler {
  lastEpoch = 0;
  constructor(private readonly optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    if (!(Number.isInteger(stepSize) && stepSize > 0)) throw new ConfigError(`StepLR stepSize must be a positive integer, got ${stepSize}`);
  }
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.optimizer.initialLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

/** lr = initial * gamma^epoch. */
export class ExponentialLR implements LRScheduler {
  lastEpoch = 0;
  constructor(private readonly optimizer: Optimizer, readonly gamma: number) {}
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.optimizer.initialLr * this.gamma ** this.lastEpoch;
  }
}

/** lr = etaMin + (initial - etaMin) * (1 + cos(pi * epoch / tMax)) / 2 (closed form). */
export class CosineAnnealingLR implements LRScheduler {
  lastEpoch = 0;
  constructor(private readonly optimizer: Optimizer, readonly tMax: number, readonly etaMin = 0) {
    if (!(tMax > 0)) throw new ConfigError(`CosineAnnealingLR tMax must be positive, got ${tMax}`);
  }
  step(): void {
    this.lastEpoch++;
    const base = this.optimizer.initialLr;
    this.optimizer.lr = this.etaMin + (base - this.etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / this.tMax)) / 2;
  }
}

/** Options of `ReduceLROnPlateau`, as PyTorch's. */
export interface PlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  /** relative improvement needed to count as better (default 1e-4) */
  threshold?: number;
  cooldown?: number;
  minLr?: number;
}

/** Multiplies lr by `factor` when the metric has not improved for `patience` epochs (relative threshold). */
export class ReduceLROnPlateau implements LRScheduler {
  lastEpoch = 0;
  private best: number;
  private badEpochs = 0;
  private cooldownLeft = 0;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly minLr: number;

  constructor(private readonly optimizer: Optimizer, options: PlateauOptions = {}) {
    checkOptions('ReduceLROnPlateau', options, optionKeys<PlateauOptions>({ mode: true, factor: true, patience: true, threshold: true, cooldown: true, minLr: true }));
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) throw new ConfigError(`ReduceLROnPlateau factor must be in (0, 1), got ${this.factor}`);
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  step(metric?: number): void {
    if (metric === undefined || Number.isNaN(metric)) throw new ConfigError('ReduceLROnPlateau.step needs the monitored metric, got none');
    this.lastEpoch++;
    const better = this.mode === 'min' ? metric < this.best * (1 - this.threshold) : metric > this.best * (1 + this.threshold);
    if (better) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.patience) {
      const next = Math.max(this.optimizer.lr * this.factor, this.minLr);
      if (this.optimizer.lr - next > 1e-8) this.optimizer.lr = next;
      this.cooldownLeft = this.cooldown;
      this.badEpochs = 0;
    }
  }
}
