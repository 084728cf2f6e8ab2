/**
 * HybridForecaster: exponential smoothing and a global recurrent network,
 * after Smyl's ES-RNN (the M4 competition's winner). Each series keeps its
 * own Holt-Winters (fitEtsBaseline: the form chosen on the validation span,
 * fitted on the history before the test span, run forward with its
 * coefficients fixed), which gives at every origin t a level a_t, a trend
 * b_t and the seasonal indices. One ensemble of networks, global over all
 * the series, reads the last `lookback` values deseasonalised and divided by
 * the level at the origin, and forecasts the departure of the next `horizon`
 * such values from the smoothing's own path, in three quantiles (pinball
 * loss). With d_k = y_k - s_k (additive) or y_k / s_k (multiplicative):
 *   input   x_k = (d_k / a_t - 1) / spread                 k = t-L+1 .. t
 *   output  yhat_{t+h} = a_t (1 + spread out_h + (phi + ... + phi^h) b_t / a_t) (+ or x) s_{t+h}
 * where `spread` is the series' seasonal-naive error over its mean level in
 * training, so that every series reaches the network in units of its own
 * typical change (CO2 moves by 0.4% a year, air passengers by 10%). Each
 * network's head starts at zero: untrained, or with no network at all
 * (`seeds: 0`, the `ets` model), the hybrid forecasts what the smoothing does.
 *
 * Training, per network of the ensemble (the quantiles are averaged):
 * - windows from every series' training span (a long series is thinned to
 *   `windowsPerSeries` origins, so that one series of 2,800 months does not
 *   drown thirteen of 190), early stopping on the validation spans;
 * - `augment`: that share of the training windows gets a synthetic level
 *   shift (the window's older part moved by up to 4 spreads, the targets
 *   unchanged), so a network that never saw a law, a strike or a new product
 *   in training does not extrapolate one it meets later (without it the
 *   benchmark set's two series with the 1983 seat-belt law lose to the
 *   smoothing by 2x; README, "The benchmark set");
 * - `refit`: then trained again from the same initial weights on the
 *   training and validation spans for as many epochs as early stopping took,
 *   since the smoothing has seen the validation span too.
 * The intervals: each horizon step's interval is scaled around the median by
 * a weighted conformal quantile of past misses: the validation forecasts of
 * all the series together (with the early-stopped networks, before the
 * refit) and the series' own forecasts since its fitting span whose outcome
 * is known, the recent ones weighing most (see `calibrated`).
 *
 * Spans are those of `recurrent forecast train` (default 80/10/10% of each
 * series in time order). Browser-safe; `io.ts` saves folders.
 */
import { checkOptions, ConfigError, DataError, optionKeys } from '../../errors.js';
import { type JsonValue, buildForWeights, checkTaskConfig, loadWeights, modelEnvelope, weightsToBytes } from '../../io/model-files.js';
import type { CellKind } from '../../kernels/types.js';
import { quantileLoss } from '../../losses/losses.js';
import { EsRnn } from '../../models/es-rnn.js';
import type { HoltWinters, SmoothingPass } from '../../models/holt-winters.js';
import type { SequenceRegressor } from '../../models/sequence-regressor.js';
import { noGrad } from '../../nn/grad-mode.js';
import { type OptimizerName, createOptimizer } from '../../optim/optimizers.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { fit, type FitOptions } from '../../train/fit.js';
import { Trainer } from '../../train/trainer.js';
import { fitEtsBaseline } from './ets.js';
import type { ForecastProgress } from './forecaster.js';
import { type Accuracy, AccuracyMeter, naiveForecast, naiveScale, seasonalNaiveForecast } from './metrics.js';

/** One series by name: the hybrid's unit of data (a CSV's column, or one id's rows of it). */
export interface NamedSeries {
  name: string;
  values: ArrayLike<number>;
}

/** How the hybrid is built: horizon, season, lookback, network, seeds, interval, split. */
export interface HybridOptions {
  /** steps forecast */
  horizon: number;
  /** season length (12 monthly, 4 quarterly, 7 daily) */
  season: number;
  /** steps read per forecast (default 2 seasons, at least 12) */
  lookback?: number;
  cell?: CellKind;
  hiddenSize?: number;
  numLayers?: number;
  dropout?: number;
  /** networks in the ensemble (default 5; 0: the smoothing alone) */
  seeds?: number;
  /** central interval coverage (default 0.9) */
  interval?: number;
  /** fractions of each series for training, validation, test, in time order (default [0.8, 0.1, 0.1]) */
  split?: [number, number, number];
}

