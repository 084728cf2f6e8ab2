/**
 * Forecaster: a recurrent network that reads the last `lookback` steps of a
 * series and forecasts the next `horizon` steps of its target columns, with a
 * prediction interval from quantile regression (the network outputs the
 * lower, median and upper quantiles; trained with the pinball loss).
 *
 *  direct:    one output per horizon step (and target, and quantile);
 *  recursive: one step ahead for every input column, fed back `horizon`
 *             times; the interval at step h is the one-step interval given
 *             the fed-back medians.
 * After training, each target's interval at each horizon step is scaled so
 * that it covers the nominal share of the validation span (split conformal
 * calibration): the learnt intervals come from the training span, and a
 * drifting series outgrows them.
 *
 * The series is split in time order into training, validation and test
 * spans; the weights with the lowest validation loss are kept.
 * Browser-safe: no Node imports; `io.ts` beside it saves folders.
 */
import { checkOptions, ConfigError, DataError, optionKeys } from '../../errors.js';
import { type JsonValue, buildForWeights, loadWeights, weightsToBytes, modelEnvelope, checkTaskConfig } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { quantileLoss } from '../../losses/losses.js';
import { SequenceRegressor } from '../../models/sequence-regressor.js';
import { noGrad } from '../../nn/grad-mode.js';
import { fit } from '../../train/fit.js';
import { type OptimizerName, createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Trainer } from '../../train/trainer.js';
import { type Frequency, type Series, timeAt } from '../../data/timeseries.js';
import { type Scaler, type WindowSpec, fitScaler, inputSize, writeTargets, writeWindow } from './features.js';
import { type Accuracy, AccuracyMeter, defaultSeason, naiveForecast, naiveScale, seasonalNaiveForecast } from './metrics.js';
import { fitEtsBaseline } from './ets.js';

/** How the horizon is forecast: all steps at once from the last state, or one step at a time fed back. */
export type ForecastStrategy = 'direct' | 'recursive';

/** How a forecaster is built: inputs and targets, lookback and horizon, strategy, interval, network, split, season. */
export interface ForecastOptions {
  /** columns the network reads (default: the targets) */
  inputs?: string[];
  /** columns it forecasts */
  targets: string[];
  /** steps of history per forecast (default 2 seasons, at least 24) */
  lookback?: number;
  /** steps forecast (default 1) */
  horizon?: number;
  strategy?: ForecastStrategy;
  /** central interval coverage, e.g. 0.9 for the 5% and 95% quantiles (default 0.9) */
  interval?: number;
  cell?: CellKind;
  hiddenSize?: number;
  numLayers?: number;
  dropout?: number;
  /** fractions of the series for training, validation, test, in time order (default [0.8, 0.1, 0.1]) */
  split?: [number, number, number];
  /** season length for the seasonal-naive baseline and MASE (default from the frequency: 12 monthly, 7 daily) */
  season?: number;
}

/** Forecaster training: epochs, time limit, patience, batch, learning rate, optimiser, clipping. */
export interface ForecastTrainOptions {
  /** passes over the training windows (default 200; early stopping usually ends sooner) */
  epochs?: number;
  /** or stop after this many seconds */
  timeLimit?: number;
  /** stop when the validation loss has not improved for this many epochs (default 20) */
  patience?: number;
  batch?: number;
  lr?: number;
  optimizer?: OptimizerName;
  /** global gradient-norm clipping (default 1; 0 disables) */
  clip?: number;
}

/** Progress of forecaster training, per epoch. */
export interface ForecastProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number;
  bestValLoss: number;
  seconds: number;
  /** fraction done (epochs or time, whichever is further) */
  fraction: number;
}

/** One epoch of forecaster training: losses and time. */
export interface ForecastHistoryEntry {
  epoch: number;
  loss: number;
  valLoss: number;
  seconds: number;
}

/** A forecast of one target column from one origin. */
export interface TargetForecast {
  column: string;
  median: number[];
  lower: number[];
  upper: number[];
}

/** Forecasts past a time: the times, and each target's median and interval. */
export interface Forecast {
  /** the time of each forecast step */
  times: number[];
  targets: TargetForecast[];
}

