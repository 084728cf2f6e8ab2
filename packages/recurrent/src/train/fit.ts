/**
 * The one training loop every task runs: optimiser steps over batches of a
 * training set (shuffled each epoch, or in order as text streams are),
 * validation every so many steps or at each epoch's end, the best validation
 * kept, early stopping, a step, epoch or time limit, progress events, exact
 * resume from a step and time, and a stop on a NaN validation result.
 *
 * The task says what a step is (forward, loss, backward through a Trainer),
 * what validation measures and how two results rank; `fit` owns the order of
 * batches, when to validate and when to stop. The event loop gets a turn
 * every few steps, so a Ctrl-C handler or a progress bar can run.
 */
import { checkOptions, ConfigError, NonFiniteLossError, optionKeys } from '../errors.js';
import type { Random } from '../tensor/random.js';
import { KeepBest } from './keep-best.js';
import type { Module } from '../nn/module.js';

/** What one validation found: the task's metrics, and a rank (compared entry by entry, higher is better). */
export interface Validation<M> {
  metrics: M;
  /** e.g. [accuracy, -loss] (ties on accuracy go to the lower loss), or [-loss] */
  rank: number[];
  /** the validation loss, when there is one: reported as it is when it (or the rank) is not finite */
  loss?: number;
}

/** What `fit` trains: batches of an epoch, a step on each, and a validation. */
export interface FitTask<M> {
  /** training examples (or, in order mode, steps) per epoch */
  size: number;
  /** examples per step (default 1: a "step" is one index) */
  batch?: number;
  /** one optimiser step on these example indices; returns the step's mean loss. `step` is its 0-based global number. */
  step(indices: number[], step: number): number;
  /** called before the first step of each epoch (0-based), e.g. to reset carried state */
  startEpoch?(epoch: number): void;
  /** Validates the model: its metrics and their rank. */
  validate(): Validation<M>;
}

/** When `fit` stops (epochs, a step, a time limit, patience) and how it validates. */
export interface FitOptions {
  /** stop after this many epochs (counted from step 0) */
  epochs?: number;
  /** stop at this global step */
  stopAt?: number | null;
  /** stop after this many seconds of this call */
  timeLimit?: number;
  /** stop after this many validations in a row without improvement (default: never) */
  patience?: number;
  /** validate every this many steps; default: at the end of each epoch */
  evalEvery?: number;
  /** shuffle the examples each epoch (default true); false: in order, as text streams */
  shuffle?: boolean;
  /** load the best validation's weights at the end (default true) */
  restoreBest?: boolean;
  /** resume: the global step to start from, and the best rank so far */
  startStep?: number;
  bestRank?: number[] | null;
  /** steps between turns of the event loop (default 8) */
  yieldEvery?: number;
}

/** One training step inside `fit`. */
export interface FitStep {
  /** global step count after this step */
  step: number;
  /** epochs done or under way (1-based; 0 before the first step) */
  epoch: number;
  /** mean training loss since the last validation */
  loss: number;
  /** seconds of this call (a resumed run adds the seconds it had before) */
  elapsed: number;
  /** fraction of the run done (steps, epochs or time, whichever is further) */
  fraction: number;
  /** the global step at which the run stops, if it is set by steps or epochs */
  stopAt: number | null;
}

/** A validation inside `fit`: its metrics, their rank (lower is better), and whether it is the best so far. */
export interface FitEval<M> extends FitStep {
  metrics: M;
  rank: number[];
  improved: boolean;
}

/** Callbacks of `fit`. */
export interface FitHooks<M> {
  /** shuffles the epochs (required unless shuffle is false) */
  rng?: Random;
  /** Called after every step. */
  onStep?(s: FitStep): void;
  /** after each validation, before the run goes on (a checkpoint can be written here) */
  onEval?(e: FitEval<M>): void | Promise<void>;
  /** return true to stop after the current step */
  shouldStop?(): boolean;
}

/** What `fit` did: steps, epochs, the best validation, and why it stopped. */
export interface FitResult<M> {
  /** the global step count at the end */
  step: number;
  /** the best validation of this call (or null when none improved on `bestRank`) */
  best: FitEval<M> | null;
  bestRank: number[] | null;
  /** why it stopped */
  stopped: 'steps' | 'patience' | 'time' | 'requested';
}

/** a ranks above b: the first entry that differs decides; null is the lowest. */
export function ranksAbove(a: readonly number[], b: readonly number[] | null): boolean {
  if (b === null) return true;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return true;
    if (a[i]! < b[i]!) return false;
  }
  return false;
}