/** Hybrid training: epochs, patience, batch, learning rate, optimiser, clipping, augmentation, refit. */
export interface HybridTrainOptions {
  /** most passes over the training windows (default 200; early stopping usually ends sooner) */
  epochs?: number;
  /** stop a network when its validation loss has not improved for this many epochs (default 20) */
  patience?: number;
  batch?: number;
  lr?: number;
  optimizer?: OptimizerName;
  /** global gradient-norm clipping (default 1; 0 disables) */
  clip?: number;
  /** share of training windows given a synthetic level shift (default 0.5) */
  augment?: number;
  /** train again on training + validation spans after early stopping (default true) */
  refit?: boolean;
  /** at most this many training origins per series, or as many as the median series has if more (default 300) */
  windowsPerSeries?: number;
}

/** The defaults (the command line shows and uses these same values). */
export const HYBRID_DEFAULTS = {
  model: { cell: 'LSTM' as CellKind, hiddenSize: 32, numLayers: 1, dropout: 0, seeds: 5, interval: 0.9, split: [0.8, 0.1, 0.1] as [number, number, number] },
  train: { epochs: 200, patience: 20, batch: 32, lr: 3e-3, optimizer: 'adam' as OptimizerName, clip: 1, augment: 0.5, refit: true, windowsPerSeries: 300 },
} as const;

type ResolvedHybridOptions = Required<HybridOptions>;

/** What the model keeps of each series it was fitted on. */
export interface HybridSeriesInfo {
  name: string;
  /** steps at fitting */
  length: number;
  /** the series' typical relative change (see the file's comment) */
  spread: number;
  /** the smoothing's form, e.g. "multiplicative seasonality, damped trend" */
  form: string;
}

/** One epoch of hybrid training: losses and time. */
export interface HybridHistoryEntry {
  network: number;
  phase: 'early-stopping' | 'refit';
  epochs: number;
  /** the best validation pinball loss (early stopping) or the last training loss (refit) */
  loss: number;
}

/** A forecast of one series from one origin, in the series' units. */
export interface SeriesForecast {
  name: string;
  /** the origin: the last step the forecast has seen */
  origin: number;
  median: number[];
  lower: number[];
  upper: number[];
}

/** One series' accuracy against the naive, seasonal naive and ETS baselines. */
export interface HybridSeriesEvaluation {
  name: string;
  origins: number;
  /** the hybrid (or, with no networks, the smoothing) */
  model: Accuracy;
  naive: Accuracy;
  seasonalNaive: Accuracy;
  ets: Accuracy;
  etsForm: string;
  /** share of actual values inside the interval */
  coverage: number;
}

/** Test-span accuracy of every series, and their means. */
export interface HybridEvaluation {
  season: number;
  horizon: number;
  interval: number;
  /** 'test' (default) or 'validation' */
  span: 'test' | 'validation';
  series: HybridSeriesEvaluation[];
  /** median MASE over the series */
  medianMase: { model: number; naive: number; seasonalNaive: number; ets: number };
  /** share of all the series' actual values inside their intervals */
  coverage: number;
}

const TASK = 'forecast-hybrid';
/** The validation forecasts of all the series weigh as much as this many of a series' own realised forecasts. */
const PRIOR_WEIGHT = 10;
/** A realised forecast's weight is multiplied by this for each step since its outcome came in. */
const DECAY = 0.95;
/** Validation scores kept per horizon step. */
const KEPT_SCORES = 200;

/** How far outside its interval's half-width (on its side) y fell from the median: <= 1 inside. */
function conformalScore(y: number, lo: number, m: number, hi: number): number {
  return Math.abs(y - m) / Math.max(y >= m ? hi - m : m - lo, 1e-12);
}

/**
 * The smallest score whose weighted share reaches `level`, the forecast
 * being calibrated counting with weight 1 at infinity (weighted split
 * conformal); the largest score when the weights never reach it.
 */
function weightedQuantile(items: Array<{ score: number; w: number }>, level: number): number {
  items.sort((a, b) => a.score - b.score);
  const total = items.reduce((a, x) => a + x.w, 0) + 1;
  let c = 0;
  for (const x of items) {
    c += x.w;
    if (c >= level * total) return x.score;
  }
  return items.at(-1)!.score;
}