/** One target's accuracy (MAE, RMSE, MASE) and the baselines', and the interval's coverage. */
export interface TargetEvaluation {
  column: string;
  model: Accuracy;
  naive: Accuracy;
  seasonalNaive: Accuracy;
  /** Holt-Winters fitted on the history before the test span (fitEtsBaseline) */
  ets: Accuracy;
  /** its form, e.g. "multiplicative seasonality, damped trend" */
  etsForm: string;
  /** share of actual values inside the prediction interval */
  coverage: number;
}

/** Test-span accuracy of each target, against the baselines. */
export interface Evaluation {
  span: { start: number; end: number; origins: number };
  season: number;
  interval: number;
  targets: TargetEvaluation[];
}

interface ResolvedOptions {
  inputs: string[];
  targets: string[];
  lookback: number;
  horizon: number;
  strategy: ForecastStrategy;
  interval: number;
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  split: [number, number, number];
  season: number;
}

/** What the saved model must know of its data to be used on new rows of it. */
export interface SeriesInfo {
  source: string;
  columns: string[];
  frequency: Frequency;
  isDate: boolean;
  length: number;
  filled: Record<string, number>;
  insertedSteps: number;
}

/** The spans of a series, as grid indices [start, end). */
export interface Spans {
  train: [number, number];
  val: [number, number];
  test: [number, number];
}

const TASK = 'forecast';

/** The defaults of a forecast (the command line shows and uses these same values). */
export const FORECAST_DEFAULTS = {
  train: { epochs: 200, patience: 20, batch: 32, lr: 3e-3, optimizer: 'adam' as OptimizerName, clip: 1 },
  model: { strategy: 'direct' as ForecastStrategy, horizon: 1, interval: 0.9, split: [0.8, 0.1, 0.1] as [number, number, number], cell: 'LSTM' as CellKind, hiddenSize: 64, numLayers: 1, dropout: 0 },
} as const;

/** Forecasting: a recurrent network over a window of the series, trained with quantile losses for a calibrated interval. */
export class Forecaster {
  readonly options: ResolvedOptions;
  readonly spec: WindowSpec;
  readonly model: SequenceRegressor;
  readonly quantiles: [number, number, number];
  history: ForecastHistoryEntry[] = [];
  best: { epoch: number; valLoss: number } | null = null;
  /**
   * Per target and horizon step, the factor that widens (or narrows) the
   * learnt interval around the median so that it covers `interval` of the
   * validation span (split conformal calibration); null before training.
   */
  calibration: number[][] | null = null;

  private constructor(options: ResolvedOptions, readonly scaler: Scaler, readonly series: SeriesInfo, seed: number) {
    this.options = options;
    const col = (c: string): number => {
      const i = series.columns.indexOf(c);
      if (i < 0) throw new DataError(`${series.source}: no column "${c}" among the series' columns (${series.columns.join(', ')})`);
      return i;
    };
    const inputs = options.inputs.map(col);
    const targets = options.strategy === 'recursive' ? inputs : options.targets.map(col);
    this.spec = {
      lookback: options.lookback, inputs, targets, horizon: options.strategy === 'recursive' ? 1 : options.horizon,
      frequency: series.frequency, isDate: series.isDate,
    };
    const a = (1 - options.interval) / 2;
    this.quantiles = [a, 0.5, 1 - a];
    this.model = new SequenceRegressor({
      inputSize: inputSize(this.spec), hiddenSize: options.hiddenSize, numLayers: options.numLayers, dropout: options.dropout,
      mode: options.cell, outputSize: this.spec.horizon * targets.length * 3,
    }, new Random(seed));
  }

  /** A new, untrained forecaster for a series (its scaler is fitted on the training span). */
  static create(series: Series, options: ForecastOptions, seed = 0): Forecaster {
    checkOptions('Forecaster.create', options, optionKeys<ForecastOptions>({
      inputs: true, targets: true, lookback: true, horizon: true, strategy: true, interval: true, cell: true, hiddenSize: true, numLayers: true, dropout: true, split: true, season: true,
    }));
    const o = resolveOptions(series, options);
    const info: SeriesInfo = {
      source: series.source, columns: series.columns, frequency: series.frequency, isDate: series.isDate,
      length: series.times.length, filled: series.filled, insertedSteps: series.insertedSteps,
    };
    const spans = splitSpans(series.times.length, o);
    const scaler = fitScaler(series.columns, series.values, spans.train[1], series.source);
    return new Forecaster(o, scaler, info, seed);
  }

