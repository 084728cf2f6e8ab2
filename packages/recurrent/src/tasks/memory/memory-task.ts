/**
 * The long-range memory benchmarks, one training run each: the adding
 * problem, copy memory and pixel-by-pixel digits, for any cell, at a given
 * parameter count (the hidden size is chosen to match it), from a seed.
 * Training goes through the one loop (train/fit.ts); each step draws a fresh
 * batch of the synthetic tasks, and validation is on a fixed held-out set.
 */
import { checkOptions, ConfigError, NonFiniteLossError, optionKeys } from '../../errors.js';
import { type StateGradients, decayPerStep, regressorGradients } from '../../inspect/gradients.js';
import type { RecurrentBase } from '../../nn/recurrent/base.js';
import type { CellKind } from '../../kernels/types.js';
import { crossEntropy, mseLoss } from '../../losses/losses.js';
import { LanguageModel } from '../../models/language-model.js';
import { SequenceRegressor } from '../../models/sequence-regressor.js';
import type { RecurrentStackConfig } from '../../models/recurrent-stack.js';
import { noGrad } from '../../nn/grad-mode.js';
import type { Module } from '../../nn/module.js';
import { Adam, SGD } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { fit } from '../../train/fit.js';
import { Trainer } from '../../train/trainer.js';
import { ADDING_GUESS_MSE, COPY_LENGTH, COPY_VOCAB, addingProblem, copyGuessLoss, copyMemory, copyRecalled } from '../../data/memory-tasks.js';
import { DIGIT_PIXELS, type Digits, pixelPermutation, pixelSequences } from '../../data/digits.js';

/** A task of `MEMORY_TASKS`. */
export type MemoryTaskName = 'adding' | 'copy' | 'digits' | 'permuted-digits';
/** The long-range memory tasks. */
export const MEMORY_TASKS: readonly MemoryTaskName[] = ['adding', 'copy', 'digits', 'permuted-digits'];

/** How the gates start: as the init leaves them, forget-gate bias 1 (Jozefowicz et al. 2015), or chrono (Tallec & Ollivier 2018, T_max = the task's length). */
export type GateInit = 'default' | 'forget-bias' | 'chrono';
/** The gate initialisations the memory benchmarks compare. */
export const GATE_INITS: readonly GateInit[] = ['default', 'forget-bias', 'chrono'];

/** A memory benchmark run: task, length, cell, parameters, gate initialisation, learning rate, batch. */
export interface MemoryRunConfig {
  task: MemoryTaskName;
  cell: CellKind;
  /** adding: the sequence length T; copy: the blanks T between the symbols and the recall (T+20 steps); digits: 64, the pixels */
  length: number;
  /** the parameter count to match: the largest hidden size whose model has at most this many */
  parameters: number;
  /** default 'default' */
  init?: GateInit;
  /** optimiser steps */
  steps: number;
  /** sequences per step (default 32) */
  batch?: number;
  /** 'adam' (default) or plain 'sgd' (whose steps grow with the gradient: where clipping matters most) */
  optimizer?: 'adam' | 'sgd';
  /** the learning rate (default 0.002) */
  lr?: number;
  /** gradient-norm clipping (default 1; null: none) */
  clipNorm?: number | null;
  /**
   * start every W_hh orthogonal and scaled so each eigenvalue has this modulus
   * (> 1: gradients that explode through time; Pascanu et al. 2013); default: the cell's usual init
   */
  spectralRadius?: number | null;
  /** validate every this many steps (default 100) */
  evalEvery?: number;
  /** stop early after this many seconds */
  timeLimit?: number;
  seed?: number;
  /** the images, for the digit tasks */
  digits?: Digits | null;
  /**
   * adding and copy: train on short sequences first (curriculumLengths: 10, 20,
   * 50, ... up to `length`), moving on once a length is solved (a held-out error
   * under SOLVED_RATIO of guessing's; Bengio et al. 2009's curriculum
   * learning; Zaremba & Sutskever 2014 for lengths). Default false.
   */
  curriculum?: boolean;
}

/** One validation of a run. */
export interface MemoryPoint {
  step: number;
  seconds: number;
  /** the sequence length validated (with a curriculum, the stage's; else the run's) */
  length: number;
  /** the task's metric on the held-out set */
  value: number;
  /** the mean training loss since the previous validation */
  trainLoss: number;
}