/** One series' smoothing run over its values, and what the windows need of it. */
interface Smoothed {
  values: ArrayLike<number>;
  hw: HoltWinters;
  pass: SmoothingPass;
  mult: boolean;
  spread: number;
  phi: number;
  trainEnd: number;
  valEnd: number;
}

/** Where a series of length n is split into training, validation and test; a DataError names the series if it is too short. */
export function hybridSpans(n: number, o: Pick<ResolvedHybridOptions, 'split' | 'lookback' | 'horizon'>, name: string): { trainEnd: number; valEnd: number } {
  const trainEnd = Math.floor(n * o.split[0]);
  const valEnd = Math.floor(n * (o.split[0] + o.split[1]));
  const need = Math.max(Math.ceil((o.lookback + o.horizon + 1) / o.split[0]), Math.ceil(o.horizon / o.split[2]), Math.ceil(o.horizon / o.split[1]));
  if (trainEnd <= o.lookback + o.horizon || valEnd - trainEnd < o.horizon || n - valEnd < o.horizon) {
    throw new DataError(`${name}: too few rows: ${n} time steps; lookback ${o.lookback} and horizon ${o.horizon} with split ${o.split.join('/')} need at least ${need} (lower --lookback or --horizon, or add data)`);
  }
  return { trainEnd, valEnd };
}

function resolve(o: HybridOptions): ResolvedHybridOptions {
  const M = HYBRID_DEFAULTS.model;
  const r: ResolvedHybridOptions = {
    lookback: Math.max(12, 2 * o.season), cell: M.cell, hiddenSize: M.hiddenSize, numLayers: M.numLayers, dropout: M.dropout,
    seeds: M.seeds, interval: M.interval, split: [...M.split], ...o,
  };
  for (const k of ['horizon', 'season', 'lookback', 'hiddenSize', 'numLayers'] as const) {
    if (!(Number.isInteger(r[k]) && r[k] >= 1)) throw new ConfigError(`hybrid forecaster: ${k} must be a positive integer, got ${r[k]}`);
  }
  if (!(Number.isInteger(r.seeds) && r.seeds >= 0)) throw new ConfigError(`hybrid forecaster: seeds must be an integer >= 0, got ${r.seeds}`);
  if (!(r.interval > 0 && r.interval < 1)) throw new ConfigError(`hybrid forecaster: interval must be in (0, 1), e.g. 0.9, got ${r.interval}`);
  if (r.split.length !== 3 || r.split.some((s) => !(s > 0)) || Math.abs(r.split[0] + r.split[1] + r.split[2] - 1) > 1e-6) {
    throw new ConfigError(`hybrid forecaster: split must be three positive fractions that add up to 1 (train, validation, test), got ${r.split.join(', ')}`);
  }
  return r;
}

/** The hybrid forecaster: each series' exponential smoothing, and one recurrent network over all their smoothed windows (ES-RNN). */
export class HybridForecaster {
  readonly options: ResolvedHybridOptions;
  readonly model: EsRnn;
  readonly series: HybridSeriesInfo[];
  readonly quantiles: [number, number, number];
  /**
   * per horizon step, the validation forecasts' scores |y - median| / half-width
   * of the interval, pooled over the series and sorted (split conformal
   * calibration; see `calibrated`); null before training or with too few
   * validation forecasts
   */
  calibration: number[][] | null = null;
  history: HybridHistoryEntry[] = [];

  private constructor(options: ResolvedHybridOptions, model: EsRnn, series: HybridSeriesInfo[]) {
    this.options = options;
    this.model = model;
    this.series = series;
    const a = (1 - options.interval) / 2;
    this.quantiles = [a, 0.5, 1 - a];
  }