  /** Where the training, validation and test spans of a series of that length end. */
  spans(length = this.series.length): Spans {
    return splitSpans(length, this.options);
  }

  /** Origins (last observed step) whose whole target lies in [start, end). */
  private origins(start: number, end: number): number[] {
    const first = Math.max(this.options.lookback - 1, start - 1);
    const out: number[] = [];
    for (let t = first; t + this.spec.horizon < end; t++) out.push(t);
    return out;
  }

  private batch(series: Series, origins: number[]): { x: Tensor; y: Float32Array } {
    const F = inputSize(this.spec);
    const L = this.spec.lookback;
    const K = this.spec.targets.length;
    const x = new Float32Array(origins.length * L * F);
    const y = new Float32Array(origins.length * this.spec.horizon * K);
    const times = (k: number): number => series.times[k]!;
    origins.forEach((t, b) => {
      writeWindow(this.spec, series.values, times, this.scaler, t, x, b * L * F);
      writeTargets(this.spec, series.values, this.scaler, t, y, b * this.spec.horizon * K);
    });
    return { x: new Tensor(x, [origins.length, L, F]), y };
  }

  private validationLoss(series: Series, origins: number[]): number {
    let total = 0;
    noGrad(() => {
      this.model.eval();
      for (let i = 0; i < origins.length; i += 256) {
        const part = origins.slice(i, i + 256);
        const { x, y } = this.batch(series, part);
        total += quantileLoss(this.model.forward(x), y, this.quantiles).loss * part.length;
      }
    });
    return total / origins.length;
  }

  /**
   * Trains on the training span, validating each epoch; keeps the weights
   * with the lowest validation loss. NaN stops training with NonFiniteLossError.
   */
  async train(series: Series, options: ForecastTrainOptions = {}, hooks: { onProgress?: (p: ForecastProgress) => void; seed?: number; shouldStop?: () => boolean } = {}): Promise<ForecastHistoryEntry[]> {
    checkOptions('Forecaster.train', options, optionKeys<ForecastTrainOptions>({
      epochs: true, timeLimit: true, patience: true, batch: true, lr: true, optimizer: true, clip: true,
    }));
    this.checkSeries(series);
    const D = FORECAST_DEFAULTS.train;
    const epochs = options.epochs ?? D.epochs;
    const patience = options.patience ?? D.patience;
    const batchSize = options.batch ?? D.batch;
    if (!(Number.isInteger(epochs) && epochs > 0)) throw new ConfigError(`epochs must be a positive integer, got ${epochs}`);
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new ConfigError(`batch must be a positive integer, got ${batchSize}`);
    const spans = this.spans(series.times.length);
    const trainOrigins = this.origins(spans.train[0], spans.train[1]);
    const valOrigins = this.origins(spans.val[0], spans.val[1]);
    const clip = options.clip ?? D.clip;
    const optimizer = createOptimizer(options.optimizer ?? D.optimizer, this.model.parameters(), { lr: options.lr ?? D.lr });
    const trainer = new Trainer(this.model, optimizer, { clipNorm: clip > 0 ? clip : null });
    const first = this.history.length;
    await fit(this.model, {
      size: trainOrigins.length,
      batch: batchSize,
      step: (order) => {
        const { x, y } = this.batch(series, order.map((i) => trainOrigins[i]!));
        return trainer.step(() => {
          const out = this.model.forward(x);
          const l = quantileLoss(out, y, this.quantiles);
          this.model.backward(l.grad);
          return l.loss;
        }).loss;
      },
      validate: () => {
        const valLoss = this.validationLoss(series, valOrigins);
        return { metrics: valLoss, rank: [-valLoss] };
      },
    }, {
      epochs, patience, yieldEvery: 16, bestRank: this.best ? [-this.best.valLoss] : null,
      ...(options.timeLimit !== undefined ? { timeLimit: options.timeLimit } : {}),
    }, {
      rng: new Random(hooks.seed ?? 0),
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
      onEval: (e) => {
        const entry = { epoch: first + e.epoch, loss: e.loss, valLoss: e.metrics, seconds: e.elapsed };
        this.history.push(entry);
        if (e.improved) this.best = { epoch: entry.epoch, valLoss: e.metrics };
        hooks.onProgress?.({ epoch: e.epoch, epochs, loss: e.loss, valLoss: e.metrics, bestValLoss: this.best?.valLoss ?? e.metrics, seconds: e.elapsed, fraction: e.fraction });
      },
    });
    this.model.eval();
    this.calibrate(series);
    return this.history;
  }