/** A memory run's outcome: the best validation metric, against guessing, and whether it counts as solved. */
export interface MemoryResult {
  task: MemoryTaskName;
  cell: CellKind;
  init: GateInit;
  /** as configured: T for adding and copy, 64 for digits */
  length: number;
  /** steps each sequence has */
  sequenceSteps: number;
  hiddenSize: number;
  parameters: number;
  steps: number;
  seconds: number;
  /** 'mse' (adding), 'loss' (copy: nats per step over all steps), 'accuracy' (digits) */
  metric: 'mse' | 'loss' | 'accuracy';
  /** the best validation's metric */
  value: number;
  /** what guessing without memory scores (adding 1/6, copy 10 ln 8/(T+20), digits 0.1) */
  guess: number;
  /** adding and copy: value / guess; digits: value */
  ratio: number;
  /** adding and copy: under 5% of guessing; digits: null */
  solved: boolean | null;
  /** copy: the fraction of recalled symbols right, at the best validation */
  recalled: number | null;
  curve: MemoryPoint[];
  /** the step whose loss or gradient was not finite, when training diverged (the result is then of the weights before it) */
  divergedAt: number | null;
  /** the largest gradient norm of a step (before clipping) */
  maxGradNorm: number;
  /**
   * adding and digits, after training: ||dL/dh_t|| of the top layer for the loss
   * of 64 held-out sequences, one entry per step (the last step is lag 0); null for copy
   */
  gradientNorms: number[] | null;
  /** the fit of ln ||dL/dh_t|| against the lag, per step (decayPerStep over lags <= 100) */
  gradientDecay: number | null;
  /** with a curriculum: the lengths it went through, and the step at which it reached the full length (null: never) */
  curriculum: { lengths: number[]; reachedAt: number | null } | null;
}

/** "Solved" for adding and copy: a held-out error under this fraction of guessing's. */
export const SOLVED_RATIO = 0.05;

/** The lengths a curriculum goes through up to `length`: 10, 20, 50, 100, 200, 500, ... below it, then `length` itself. */
export function curriculumLengths(length: number): number[] {
  const out: number[] = [];
  for (let decade = 10; decade < length; decade *= 10) {
    for (const k of [1, 2, 5]) if (k * decade < length) out.push(k * decade);
  }
  out.push(length);
  return out;
}

const DEFAULTS = { curriculum: false, init: 'default' as GateInit, optimizer: 'adam' as 'adam' | 'sgd', batch: 32, lr: 0.002, clipNorm: 1 as number | null, evalEvery: 100, seed: 1, spectralRadius: null as number | null };

/** The gate options of an init for a cell and a dependency length. */
export function gateInitOptions(init: GateInit, cell: CellKind, length: number): Pick<RecurrentStackConfig, 'forgetBias' | 'chronoInit'> {
  if (init === 'default') return {};
  if (cell !== 'LSTM' && cell !== 'GRU') throw new ConfigError(`the ${init} init is for LSTM and GRU, not ${cell}`);
  return init === 'forget-bias' ? { forgetBias: 1 } : { chronoInit: Math.max(2, length) };
}

interface Setup {
  model: Module;
  sequenceSteps: number;
  metric: MemoryResult['metric'];
  guess: number;
  /** one step's loss and backward on a batch: the examples `indices` (digits), or as many fresh sequences (adding, copy) */
  step(indices: number[], rng: Random): number;
  /** the held-out metric, and (copy) the recalled fraction */
  validate(): { value: number; recalled: number | null };
  /** examples per epoch: the images, or for the synthetic tasks steps x batch (one epoch, in order) */
  trainSize: number;
  /** the gradient of the held-out loss at every step (null: not measured for this task) */
  gradients(): StateGradients | null;
}

/** The index of the largest of n values from off. */
function argmax(v: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[off + k]! > v[off + best]!) best = k;
  return best;
}

function makeModel(c: MemoryRunConfig, hiddenSize: number, rng: Random): Module {
  const gates = gateInitOptions(c.init ?? 'default', c.cell, c.task === 'copy' ? c.length + 2 * COPY_LENGTH : c.task === 'adding' ? c.length : DIGIT_PIXELS);
  const stack = { hiddenSize, mode: c.cell, ...gates };
  if (c.task === 'copy') return new LanguageModel({ vocabSize: COPY_VOCAB, embeddingSize: COPY_VOCAB, ...stack }, rng);
  return new SequenceRegressor({ inputSize: c.task === 'adding' ? 2 : 1, outputSize: c.task === 'adding' ? 1 : 10, ...stack }, rng);
}