  /**
   * Fits each series' smoothing (on its history before its test span) and
   * builds the untrained networks; `seed` sets their initial weights.
   */
  static create(data: NamedSeries[], options: HybridOptions, seed = 0): HybridForecaster {
    checkOptions('HybridForecaster.create', options, optionKeys<HybridOptions>({
      horizon: true, season: true, lookback: true, cell: true, hiddenSize: true, numLayers: true, dropout: true, seeds: true, interval: true, split: true,
    }));
    if (data.length === 0) throw new ConfigError('hybrid forecaster: no series');
    const o = resolve(options);
    const names = new Set<string>();
    const fitted = data.map((s) => {
      if (names.has(s.name)) throw new DataError(`hybrid forecaster: the series name '${s.name}' is given twice`);
      names.add(s.name);
      const { trainEnd, valEnd } = hybridSpans(s.values.length, o, s.name);
      const scale = naiveScale(s.values, trainEnd, o.season);
      // MASE and the networks' unit are both this error: a series that repeats itself exactly has none.
      if (!(scale > 0 && Number.isFinite(scale))) {
        throw new DataError(`${s.name}: the training span repeats itself exactly (its seasonal-naive error, season ${o.season}, is ${scale}): nothing to forecast`);
      }
      try {
        const ets = fitEtsBaseline(s.values, valEnd, trainEnd, o.season);
        // Spread: the seasonal-naive error in training over the mean level there.
        const levels = ets.model.filter(Array.from({ length: trainEnd }, (_, i) => s.values[i]!)).levels;
        let mean = 0;
        for (const v of levels) mean += Math.abs(v) / trainEnd;
        const spread = scale / mean || 1;
        return { ets, info: { name: s.name, length: s.values.length, spread, form: ets.form } };
      } catch (e) {
        throw new DataError(`${s.name}: ${(e as Error).message}`);
      }
    });
    const network = { inputSize: 1, hiddenSize: o.hiddenSize, numLayers: o.numLayers, dropout: o.dropout, mode: o.cell, outputSize: o.horizon * 3 };
    const hws = fitted.map((f) => f.ets.model);
    const model = new EsRnn(network, o.seeds, hws.map((h) => ({ season: h.season, seasonal: h.seasonal, damped: h.damped, scale: h.scale })),
      Array.from({ length: o.seeds }, (_, k) => new Random(seed * 7919 + 1000 + k)));
    model.smoothing.items.forEach((h, i) => h.loadStateDict(hws[i]!.stateDict()));
    for (const net of model.networks.items) zeroHead(net);
    model.eval();
    return new HybridForecaster(o, model, fitted.map((f) => f.info));
  }

  /** The model's index of a series by name; DataError naming the known ones if it has none. */
  indexOf(name: string): number {
    const i = this.series.findIndex((s) => s.name === name);
    if (i < 0) {
      const known = this.series.map((s) => s.name);
      throw new DataError(`no series '${name}' in this model (it was fitted on ${known.length} series: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', ...' : ''})`);
    }
    return i;
  }

  private smoothed(s: NamedSeries): Smoothed {
    const i = this.indexOf(s.name);
    const hw = this.model.smoothing.items[i]!;
    for (let t = 0; t < s.values.length; t++) {
      if (!Number.isFinite(s.values[t]!)) throw new DataError(`${s.name}: the series must be finite, got ${s.values[t]} at step ${t}`);
    }
    const { trainEnd, valEnd } = hybridSpans(s.values.length, this.options, s.name);
    return {
      values: s.values, hw, pass: hw.filter(s.values), mult: hw.seasonal === 'multiplicative', spread: this.series[i]!.spread,
      phi: hw.coefficients().phi, trainEnd, valEnd,
    };
  }

  /** The smoothing's own path from origin t, h steps on, relative to the level: (phi + ... + phi^h) b_t / a_t. */
  private static etsPath(s: Smoothed, t: number, h: number): number {
    let damp = 0;
    for (let i = 1; i <= h; i++) damp += s.phi ** i;
    return (damp * s.pass.trends[t]!) / s.pass.levels[t]!;
  }

  /** The normalised value of step k seen from origin t. */
  private static normalised(s: Smoothed, k: number, t: number): number {
    const si = s.hw.seasonIndexAt(s.pass, k, t);
    const y = s.values[k]!;
    const d = s.mult ? y / si : y - si;
    return (d / s.pass.levels[t]! - 1) / s.spread;
  }

