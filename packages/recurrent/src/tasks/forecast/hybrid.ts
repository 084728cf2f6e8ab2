/**
 * The hybrid of exponential smoothing and a recurrent network, after Smyl's
 * ES-RNN (the M4 competition's winner): each series keeps its own
 * Holt-Winters (fitEtsBaseline: fitted on its history before the test span,
 * run forward with its coefficients fixed), which gives at every origin t a
 * level a_t and the seasonal indices; one network, global over all the
 * series, reads the last `lookback` values deseasonalised and divided by the
 * level at the origin, and forecasts the next `horizon` such values (three
 * quantiles each, pinball loss). The forecast is the network's path put back
 * on the series' level and season, and the network forecasts the departure
 * from the smoothing's own path (its head starts at zero: an untrained
 * hybrid forecasts exactly what the smoothing does):
 *   d_k = y_k - s_k (additive) or y_k / s_k (multiplicative), x_k = (d_k / a_t - 1) / spread
 *   yhat_{t+h} = a_t (1 + spread out_h + (phi + ... + phi^h) b_t / a_t) (+ or x) s_{t+h}
 * where `spread` is the series' seasonal-naive error over its mean level in
 * training, so that every series reaches the network in units of its own
 * typical change.
 * An ensemble of `seeds` networks averages its quantiles. Spans are those of
 * `recurrent forecast train`: the first 80% trains, the next 10% validates
 * (early stopping), the last 10% tests. Experimental, step two of issue #18
 * (not exported, no command-line option): on the benchmark set its median
 * MASE does not yet beat the smoothing's own (README, "The benchmark set").
 */