/** The largest hidden size whose model for this task and cell has at most `parameters` parameters. */
export function hiddenSizeFor(c: Pick<MemoryRunConfig, 'task' | 'cell' | 'length' | 'parameters' | 'init'>): number {
  const count = (h: number): number => makeModel({ ...c, steps: 1 }, h, new Random(0)).numParameters();
  if (count(1) > c.parameters) throw new ConfigError(`${c.parameters} parameters are too few for a ${c.cell} on ${c.task}: one hidden unit needs ${count(1)}`);
  let lo = 1;
  let hi = 2;
  while (count(hi) <= c.parameters) hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (count(mid) <= c.parameters) lo = mid;
    else hi = mid;
  }
  return lo;
}

function setup(c: MemoryRunConfig & { batch: number }, model: Module, seed: number): Setup {
  const T = c.length;
  if (c.task === 'adding') {
    const m = model as SequenceRegressor;
    const test = addingProblem(1000, T, new Random(seed + 1000));
    return {
      model, sequenceSteps: T, metric: 'mse', guess: ADDING_GUESS_MSE, trainSize: c.steps * c.batch,
      step: (indices, rng) => {
        const { x, y } = addingProblem(indices.length, T, rng);
        const r = mseLoss(m.forward(x), y);
        m.backward(r.grad);
        return r.loss;
      },
      validate: () => ({ value: noGrad(() => mseLoss(m.forward(test.x), test.y).loss), recalled: null }),
      gradients: () => {
        const g = addingProblem(64, T, new Random(seed + 3000));
        return regressorGradients(m, g.x, g.y);
      },
    };
  }
  if (c.task === 'copy') {
    const m = model as LanguageModel;
    const test = copyMemory(500, T, new Random(seed + 1000));
    const L = test.steps;
    return {
      model, sequenceSteps: L, metric: 'loss', guess: copyGuessLoss(T), trainSize: c.steps * c.batch,
      step: (indices, rng) => {
        const d = copyMemory(indices.length, T, rng);
        const r = crossEntropy(m.forward({ data: d.tokens, shape: [indices.length, L] }).logits, d.targets);
        m.backward(r.grad);
        return r.loss;
      },
      validate: () => noGrad(() => {
        const B = 500;
        const logits = m.forward({ data: test.tokens, shape: [B, L] }).logits;
        return { value: crossEntropy(logits, test.targets).loss, recalled: copyRecalled(logits.data, test.targets, B, L) };
      }),
      gradients: () => null,
    };
  }
  const digits = c.digits;
  if (!digits) throw new ConfigError(`the ${c.task} task needs the digit images (config.digits)`);
  const m = model as SequenceRegressor;
  const perm = c.task === 'permuted-digits' ? pixelPermutation(seed) : null;
  // A fixed 80/20 split from the seed: train on one part, validate on the other.
  const order = Array.from({ length: digits.count }, (_, i) => i);
  new Random(seed + 2000).shuffle(order);
  const nTest = Math.round(digits.count * 0.2);
  const testIdx = order.slice(0, nTest);
  const trainIdx = order.slice(nTest);
  const testX = pixelSequences(digits, testIdx, perm);
  return {
    model, sequenceSteps: DIGIT_PIXELS, metric: 'accuracy', guess: 0.1, trainSize: trainIdx.length,
    step: (indices) => {
      const ids = indices.map((i) => trainIdx[i]!);
      const r = crossEntropy(m.forward(pixelSequences(digits, ids, perm)), ids.map((i) => digits.labels[i]!));
      m.backward(r.grad);
      return r.loss;
    },
    validate: () => {
      const out = noGrad(() => m.forward(testX)).data;
      let right = 0;
      testIdx.forEach((img, b) => {
        if (argmax(out, b * 10, 10) === digits.labels[img]) right++;
      });
      return { value: right / testIdx.length, recalled: null };
    },
    gradients: () => {
      const ids = testIdx.slice(0, 64);
      return regressorGradients(m, pixelSequences(digits, ids, perm), ids.map((i) => digits.labels[i]!), 'cross-entropy');
    },
  };
}

/** Trains one cell on one task and reports its best held-out metric. */
export async function runMemoryTask(config: MemoryRunConfig, hooks: { onEval?(p: MemoryPoint, r: { step: number; of: number }): void } = {}): Promise<MemoryResult> {
  const run = new MemoryRun(config);
  await run.train({ steps: run.config.steps, restoreBest: true, ...(hooks.onEval ? { onEval: hooks.onEval } : {}) });
  return run.result();
}