  /**
   * (series, origin) pairs whose whole horizon lies in [start, end) of each
   * series; a series with more than `cap` of them, and more than the median
   * series has, is thinned to the larger of the two (evenly spaced, the
   * latest kept), so one long series does not drown the others and a single
   * series keeps all its windows.
   */
  private origins(sm: Smoothed[], span: (s: Smoothed) => [number, number], cap = Infinity): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const H = this.options.horizon;
    const ranges = sm.map((s) => {
      const [start, end] = span(s);
      const from = Math.max(this.options.lookback - 1, start - 1);
      return { from, end, count: Math.max(0, end - H - from) };
    });
    const counts = ranges.map((r) => r.count).sort((a, b) => a - b);
    const most = Math.max(cap, counts[Math.floor((counts.length - 1) / 2)]!);
    ranges.forEach(({ from, end, count }, i) => {
      const stride = Math.max(1, Math.ceil(count / most));
      for (let t = end - H - 1; t >= from; t -= stride) out.push([i, t]);
    });
    return out;
  }

  /**
   * Windows (B, lookback, 1) and, with `targets`, the normalised departures
   * (B * horizon); `augment` (with rng) gives that share of windows a level shift.
   */
  private batch(sm: Smoothed[], origins: Array<[number, number]>, targets: boolean, augment = 0, rng?: Random): { x: Tensor; y: Float32Array } {
    const L = this.options.lookback;
    const H = this.options.horizon;
    const x = new Float32Array(origins.length * L);
    const y = new Float32Array(targets ? origins.length * H : 0);
    origins.forEach(([i, t], b) => {
      const s = sm[i]!;
      // A synthetic level shift: the steps before p were at (1 + delta) times the level the series has now.
      let p = -1;
      let delta = 0;
      if (rng && augment > 0 && rng.next() < augment) {
        p = 1 + rng.int(L - 1);
        delta = s.spread * rng.uniform(-4, 4);
      }
      for (let j = 0; j < L; j++) {
        const v = HybridForecaster.normalised(s, t - L + 1 + j, t);
        x[b * L + j] = j < p ? ((1 + delta) * (1 + s.spread * v) - 1) / s.spread : v;
      }
      if (targets) for (let h = 1; h <= H; h++) y[b * H + h - 1] = HybridForecaster.normalised(s, t + h, t) - HybridForecaster.etsPath(s, t, h) / s.spread;
    });
    return { x: new Tensor(x, [origins.length, L, 1]), y };
  }

  /**
   * Trains the ensemble on every series' training span (early stopping on
   * the validation spans), calibrates the intervals, then (refit) trains each
   * network again on training + validation. `data` must hold the series the
   * model was created with. Does nothing to the networks with `seeds: 0`
   * (only the calibration).
   */
  async train(data: NamedSeries[], options: HybridTrainOptions = {}, hooks: { onProgress?: (p: ForecastProgress) => void; seed?: number; shouldStop?: () => boolean } = {}): Promise<HybridHistoryEntry[]> {
    checkOptions('HybridForecaster.train', options, optionKeys<HybridTrainOptions>({
      epochs: true, patience: true, batch: true, lr: true, optimizer: true, clip: true, augment: true, refit: true, windowsPerSeries: true,
    }));
    const D = HYBRID_DEFAULTS.train;
    const o = { ...D, ...options };
    for (const k of ['epochs', 'patience', 'batch', 'windowsPerSeries'] as const) {
      if (!(Number.isInteger(o[k]) && o[k] > 0)) throw new ConfigError(`hybrid forecaster: ${k} must be a positive integer, got ${o[k]}`);
    }
    if (!(o.augment >= 0 && o.augment <= 1)) throw new ConfigError(`hybrid forecaster: augment must be in [0, 1], got ${o.augment}`);
    const sm = this.matchData(data);
    const train = this.origins(sm, (s) => [0, s.trainEnd], o.windowsPerSeries);
    const val = this.origins(sm, (s) => [s.trainEnd, s.valEnd]);
    const both = this.origins(sm, (s) => [0, s.valEnd], o.windowsPerSeries);
    const nets = this.model.networks.items;
    const runs = nets.length * (o.refit ? 2 : 1);
    const t0 = performance.now();
    let done = 0;
    let bestVal = Infinity;
    let lastLoss = NaN;
    const run = async (net: SequenceRegressor, k: number, windows: Array<[number, number]>, fitOptions: FitOptions) => {
      const rng = new Random((hooks.seed ?? 0) * 7919 + 2000 + k);
      const trainer = new Trainer(net, createOptimizer(o.optimizer, net.parameters(), { lr: o.lr }), { clipNorm: o.clip > 0 ? o.clip : null });
      const epochs = fitOptions.epochs!;
      const r = await fit(net, {
        size: windows.length,
        batch: o.batch,
        step: (order) => {
          const { x, y } = this.batch(sm, order.map((i) => windows[i]!), true, o.augment, rng);
          return trainer.step(() => {
            const l = quantileLoss(net.forward(x), y, this.quantiles);
            net.backward(l.grad);
            return l.loss;
          }).loss;
        },
        validate: () => {
          const v = this.pinball(net, sm, val);
          return { metrics: v, rank: [-v] };
        },
      }, { yieldEvery: 64, ...fitOptions }, {
        rng,
        ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
        onEval: (e) => {
          bestVal = Math.min(bestVal, e.metrics);
          lastLoss = e.loss;
          hooks.onProgress?.({
            epoch: e.epoch, epochs, loss: e.loss, valLoss: e.metrics, bestValLoss: bestVal, seconds: (performance.now() - t0) / 1000,
            fraction: (done + e.epoch / epochs) / runs,
          });
        },
      });
      net.eval();
      done++;
      return r;
    };
    const initial = nets.map((n) => n.stateDict());
    const bestEpochs: number[] = [];
    for (const [k, net] of nets.entries()) {
      if (val.length === 0) throw new DataError('hybrid forecaster: no validation windows (each series needs a validation span of at least the horizon)');
      const r = await run(net, k, train, { epochs: o.epochs, patience: o.patience });
      bestEpochs.push(Math.max(1, r.best?.epoch ?? o.epochs));
      this.history.push({ network: k, phase: 'early-stopping', epochs: r.best?.epoch ?? 0, loss: r.best?.metrics ?? NaN });
      if (r.stopped === 'requested') break;
    }
    this.calibrate(sm);
    if (o.refit && !hooks.shouldStop?.()) {
      for (const [k, net] of nets.entries()) {
        net.loadStateDict(initial[k]!);
        const r = await run(net, k, both, { epochs: bestEpochs[k]!, restoreBest: false });
        this.history.push({ network: k, phase: 'refit', epochs: bestEpochs[k]!, loss: lastLoss });
        if (r.stopped === 'requested') break;
      }
    }
    return this.history;
  }

  /** The smoothed form of each given series, checked against the model's. */
  private matchData(data: NamedSeries[]): Smoothed[] {
    if (data.length !== this.series.length || data.some((s, i) => s.name !== this.series[i]!.name)) {
      throw new DataError(`hybrid forecaster: train on the series it was created with (${this.series.length}: ${this.series.slice(0, 5).map((s) => s.name).join(', ')}${this.series.length > 5 ? ', ...' : ''}), in that order`);
    }
    return data.map((s) => this.smoothed(s));
  }

  private pinball(net: SequenceRegressor, sm: Smoothed[], windows: Array<[number, number]>): number {
    let total = 0;
    noGrad(() => {
      for (let i = 0; i < windows.length; i += 256) {
        const part = windows.slice(i, i + 256);
        const { x, y } = this.batch(sm, part, true);
        total += quantileLoss(net.forward(x), y, this.quantiles).loss * part.length;
      }
    });
    return total / windows.length;
  }

  /** The ensemble's quantiles from each origin before calibration, in the series' units (per origin, H x [lower, median, upper]). */
  private raw(s: Smoothed, origins: number[]): Array<Array<[number, number, number]>> {
    const H = this.options.horizon;
    const nets = this.model.networks.items;
    const sum = new Float64Array(origins.length * H * 3);
    if (nets.length > 0) {
      noGrad(() => {
        for (let from = 0; from < origins.length; from += 256) {
          const part = origins.slice(from, from + 256);
          const { x } = this.batch([s], part.map((t) => [0, t]), false);
          for (const net of nets) {
            const out = net.forward(x).data;
            for (let j = 0; j < part.length * H * 3; j++) sum[from * H * 3 + j] += out[j]! / nets.length;
          }
        }
      });
    } else {
      // The smoothing alone: an interval of one typical change each side, which calibration scales.
      for (let j = 0; j < origins.length * H; j++) {
        sum[j * 3] = -1;
        sum[j * 3 + 2] = 1;
      }
    }
    return origins.map((t, b) => {
      const a = s.pass.levels[t]!;
      const out: Array<[number, number, number]> = [];
      for (let h = 1; h <= H; h++) {
        const si = s.hw.seasonIndexAt(s.pass, t + h, t);
        const put = (z: number): number => {
          const d = a * (1 + z * s.spread + HybridForecaster.etsPath(s, t, h));
          return s.mult ? d * si : d + si;
        };
        out.push([0, 1, 2].map((k) => put(sum[(b * H + h - 1) * 3 + k]!)).sort((p, q) => p - q) as [number, number, number]);
      }
      return out;
    });
  }

  /**
   * Calibrated forecasts from each of `origins` (ascending) of series i: the
   * interval at horizon step h scaled by a weighted conformal quantile
   * (Barber et al. 2023, conformal prediction beyond exchangeability) of
   * (a) the validation forecasts of all the series together, which weigh as
   * much as PRIOR_WEIGHT forecasts, and (b) the series' own forecasts from
   * past its fitting span (its test span and any rows added since) whose
   * outcome is known at the origin, each weighing DECAY^(steps since its
   * outcome): a series that drifts away from what validation saw widens its
   * intervals as the misses come in.
   */
  private calibrated(s: Smoothed, i: number, origins: number[]): Array<Array<[number, number, number]>> {
    const H = this.options.horizon;
    if (origins.length === 0) return [];
    const first = Math.max(this.options.lookback - 1, hybridSpans(this.series[i]!.length, this.options, this.series[i]!.name).valEnd - 1);
    const last = origins.at(-1)!;
    const past = Array.from({ length: Math.max(0, last - first) }, (_, k) => first + k);
    const known = new Set(past);
    const all = [...past, ...origins.filter((t) => !known.has(t))];
    const raw = this.raw(s, all);
    const at = new Map(all.map((t, k) => [t, raw[k]!]));
    // Each horizon step's realised scores, by origin.
    const own = Array.from({ length: H }, () => [] as Array<{ origin: number; score: number }>);
    for (const t of past) {
      at.get(t)!.forEach(([lo, m, hi], h) => {
        if (t + 1 + h <= last) own[h]!.push({ origin: t, score: conformalScore(s.values[t + 1 + h]!, lo, m, hi) });
      });
    }
    const level = this.options.interval;
    return origins.map((t) => at.get(t)!.map(([lo, m, hi], h): [number, number, number] => {
      const prior = this.calibration?.[h] ?? [];
      const weighted = prior.map((score) => ({ score, w: PRIOR_WEIGHT / prior.length }));
      for (const r of own[h]!) if (r.origin + 1 + h <= t) weighted.push({ score: r.score, w: DECAY ** (t - r.origin - 1 - h) });
      if (weighted.length === 0) return [lo, m, hi];
      const c = weightedQuantile(weighted, level);
      return [m - c * (m - lo), m, m + c * (hi - m)];
    }));
  }

  /** The forecast origins whose whole horizon lies in rows [start, end), with a lookback of history. */
  private originsIn(start: number, end: number): number[] {
    const out: number[] = [];
    for (let t = Math.max(start - 1, this.options.lookback - 1); t + this.options.horizon < end; t++) out.push(t);
    return out;
  }

  /** The validation spans' scores, pooled over the series, kept per horizon step (the prior of `calibrated`). */
  private calibrate(sm: Smoothed[]): void {
    const H = this.options.horizon;
    const scores = Array.from({ length: H }, () => [] as number[]);
    for (const s of sm) {
      const origins = this.originsIn(s.trainEnd, s.valEnd);
      this.raw(s, origins).forEach((q, k) => q.forEach(([lo, m, hi], h) => scores[h]!.push(conformalScore(s.values[origins[k]! + 1 + h]!, lo, m, hi))));
    }
    this.calibration = null;
    if (scores[0]!.length < 10) return;
    // At most KEPT_SCORES order statistics each (evenly spaced): the quantiles, not a copy of every forecast, go into config.json.
    this.calibration = scores.map((v) => {
      const sorted = v.sort((a, b) => a - b);
      if (sorted.length <= KEPT_SCORES) return sorted;
      return Array.from({ length: KEPT_SCORES }, (_, k) => sorted[Math.round((k * (sorted.length - 1)) / (KEPT_SCORES - 1))]!);
    });
  }

  /**
   * Forecasts `horizon` steps after origin t (default: the series' last step)
   * of a series the model was fitted on, given its values (the training
   * values, or the same series grown by new rows).
   */
  forecast(s: NamedSeries, t = s.values.length - 1): SeriesForecast {
    const sm = this.smoothed(s);
    const L = this.options.lookback;
    if (!(Number.isInteger(t) && t >= L - 1 && t < s.values.length)) throw new DataError(`${s.name}: a forecast origin needs ${L} steps of history inside the series of ${s.values.length}, got origin ${t}`);
    const q = this.calibrated(sm, this.indexOf(s.name), [t])[0]!;
    return { name: s.name, origin: t, lower: q.map((v) => v[0]), median: q.map((v) => v[1]), upper: q.map((v) => v[2]) };
  }

  /**
   * Accuracy on each series' test span (or validation span) from every
   * origin whose whole horizon lies in it, beside the naive, seasonal-naive
   * and smoothing forecasts from the same origins; MASE is scaled by the
   * training span's seasonal-naive error.
   */
  evaluate(data: NamedSeries[], span: 'test' | 'validation' = 'test'): HybridEvaluation {
    const H = this.options.horizon;
    const m = this.options.season;
    let inside = 0;
    let count = 0;
    const series = data.map((d): HybridSeriesEvaluation => {
      const s = this.smoothed(d);
      const scale = naiveScale(s.values, s.trainEnd, m);
      const meters = { model: new AccuracyMeter(scale), naive: new AccuracyMeter(scale), seasonalNaive: new AccuracyMeter(scale), ets: new AccuracyMeter(scale) };
      const [start, end] = span === 'test' ? [s.valEnd, s.values.length] : [s.trainEnd, s.valEnd];
      const ts = this.originsIn(start, end);
      const forecasts = this.calibrated(s, this.indexOf(d.name), ts);
      const origins = ts.length;
      let hits = 0;
      for (const [k, t] of ts.entries()) {
        const f = forecasts[k]!;
        const e = s.hw.forecastAt(s.pass, t, H);
        for (let h = 1; h <= H; h++) {
          const y = s.values[t + h]!;
          meters.model.add(y, f[h - 1]![1]);
          meters.ets.add(y, e[h - 1]!);
          meters.naive.add(y, naiveForecast(s.values, t, h));
          meters.seasonalNaive.add(y, seasonalNaiveForecast(s.values, t, h, m));
          if (y >= f[h - 1]![0] && y <= f[h - 1]![2]) hits++;
        }
      }
      inside += hits;
      count += origins * H;
      return {
        name: d.name, origins, model: meters.model.result(), naive: meters.naive.result(), seasonalNaive: meters.seasonalNaive.result(),
        ets: meters.ets.result(), etsForm: this.series[this.indexOf(d.name)]!.form, coverage: hits / Math.max(1, origins * H),
      };
    });
    const median = (pick: (e: HybridSeriesEvaluation) => number): number => {
      const v = series.map(pick).sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    return {
      season: m, horizon: H, interval: this.options.interval, span, series,
      medianMase: { model: median((e) => e.model.mase), naive: median((e) => e.naive.mase), seasonalNaive: median((e) => e.seasonalNaive.mase), ets: median((e) => e.ets.mase) },
      coverage: inside / Math.max(1, count),
    };
  }

  /** config.json and model.safetensors contents (the one model-folder format). */
  toFiles(extra: { [key: string]: JsonValue } = {}): { config: JsonValue; weights: Uint8Array } {
    const config = modelEnvelope(this.model, {
      task: TASK,
      options: this.options as unknown as JsonValue,
      series: this.series as unknown as JsonValue,
      calibration: this.calibration,
      history: this.history as unknown as JsonValue,
      ...extra,
    }) as unknown as JsonValue;
    return { config, weights: weightsToBytes(this.model.stateDict()) };
  }

  /** Reads what `toFiles` wrote; `source` names the folder in errors. */
  static fromFiles(files: { config: JsonValue; weights: Uint8Array }, source = 'model'): HybridForecaster {
    const { config, extra } = checkTaskConfig(files.config, `${source}/config.json`, 'EsRnn', TASK, 'a hybrid forecasting model');
    const model = buildForWeights(files.weights, `${source}/config.json`, () => EsRnn.fromConfig(config.config as never));
    loadWeights(model, files.weights, `${source}/model.safetensors`);
    model.eval();
    const f = new HybridForecaster(extra.options as ResolvedHybridOptions, model, extra.series as HybridSeriesInfo[]);
    f.calibration = (extra.calibration as number[][] | null | undefined) ?? null;
    f.history = (extra.history as HybridHistoryEntry[] | undefined) ?? [];
    return f;
  }
}

/** Untrained, a network forecasts a zero departure: the smoothing's own forecast. */
function zeroHead(net: SequenceRegressor): void {
  net.head.weight.data.fill(0);
  net.head.bias?.data.fill(0);
}