import { ConfigError, DataError } from '../../errors.js';
import { quantileLoss } from '../../losses/losses.js';
import type { HoltWinters, SmoothingPass } from '../../models/holt-winters.js';
import { SequenceRegressor } from '../../models/sequence-regressor.js';
import { noGrad } from '../../nn/grad-mode.js';
import { createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { fit } from '../../train/fit.js';
import { Trainer } from '../../train/trainer.js';
import { fitEtsBaseline } from './ets.js';
import { type Accuracy, AccuracyMeter, naiveScale, seasonalNaiveForecast } from './metrics.js';

export interface HybridOptions {
  horizon: number;
  season: number;
  /** steps read per forecast (default 2 seasons, at least 12) */
  lookback?: number;
  hiddenSize?: number;
  /** networks in the ensemble (default 3) */
  seeds?: number;
  /** central interval coverage (default 0.9) */
  interval?: number;
  epochs?: number;
  patience?: number;
  lr?: number;
  batch?: number;
}

/** One series' smoothing, run over the whole series. */
interface Smoothed {
  values: Float64Array;
  model: HoltWinters;
  /** its pass over the whole series, coefficients fixed */
  pass: SmoothingPass;
  mult: boolean;
  /** level a_t after y_t */
  level: Float64Array;
  /** the smoothing's own forecast of the level path from origin t, h steps on, as a relative change: (phi + ... + phi^h) b_t / a_t */
  etsPath: (t: number, h: number) => number;
  /** the seasonal index in force at each t (s_{t-m} before the update), and past the end from the last states */
  seasonAt: (k: number, origin: number) => number;
  /** the series' typical relative change: its seasonal-naive error over its mean level, in training */
  spread: number;
  spans: { trainEnd: number; valEnd: number };
}

export interface HybridEvaluation {
  name: string;
  hybrid: Accuracy;
  ets: Accuracy;
  seasonalNaive: Accuracy;
  /** share of actual values inside the interval */
  coverage: number;
  origins: number;
}

const QUANTILES = (interval: number): number[] => [(1 - interval) / 2, 0.5, (1 + interval) / 2];

function smooth(values: Float64Array, season: number, horizon: number): Smoothed {
  const n = values.length;
  const trainEnd = Math.floor(n * 0.8);
  const valEnd = Math.floor(n * 0.9);
  if (n - valEnd < horizon) throw new DataError(`the test span (${n - valEnd} steps) is shorter than the horizon ${horizon}`);
  const { model } = fitEtsBaseline(values, valEnd, trainEnd, season);
  const mult = model.seasonal === 'multiplicative';
  // Level and seasonal index at every step, from one pass with the coefficients fixed.
  const pass = model.filter(values);
  const { levels: level, trends } = pass;
  const { phi } = model.coefficients();
  const etsPath = (t: number, h: number): number => {
    let damp = 0;
    for (let i = 1; i <= h; i++) damp += phi ** i;
    return (damp * trends[t]!) / level[t]!;
  };
  const seasonAt = (k: number, origin: number): number => model.seasonIndexAt(pass, k, origin);
  // Series move by very different relative amounts (CO2 by 0.4% a year, passengers by 10%): the
  // network sees each one in units of its own typical change.
  let meanLevel = 0;
  for (let t = 0; t < trainEnd; t++) meanLevel += Math.abs(level[t]!) / trainEnd;
  const spread = naiveScale(values, trainEnd, season) / meanLevel || 1;
  return { values, model, pass, mult, level, etsPath, seasonAt, spread, spans: { trainEnd, valEnd } };
}

export class HybridForecaster {
  private readonly models: SequenceRegressor[] = [];
  private readonly smoothed: Smoothed[];
  readonly lookback: number;
  readonly quantiles: number[];

  private constructor(readonly names: string[], values: Float64Array[], readonly options: Required<HybridOptions>) {
    this.lookback = options.lookback;
    this.quantiles = QUANTILES(options.interval);
    this.smoothed = values.map((v, i) => {
      try {
        return smooth(v, options.season, options.horizon);
      } catch (e) {
        throw new DataError(`${names[i]}: ${(e as Error).message}`);
      }
    });
  }

  /**
   * Fits each series' smoothing, then trains the ensemble of global networks
   * on every series' training span (validated on their validation spans).
   */
  static async train(series: Array<{ name: string; values: Float64Array }>, options: HybridOptions): Promise<HybridForecaster> {
    if (series.length === 0) throw new ConfigError('HybridForecaster.train: no series');
    const o: Required<HybridOptions> = {
      lookback: Math.max(12, 2 * options.season), hiddenSize: 32, seeds: 3, interval: 0.9, epochs: 200, patience: 20, lr: 3e-3, batch: 32, ...options,
    };
    for (const k of ['horizon', 'season', 'lookback', 'hiddenSize', 'seeds', 'epochs', 'patience', 'batch'] as const) {
      if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new ConfigError(`HybridForecaster: ${k} must be a positive integer, got ${o[k]}`);
    }
    const h = new HybridForecaster(series.map((s) => s.name), series.map((s) => s.values), o);
    const train = h.originsIn((s) => [o.lookback - 1, s.spans.trainEnd]);
    const val = h.originsIn((s) => [s.spans.trainEnd - 1, s.spans.valEnd]);
    if (train.length === 0) throw new DataError(`no training windows: each series needs more than ${o.lookback + o.horizon} steps in its training span`);
    for (let seed = 0; seed < o.seeds; seed++) {
      const rng = new Random(1000 + seed);
      const model = new SequenceRegressor({ inputSize: 1, hiddenSize: o.hiddenSize, outputSize: o.horizon * 3 }, rng);
      // It starts as the smoothing: a zero departure everywhere.
      model.head.weight.data.fill(0);
      model.head.bias?.data.fill(0);
      const trainer = new Trainer(model, createOptimizer('adam', model.parameters(), { lr: o.lr }), { clipNorm: 1 });
      await fit(model, {
        size: train.length,
        batch: o.batch,
        step: (order) => {
          const { x, y } = h.batch(order.map((i) => train[i]!));
          return trainer.step(() => {
            const l = quantileLoss(model.forward(x), y, h.quantiles);
            model.backward(l.grad);
            return l.loss;
          }).loss;
        },
        validate: () => {
          const v = noGrad(() => {
            const { x, y } = h.batch(val);
            return quantileLoss(model.forward(x), y, h.quantiles).loss;
          });
          return { metrics: v, rank: [-v] };
        },
      }, { epochs: o.epochs, patience: o.patience, yieldEvery: 64 }, { rng });
      model.eval();
      h.models.push(model);
    }
    return h;
  }

  /** (series, origin) pairs whose whole horizon lies in each series' [start, end). */
  private originsIn(span: (s: Smoothed) => [number, number]): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.smoothed.forEach((s, i) => {
      const [start, end] = span(s);
      for (let t = Math.max(this.lookback - 1, start); t + this.options.horizon < end; t++) out.push([i, t]);
    });
    return out;
  }

  /** The normalised value of step k seen from origin t. */
  private normalised(s: Smoothed, k: number, t: number, y: number): number {
    const si = s.seasonAt(k, t);
    const d = s.mult ? y / si : y - si;
    return (d / s.level[t]! - 1) / s.spread;
  }

  /** Windows (B, lookback, 1) from each (series, origin) and, with targets, the normalised future (B * horizon). */
  private batch(origins: Array<[number, number]>, targets = true): { x: Tensor; y: Float32Array } {
    const L = this.lookback;
    const H = this.options.horizon;
    const x = new Float32Array(origins.length * L);
    const y = new Float32Array(origins.length * H);
    origins.forEach(([i, t], b) => {
      const s = this.smoothed[i]!;
      for (let j = 0; j < L; j++) {
        const k = t - L + 1 + j;
        x[b * L + j] = this.normalised(s, k, t, s.values[k]!);
      }
      // The network forecasts the departure from the smoothing's own path: output 0 is the ETS forecast.
      if (targets) for (let h = 1; h <= H; h++) y[b * H + h - 1] = this.normalised(s, t + h, t, s.values[t + h]!) - s.etsPath(t, h) / s.spread;
    });
    return { x: new Tensor(x, [origins.length, L, 1]), y };
  }

  /** Quantile forecasts (H x 3: lower, median, upper) of series i from origin t, in the series' units. */
  forecast(i: number, t: number): Array<[number, number, number]> {
    const s = this.smoothed[i]!;
    const H = this.options.horizon;
    if (!(Number.isInteger(t) && t >= this.lookback - 1 && t < s.values.length)) throw new DataError(`${this.names[i]}: a forecast origin needs ${this.lookback} steps of history, got origin ${t}`);
    const { x } = this.batch([[i, t]], false);
    const sum = new Float64Array(H * 3);
    for (const m of this.models) {
      const out = noGrad(() => m.forward(x)).data;
      for (let j = 0; j < H * 3; j++) sum[j] += out[j]! / this.models.length;
    }
    const res: Array<[number, number, number]> = [];
    for (let h = 1; h <= H; h++) {
      const si = s.seasonAt(t + h, t);
      const put = (z: number): number => {
        const d = s.level[t]! * (1 + z * s.spread + s.etsPath(t, h));
        return s.mult ? d * si : d + si;
      };
      const q = [0, 1, 2].map((k) => put(sum[(h - 1) * 3 + k]!)).sort((a, b) => a - b) as [number, number, number];
      res.push(q);
    }
    return res;
  }

  /** Accuracy of series i on its test span (or its validation span), with its ETS and seasonal naive on the same origins. */
  evaluate(i: number, span: 'test' | 'validation' = 'test'): HybridEvaluation {
    const s = this.smoothed[i]!;
    const H = this.options.horizon;
    const m = this.options.season;
    const scale = naiveScale(s.values, s.spans.trainEnd, m);
    const hybrid = new AccuracyMeter(scale);
    const ets = new AccuracyMeter(scale);
    const snaive = new AccuracyMeter(scale);
    let inside = 0;
    let count = 0;
    let origins = 0;
    const [start, end] = span === 'test' ? [s.spans.valEnd, s.values.length] : [s.spans.trainEnd, s.spans.valEnd];
    for (let t = Math.max(start - 1, this.lookback - 1); t + H < end; t++) {
      origins++;
      const f = this.forecast(i, t);
      const e = s.model.forecastAt(s.pass, t, H);
      for (let h = 1; h <= H; h++) {
        const y = s.values[t + h]!;
        hybrid.add(y, f[h - 1]![1]);
        ets.add(y, e[h - 1]!);
        snaive.add(y, seasonalNaiveForecast(s.values, t, h, m));
        if (y >= f[h - 1]![0] && y <= f[h - 1]![2]) inside++;
        count++;
      }
    }
    return { name: this.names[i]!, hybrid: hybrid.result(), ets: ets.result(), seasonalNaive: snaive.result(), coverage: inside / count, origins };
  }
}