/** Options of one stretch of MemoryRun.train. */
export interface MemoryTrainOptions {
  /** steps to train (at most; default: to config.steps) */
  steps?: number;
  /** load the best validation's weights at the end (default false: the weights go on from where they are) */
  restoreBest?: boolean;
  /** return true to stop after the current step */
  shouldStop?(): boolean;
  /** Called after each validation with the points so far. */
  onEval?(p: MemoryPoint, r: { step: number; of: number }): void;
}

/**
 * One memory-task run that can train in stretches (a page trains a chunk,
 * draws, trains on): each `train` call continues exactly where the previous
 * one stopped, through the one loop (train/fit.ts). runMemoryTask is one
 * stretch of config.steps.
 */
export class MemoryRun {
  readonly config: Required<Omit<MemoryRunConfig, 'timeLimit' | 'digits'>> & Pick<MemoryRunConfig, 'timeLimit' | 'digits'>;
  readonly hiddenSize: number;
  readonly model: LanguageModel | SequenceRegressor;
  /** the lengths it trains on: the curriculum's, or the one length */
  readonly lengths: number[];
  private readonly rng: Random;
  private readonly trainer: Trainer;
  private readonly setups = new Map<number, Setup>();
  private stage = 0;
  private reachedAt: number | null;
  private steps = 0;
  private seconds = 0;
  private bestRank: number[] | null = null;
  private readonly curve: MemoryPoint[] = [];
  private recalled: number | null = null;
  private bestRecalled: number | null = null;
  private value = NaN;
  private maxGradNorm = 0;
  private divergedAt: number | null = null;