  /** Split conformal calibration of the intervals on the validation span (see `calibration`). */
  private calibrate(series: Series): void {
    const spans = this.spans(series.times.length);
    const H = this.options.horizon;
    const origins: number[] = [];
    for (let t = Math.max(spans.val[0] - 1, this.options.lookback - 1); t + H < spans.val[1]; t++) origins.push(t);
    this.calibration = null;
    // Too few validation forecasts to estimate a quantile: keep the learnt intervals.
    if (origins.length < 10) return;
    const cols = this.options.targets.map((c) => series.values[this.series.columns.indexOf(c)]!);
    const scores = cols.map(() => Array.from({ length: H }, () => [] as number[]));
    for (const t of origins) {
      this.forecast(series, t).targets.forEach((tf, j) => {
        for (let h = 0; h < H; h++) {
          const y = cols[j]![t + 1 + h]!;
          const m = tf.median[h]!;
          const half = y >= m ? tf.upper[h]! - m : m - tf.lower[h]!;
          scores[j]![h]!.push(Math.abs(y - m) / Math.max(half, 1e-12));
        }
      });
    }
    const level = this.options.interval;
    this.calibration = scores.map((perH) => perH.map((v) => {
      const sorted = v.sort((a, b) => a - b);
      const k = Math.min(sorted.length - 1, Math.ceil((sorted.length + 1) * level) - 1);
      return sorted[k]!;
    }));
  }

  private checkSeries(series: Series): void {
    for (const c of this.series.columns) {
      if (!series.columns.includes(c)) throw new DataError(`${series.source}: no column "${c}" (the model was trained with columns ${this.series.columns.join(', ')})`);
    }
    if (series.columns.join('\u0000') !== this.series.columns.join('\u0000')) {
      throw new DataError(`${series.source}: columns ${series.columns.join(', ')} differ from the model's ${this.series.columns.join(', ')}`);
    }
    const need = this.options.lookback;
    if (series.times.length < need) throw new DataError(`${series.source}: ${series.times.length} time steps, the model needs at least its lookback of ${need}`);
  }

  /**
   * Forecasts `horizon` steps after origin t (default: the last step of the
   * series), in the data's units, with the interval.
   */
  forecast(series: Series, t = series.times.length - 1): Forecast {
    this.checkSeries(series);
    const H = this.options.horizon;
    const L = this.options.lookback;
    if (t < L - 1 || t >= series.times.length) throw new DataError(`forecast origin ${t} needs ${L} steps of history inside the series of ${series.times.length}`);
    const times = Array.from({ length: H }, (_, h) => timeAt(series, t + 1 + h));
    const targets = this.options.targets.map((c) => ({ column: c, median: [] as number[], lower: [] as number[], upper: [] as number[] }));
    const targetIndex = this.options.targets.map((c) => this.series.columns.indexOf(c));
    const F = inputSize(this.spec);
    const x = new Float32Array(L * F);
    noGrad(() => {
      this.model.eval();
      if (this.options.strategy === 'direct') {
        writeWindow(this.spec, series.values, (k) => series.times[k]!, this.scaler, t, x, 0);
        const out = this.model.forward(new Tensor(x, [1, L, F])).data;
        const K = this.spec.targets.length;
        for (let h = 0; h < H; h++) {
          targets.forEach((tf, j) => {
            const c = this.spec.targets[j]!;
            const at = (h * K + j) * 3;
            const origin = series.values[c]![t]!;
            const q = [0, 1, 2].map((i) => origin + out[at + i]! * this.scaler.scale[c]!).sort((a, b) => a - b);
            tf.lower.push(q[0]!);
            tf.median.push(q[1]!);
            tf.upper.push(q[2]!);
          });
        }
        return;
      }
      // Recursive: the last L values of every column, extended step by step by the medians.
      const cols = series.values.map((v) => Array.from(v.subarray(t - L + 1, t + 1)));
      const timeOf = (k: number): number => timeAt(series, t - L + 1 + k);
      for (let h = 0; h < H; h++) {
        const origin = L - 1 + h;
        writeWindow(this.spec, cols, timeOf, this.scaler, origin, x, 0);
        const out = this.model.forward(new Tensor(x, [1, L, F])).data;
        const step = new Map<number, number[]>();
        this.spec.inputs.forEach((c, j) => {
          const q = [0, 1, 2].map((i) => cols[c]![origin]! + out[j * 3 + i]! * this.scaler.scale[c]!).sort((a, b) => a - b);
          step.set(c, q);
        });
        cols.forEach((col, c) => col.push(step.get(c)?.[1] ?? col[origin]!));
        targets.forEach((tf, j) => {
          const q = step.get(targetIndex[j]!)!;
          tf.lower.push(q[0]!);
          tf.median.push(q[1]!);
          tf.upper.push(q[2]!);
        });
      }
    });
    if (this.calibration) {
      targets.forEach((tf, j) => {
        for (let h = 0; h < H; h++) {
          const s = this.calibration![j]![h]!;
          const m = tf.median[h]!;
          tf.lower[h] = m - s * (m - tf.lower[h]!);
          tf.upper[h] = m + s * (tf.upper[h]! - m);
        }
      });
    }
    return { times, targets };
  }