const now = (): number => performance.now() / 1000;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The one training loop: epochs of steps, validation every so often, early stopping, a time limit, the best weights kept. */
export async function fit<M>(model: Module, task: FitTask<M>, options: FitOptions, hooks: FitHooks<M> = {}): Promise<FitResult<M>> {
  checkOptions('fit', options, optionKeys<FitOptions>({
    epochs: true, stopAt: true, timeLimit: true, patience: true, evalEvery: true, shuffle: true, restoreBest: true, startStep: true, bestRank: true, yieldEvery: true,
  }));
  const batch = task.batch ?? 1;
  const perEpoch = Math.ceil(task.size / batch);
  if (!(perEpoch >= 1)) throw new ConfigError(`fit: the training set is empty (size ${task.size})`);
  if (options.shuffle !== false && !hooks.rng) throw new ConfigError('fit: shuffling needs hooks.rng');
  for (const [k, v] of [['epochs', options.epochs], ['evalEvery', options.evalEvery], ['patience', options.patience]] as const) {
    if (v !== undefined && !(v > 0)) throw new ConfigError(`fit: ${k} must be positive, got ${v}`);
  }
  const startStep = options.startStep ?? 0;
  const epochStop = options.epochs !== undefined ? Math.ceil(options.epochs * perEpoch) : null;
  const stopAt = [options.stopAt ?? null, epochStop].reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.min(m, v)), null);
  if (stopAt === null && options.timeLimit === undefined) throw new ConfigError('fit: give epochs, stopAt or timeLimit');
  const evalEvery = options.evalEvery ?? perEpoch;
  const yieldEvery = options.yieldEvery ?? 8;
  const keep = new KeepBest(model, options.patience ?? Infinity);
  const t0 = now();
  let bestRank = options.bestRank ?? null;
  let best: FitEval<M> | null = null;
  let step = startStep;
  let lossSum = 0;
  let lossCount = 0;
  let lastEval = -1;
  let order: number[] = [];

  const status = (): FitStep => {
    const elapsed = now() - t0;
    const fSteps = stopAt !== null ? (step - startStep) / Math.max(1, stopAt - startStep) : 0;
    const fTime = options.timeLimit ? elapsed / options.timeLimit : 0;
    return {
      step, epoch: Math.ceil(step / perEpoch), loss: lossCount ? lossSum / lossCount : NaN, elapsed,
      fraction: Math.min(1, Math.max(fSteps, fTime)), stopAt,
    };
  };

  /** Validates; returns true when patience has run out. */
  const validate = async (): Promise<boolean> => {
    const { metrics, rank, loss } = task.validate();
    // A NaN compares false both ways: it would never improve, nor ever be noticed.
    const bad = loss !== undefined && !Number.isFinite(loss) ? loss : rank.find((r) => !Number.isFinite(r));
    if (bad !== undefined) throw new NonFiniteLossError(step, bad, 'validation loss');
    const improved = ranksAbove(rank, bestRank);
    if (improved) bestRank = rank;
    const exhausted = keep.record(improved);
    const e: FitEval<M> = { ...status(), metrics, rank, improved };
    if (improved) best = e;
    lossSum = 0;
    lossCount = 0;
    lastEval = step;
    await hooks.onEval?.(e);
    return exhausted;
  };

  let stopped: FitResult<M>['stopped'] = 'steps';
  for (;;) {
    if (stopAt !== null && step >= stopAt) break;
    if (options.timeLimit !== undefined && now() - t0 >= options.timeLimit) {
      stopped = 'time';
      break;
    }
    if (hooks.shouldStop?.()) {
      stopped = 'requested';
      break;
    }
    const inEpoch = step % perEpoch;
    const inOrder = options.shuffle === false;
    if (inEpoch === 0 || (!inOrder && order.length === 0)) {
      // In order, the indices are a range: no array of the epoch (a synthetic task's epoch can be millions of examples).
      if (!inOrder) {
        order = Array.from({ length: task.size }, (_, i) => i);
        hooks.rng!.shuffle(order);
      }
      if (inEpoch === 0) task.startEpoch?.(Math.floor(step / perEpoch));
    }
    const from = inEpoch * batch;
    const indices = inOrder
      ? Array.from({ length: Math.min(batch, task.size - from) }, (_, i) => from + i)
      : order.slice(from, from + batch);
    const loss = task.step(indices, step);
    step++;
    lossSum += loss * indices.length;
    lossCount += indices.length;
    hooks.onStep?.(status());
    const epochEnd = step % perEpoch === 0;
    // Global step numbers, so a resumed run validates where the uninterrupted one did.
    if (options.evalEvery !== undefined ? step % evalEvery === 0 : epochEnd) {
      if (await validate()) {
        stopped = 'patience';
        break;
      }
    }
    if ((step - startStep) % yieldEvery === 0 || epochEnd) await yieldToEventLoop();
  }
  if (lastEval !== step && step > startStep) await validate();
  if (options.restoreBest !== false) keep.restore();
  return { step, best, bestRank, stopped };
}