  constructor(config: MemoryRunConfig) {
    const c = { ...DEFAULTS, ...config };
    if (!MEMORY_TASKS.includes(c.task)) throw new ConfigError(`unknown memory task ${JSON.stringify(c.task)}: expected one of ${MEMORY_TASKS.join(', ')}`);
    if (!GATE_INITS.includes(c.init)) throw new ConfigError(`unknown gate init ${JSON.stringify(c.init)}: expected one of ${GATE_INITS.join(', ')}`);
    const length = c.task === 'digits' || c.task === 'permuted-digits' ? DIGIT_PIXELS : c.length;
    if (!(Number.isInteger(length) && length >= 2)) throw new ConfigError(`${c.task}: length must be an integer >= 2, got ${c.length}`);
    for (const [k, v] of [['steps', c.steps], ['batch', c.batch], ['evalEvery', c.evalEvery]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new ConfigError(`memory task ${k} must be a positive integer, got ${v}`);
    }
    if (c.spectralRadius !== null && !(c.spectralRadius > 0 && Number.isFinite(c.spectralRadius))) {
      throw new ConfigError(`memory task spectralRadius must be a positive number, got ${c.spectralRadius}`);
    }
    if (c.curriculum && c.task !== 'adding' && c.task !== 'copy') throw new ConfigError(`a curriculum is for the adding and copy tasks (a length to grow), not ${c.task}`);
    if (c.optimizer !== 'adam' && c.optimizer !== 'sgd') throw new ConfigError(`memory task optimizer must be adam or sgd, got ${JSON.stringify(c.optimizer)}`);
    this.config = { ...c, length, digits: c.digits ?? null };
    this.hiddenSize = hiddenSizeFor(this.config);
    this.rng = new Random(c.seed);
    this.model = makeModel(this.config, this.hiddenSize, this.rng) as LanguageModel | SequenceRegressor;
    if (c.spectralRadius !== null) setSpectralRadius(this.model.rnn, c.spectralRadius);
    // One setup per stage, each with its own held-out set; without a curriculum, the one length.
    this.lengths = c.curriculum ? curriculumLengths(length) : [length];
    this.reachedAt = this.lengths.length === 1 ? 0 : null;
    this.setupAt(this.lengths.length - 1);
    const optimizer = c.optimizer === 'adam' ? new Adam(this.model.parameters(), { lr: c.lr }) : new SGD(this.model.parameters(), { lr: c.lr });
    this.trainer = new Trainer(this.model, optimizer, { clipNorm: c.clipNorm });
  }

  private setupAt(i: number): Setup {
    let s = this.setups.get(i);
    if (!s) this.setups.set(i, (s = setup({ ...this.config, length: this.lengths[i]! }, this.model, this.config.seed)));
    return s;
  }

  /** Optimiser steps so far. */
  get step(): number {
    return this.steps;
  }

  /** The sequence length trained on now (with a curriculum, the stage's). */
  get currentLength(): number {
    return this.lengths[this.stage]!;
  }

  /** Gradient-norm clipping for the next steps (null: none). */
  setClipNorm(clipNorm: number | null): void {
    this.trainer.clipNorm = clipNorm;
  }

  /** Trains on from the current step; a diverged run stays stopped. */
  async train(o: MemoryTrainOptions = {}): Promise<void> {
    checkOptions('MemoryRun.train', o, optionKeys<MemoryTrainOptions>({ steps: true, restoreBest: true, shouldStop: true, onEval: true }));
    if (this.divergedAt !== null) return;
    const c = this.config;
    const last = this.lengths.length - 1;
    const final = this.setupAt(last);
    const higher = final.metric === 'accuracy';
    let validated = this.currentLength;
    const task = {
      size: final.trainSize,
      batch: c.batch,
      step: (indices: number[]): number => {
        const r = this.trainer.step(() => this.setupAt(this.stage).step(indices, this.rng));
        this.maxGradNorm = Math.max(this.maxGradNorm, r.gradNorm);
        return r.loss;
      },
      validate: () => {
        this.model.eval();
        const at = this.setupAt(this.stage);
        const v = at.validate();
        this.model.train();
        this.recalled = v.recalled;
        validated = this.lengths[this.stage]!;
        // A later stage ranks above every earlier one, so the best kept is of the longest length reached.
        const rank = [this.stage, higher ? v.value : -v.value];
        if (this.stage < last && v.value / at.guess < SOLVED_RATIO) {
          this.stage++;
          if (this.stage === last) this.reachedAt = this.steps;
        }
        return { metrics: v.value, rank, loss: v.value };
      },
    };
    const start = this.steps;
    const stopAt = Math.min(c.steps, start + (o.steps ?? c.steps));
    if (stopAt <= start) return;
    const secondsBefore = this.seconds;
    const options = {
      startStep: start, stopAt, bestRank: this.bestRank, evalEvery: Math.min(c.evalEvery, c.steps), shuffle: final.metric === 'accuracy',
      restoreBest: o.restoreBest ?? false, ...(c.timeLimit !== undefined ? { timeLimit: c.timeLimit } : {}),
    };
    try {
      const result = await fit(this.model, task, options, {
        rng: this.rng,
        onStep: (e) => {
          this.steps = e.step;
        },
        onEval: (e) => {
          this.seconds = secondsBefore + e.elapsed;
          const p = { step: e.step, seconds: this.seconds, length: validated, value: e.metrics, trainLoss: e.loss };
          this.curve.push(p);
          if (e.improved && validated === c.length) {
            this.bestRecalled = this.recalled;
            this.value = e.metrics;
          }
          o.onEval?.(p, { step: e.step, of: c.steps });
        },
        ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
      });
      this.steps = result.step;
      this.bestRank = result.bestRank;
    } catch (e) {
      // Diverging is a result here (training without clipping), not a failure: report it with what came before.
      if (!(e instanceof NonFiniteLossError)) throw e;
      this.divergedAt = e.step;
    }
  }

  /** The run so far: the best held-out metric at the full length, the curve, and the gradient through time of the current weights. */
  result(): MemoryResult {
    const c = this.config;
    const s = this.setupAt(this.lengths.length - 1);
    const higher = s.metric === 'accuracy';
    this.model.eval();
    const ratio = higher ? this.value : this.value / s.guess;
    const grads = this.divergedAt === null ? s.gradients() : null;
    const top = grads ? grads.norms[grads.norms.length - 1]! : null;
    return {
      task: c.task, cell: c.cell, init: c.init, length: c.length, sequenceSteps: s.sequenceSteps, hiddenSize: this.hiddenSize, parameters: this.model.numParameters(),
      steps: this.steps, seconds: this.curve.length ? this.curve[this.curve.length - 1]!.seconds : 0, metric: s.metric, value: this.value, guess: s.guess, ratio,
      solved: higher ? null : ratio < SOLVED_RATIO, recalled: this.bestRecalled, curve: [...this.curve], divergedAt: this.divergedAt, maxGradNorm: this.maxGradNorm,
      gradientNorms: top ? [...top] : null, gradientDecay: top ? decayPerStep(top, 100) : null,
      curriculum: c.curriculum ? { lengths: [...this.lengths], reachedAt: this.reachedAt } : null,
    };
  }
}

/** Every W_hh orthogonal (per gate block), times `radius`: each block's eigenvalues then all have modulus `radius`. */
function setSpectralRadius(rnn: RecurrentBase, radius: number): void {
  rnn.resetParameters('orthogonal');
  for (const [name, p] of rnn.namedParameters()) if (name.startsWith('weight_hh')) for (let i = 0; i < p.data.length; i++) p.data[i] *= radius;
}