  /**
   * Accuracy on the test span from every origin whose whole horizon lies in
   * it, with the naive, seasonal-naive and exponential-smoothing baselines
   * on the same origins (Holt-Winters fitted on the history before the test
   * span, its form chosen on the validation span: fitEtsBaseline).
   */
  evaluate(series: Series): Evaluation {
    this.checkSeries(series);
    const spans = this.spans(series.times.length);
    const H = this.options.horizon;
    const m = this.options.season;
    const origins: number[] = [];
    for (let t = Math.max(spans.test[0] - 1, this.options.lookback - 1); t + H < spans.test[1]; t++) origins.push(t);
    if (origins.length === 0) throw new DataError(`${series.source}: the test span (${spans.test[1] - spans.test[0]} steps) is shorter than the horizon ${H}`);
    const meters = this.options.targets.map((c) => {
      const v = series.values[this.series.columns.indexOf(c)]!;
      const scale = naiveScale(v, spans.train[1], m);
      const ets = fitEtsBaseline(v, spans.test[0], spans.val[0], m);
      // One pass over the series serves every origin (the recursion only looks back).
      const pass = ets.model.filter(v);
      return { c, v, ets, pass, model: new AccuracyMeter(scale), naive: new AccuracyMeter(scale), seasonal: new AccuracyMeter(scale), etsMeter: new AccuracyMeter(scale), inside: 0, count: 0 };
    });
    for (const t of origins) {
      const f = this.forecast(series, t);
      f.targets.forEach((tf, j) => {
        const mt = meters[j]!;
        const ets = mt.ets.model.forecastAt(mt.pass, t, H);
        for (let h = 1; h <= H; h++) {
          const y = mt.v[t + h]!;
          mt.model.add(y, tf.median[h - 1]!);
          mt.etsMeter.add(y, ets[h - 1]!);
          mt.naive.add(y, naiveForecast(mt.v, t, h));
          mt.seasonal.add(y, seasonalNaiveForecast(mt.v, t, h, m));
          if (y >= tf.lower[h - 1]! && y <= tf.upper[h - 1]!) mt.inside++;
          mt.count++;
        }
      });
    }
    return {
      span: { start: spans.test[0], end: spans.test[1], origins: origins.length },
      season: m,
      interval: this.options.interval,
      targets: meters.map((mt) => ({
        column: mt.c, model: mt.model.result(), naive: mt.naive.result(), seasonalNaive: mt.seasonal.result(), ets: mt.etsMeter.result(), etsForm: mt.ets.form,
        coverage: mt.inside / mt.count,
      })),
    };
  }

  /** config.json and model.safetensors contents. */
  toFiles(extra: { [key: string]: JsonValue } = {}): { config: JsonValue; weights: Uint8Array } {
    const config = modelEnvelope(this.model, {
      task: TASK,
      options: this.options as unknown as JsonValue,
      scaler: this.scaler as unknown as JsonValue,
      series: this.series as unknown as JsonValue,
      history: this.history as unknown as JsonValue,
      best: this.best as unknown as JsonValue,
      calibration: this.calibration,
      ...extra,
    }) as unknown as JsonValue;
    return { config, weights: weightsToBytes(this.model.stateDict()) };
  }

  /** Reads what `toFiles` wrote; `source` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, source = 'model'): Forecaster {
    const { extra } = checkTaskConfig(files.config, `${source}/config.json`, 'SequenceRegressor', TASK, 'a forecasting model');
    const f = buildForWeights(files.weights, `${source}/config.json`, () => new Forecaster(extra.options as ResolvedOptions, extra.scaler as Scaler, extra.series as SeriesInfo, 0));
    loadWeights(f.model, files.weights, `${source}/model.safetensors`);
    f.model.eval();
    f.history = (extra.history as ForecastHistoryEntry[] | undefined) ?? [];
    f.best = (extra.best as Forecaster['best'] | undefined) ?? null;
    f.calibration = (extra.calibration as number[][] | null | undefined) ?? null;
    return f;
  }
}

function resolveOptions(series: Series, o: ForecastOptions): ResolvedOptions {
  if (o.targets.length === 0) throw new ConfigError('forecast: at least one target column is required');
  const inputs = o.inputs && o.inputs.length > 0 ? o.inputs : o.targets;
  const M = FORECAST_DEFAULTS.model;
  const strategy = o.strategy ?? M.strategy;
  if (strategy !== 'direct' && strategy !== 'recursive') throw new ConfigError(`strategy must be 'direct' or 'recursive', got '${String(strategy)}'`);
  for (const c of [...inputs, ...o.targets]) {
    if (!series.columns.includes(c)) throw new DataError(`${series.source}: no column "${c}" among the chosen series columns (${series.columns.join(', ')})`);
  }
  if (strategy === 'recursive') {
    const missing = o.targets.filter((c) => !inputs.includes(c));
    if (missing.length) throw new ConfigError(`recursive forecasts feed predictions back, so every target must also be an input; not inputs: ${missing.join(', ')}`);
  }
  const season = o.season ?? defaultSeason(series.frequency, series.isDate);
  const lookback = o.lookback ?? Math.max(24, 2 * season);
  const horizon = o.horizon ?? M.horizon;
  const interval = o.interval ?? M.interval;
  const split = o.split ?? [...M.split] as [number, number, number];
  const posInt = (name: string, v: number): void => {
    if (!(Number.isInteger(v) && v > 0)) throw new ConfigError(`${name} must be a positive integer, got ${v}`);
  };
  posInt('lookback', lookback);
  posInt('horizon', horizon);
  posInt('season', season);
  if (!(interval > 0 && interval < 1)) throw new ConfigError(`interval must be in (0, 1), e.g. 0.9, got ${interval}`);
  if (split.length !== 3 || split.some((s) => !(s > 0)) || Math.abs(split[0] + split[1] + split[2] - 1) > 1e-6) {
    throw new ConfigError(`split must be three positive fractions that add up to 1 (train, validation, test), got ${split.join(', ')}`);
  }
  const resolved: ResolvedOptions = {
    inputs, targets: o.targets, lookback, horizon, strategy, interval, season, split,
    cell: o.cell ?? M.cell, hiddenSize: o.hiddenSize ?? M.hiddenSize, numLayers: o.numLayers ?? M.numLayers, dropout: o.dropout ?? M.dropout,
  };
  splitSpans(series.times.length, resolved, series.source);
  return resolved;
}

/** Splits n steps in time order; each span must hold at least one whole forecast after the lookback. */
function splitSpans(n: number, o: Pick<ResolvedOptions, 'split' | 'lookback' | 'horizon' | 'strategy'>, source = 'data'): Spans {
  const trainEnd = Math.floor(n * o.split[0]);
  const valEnd = Math.floor(n * (o.split[0] + o.split[1]));
  const H = o.horizon;
  const L = o.lookback;
  const trainH = o.strategy === 'recursive' ? 1 : H;
  const need = Math.ceil((L + trainH) / o.split[0]);
  if (trainEnd < L + trainH || valEnd - trainEnd < trainH || n - valEnd < H) {
    throw new DataError(
      `${source}: too few rows: ${n} time steps; lookback ${L} and horizon ${H} with split ${o.split.join('/')} need at least ` +
      `${Math.max(need, Math.ceil(H / o.split[2]), Math.ceil(trainH / o.split[1]))} (lower --lookback or --horizon, or add data)`,
    );
  }
  return { train: [0, trainEnd], val: [trainEnd, valEnd], test: [valEnd, n] };
}
