/**
 * Holt-Winters exponential smoothing as R's stats::HoltWinters (additive or
 * multiplicative seasonality, or none), with an optional damped trend
 * (Gardner and McKenzie 1985; phi = 1 is R's undamped form). Its smoothing
 * coefficients and its initial level, trend and seasonal indices are
 * trainable parameters: fitted alone by gradient descent on the one-step-ahead
 * squared error (the classical baseline), or with a network beside it.
 *
 * With season length m and the initial states a_{-1}, b_{-1}, s_{-m..-1}, for
 * t = 0..T-1:
 *   one step ahead  yhat_t = (a_{t-1} + phi b_{t-1}) (+ or x) s_{t-m}
 *   additive        a_t = alpha (y_t - s_{t-m}) + (1 - alpha)(a_{t-1} + phi b_{t-1})
 *                   s_t = gamma (y_t - a_t) + (1 - gamma) s_{t-m}
 *   multiplicative  a_t = alpha y_t / s_{t-m} + (1 - alpha)(a_{t-1} + phi b_{t-1})
 *                   s_t = gamma y_t / a_t + (1 - gamma) s_{t-m}
 *   trend           b_t = beta (a_t - a_{t-1}) + (1 - beta) phi b_{t-1}
 *   h steps after T-1: (a + (phi + ... + phi^h) b) (+ or x) s_{T-1-m+1+(h-1) mod m}
 *
 * The coefficients are kept in (0, 1) as sigmoids of the parameters `alpha`,
 * `beta`, `gamma` (and phi in [0.8, 1) as 0.8 + 0.2 sigmoid(`phi`)); the
 * states `level`, `trend`, `season` are in units of the series divided by
 * `scale` (its mean absolute value over the span it was initialised on), so
 * one learning rate serves every series.
 *
 * Gradients are carried forward through the recursion (forward mode: each
 * state holds its derivative with respect to each of the 6 + m parameter
 * values), exact at any length with nothing stored per step.
 */
import { ConfigError, DataError } from '../errors.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Adam } from '../optim/optimizers.js';

/** How the season combines with the level: added, multiplied, or none. */
export type Seasonality = 'additive' | 'multiplicative' | 'none';

/** The season length, the kind of seasonality, and whether the trend is damped. */
export interface HoltWintersOptions {
  /** season length (12 for monthly data; 1 with seasonal 'none') */
  season: number;
  /** default 'additive' */
  seasonal?: Seasonality;
  /** a damped trend (default false) */
  damped?: boolean;
}

/** The coefficients in their own ranges. */
export interface SmoothingCoefficients {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/** What a pass over a series gives: one-step-ahead forecasts and the final states (in the series' units). */
export interface SmoothingPass {
  /** yhat_t for every t, in the series' units */
  fitted: Float64Array;
  /** a_t for every t (after y_t), in the series' units */
  levels: Float64Array;
  /** b_t for every t (after y_t), in the series' units */
  trends: Float64Array;
  /** the seasonal index each step used, s_{t-m} (in the series' units when additive; 1 or 0 with no seasonality) */
  indices: Float64Array;
  level: number;
  trend: number;
  /** s_{T-m..T-1} */
  season: Float64Array;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));
const PHI_MIN = 0.8;

export class HoltWinters extends Module {
  readonly season: number;
  readonly seasonal: Seasonality;
  readonly damped: boolean;
  readonly alpha: Parameter;
  readonly beta: Parameter;
  readonly gamma: Parameter;
  readonly phi: Parameter;
  readonly level: Parameter;
  readonly trend: Parameter;
  readonly seasonIndices: Parameter;
  /** the series' unit: states are kept divided by it */
  scale = 1;

  constructor(options: HoltWintersOptions) {
    super();
    const seasonal = options.seasonal ?? 'additive';
    if (!['additive', 'multiplicative', 'none'].includes(seasonal)) throw new ConfigError(`HoltWinters: seasonal must be 'additive', 'multiplicative' or 'none', got ${JSON.stringify(seasonal)}`);
    const m = seasonal === 'none' ? 1 : options.season;
    if (!(Number.isInteger(m) && m >= (seasonal === 'none' ? 1 : 2))) throw new ConfigError(`HoltWinters: season must be an integer >= 2 for a seasonal model, got ${options.season}`);
    this.season = m;
    this.seasonal = seasonal;
    this.damped = options.damped ?? false;
    const scalar = (name: string, v: number): Parameter => this.registerParameter(name, new Parameter(Float32Array.of(v), [1]));
    // R's HoltWinters starts its optimiser at alpha 0.3, beta 0.1, gamma 0.1.
    this.alpha = scalar('alpha', logit(0.3));
    this.beta = scalar('beta', logit(0.1));
    this.gamma = scalar('gamma', logit(0.1));
    this.phi = scalar('phi', logit((0.98 - PHI_MIN) / (1 - PHI_MIN)));
    this.level = scalar('level', 1);
    this.trend = scalar('trend', 0);
    this.seasonIndices = this.registerParameter('season', new Parameter(new Float32Array(m).fill(seasonal === 'multiplicative' ? 1 : 0), [m]));
  }

  /** The smoothing coefficients as numbers: alpha, beta, gamma, phi. */
  coefficients(): SmoothingCoefficients {
    return {
      alpha: sigmoid(this.alpha.data[0]!), beta: sigmoid(this.beta.data[0]!),
      gamma: this.seasonal === 'none' ? 0 : sigmoid(this.gamma.data[0]!),
      phi: this.damped ? PHI_MIN + (1 - PHI_MIN) * sigmoid(this.phi.data[0]!) : 1,
    };
  }

  /**
   * Starting states from the first two seasons, as R's HoltWinters takes them
   * (level: the first season's mean; trend: the change of the mean between
   * the first two seasons, per step; seasonal indices: the first season
   * against its mean), and the scale.
   */
  initialize(y: ArrayLike<number>): void {
    const m = this.season;
    const need = this.seasonal === 'none' ? 2 : 2 * m;
    if (y.length < need) throw new DataError(`HoltWinters: initialising needs at least ${need} values (two seasons of ${m}), got ${y.length}`);
    let abs = 0;
    for (let i = 0; i < y.length; i++) {
      if (!Number.isFinite(y[i]!)) throw new DataError(`HoltWinters: the series must be finite, got ${y[i]} at ${i}`);
      abs += Math.abs(y[i]!);
    }
    if (this.seasonal === 'multiplicative') for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) throw new DataError(`HoltWinters: multiplicative seasonality needs positive values, got ${y[i]} at ${i}`);
    this.scale = abs / y.length || 1;
    const mean = (from: number, to: number): number => {
      let s = 0;
      for (let i = from; i < to; i++) s += y[i]!;
      return s / (to - from);
    };
    const w = this.seasonal === 'none' ? 1 : m;
    const first = mean(0, w);
    this.level.data[0] = first / this.scale;
    this.trend.data[0] = (mean(w, 2 * w) - first) / w / this.scale;
    for (let i = 0; i < m; i++) {
      this.seasonIndices.data[i] = this.seasonal === 'multiplicative' ? y[i]! / first : this.seasonal === 'additive' ? (y[i]! - first) / this.scale : 0;
    }
  }

  /**
   * One pass over y: the one-step-ahead forecasts, the final states, and,
   * with `lossFrom`, the mean squared one-step error over t >= lossFrom (in
   * scaled units) whose gradient is added to the parameters' grads.
   */
  private run(y: ArrayLike<number>, lossFrom: number | null): SmoothingPass & { loss: number } {
    const m = this.season;
    const T = y.length;
    const seasonal = this.seasonal;
    const mult = seasonal === 'multiplicative';
    const { alpha, beta, gamma, phi } = this.coefficients();
    const grad = lossFrom !== null;
    // Parameter order: alpha, beta, gamma, phi, level, trend, season[0..m).
    const P = 6 + m;
    const dAlpha = alpha * (1 - alpha);
    const dBeta = beta * (1 - beta);
    const dGamma = seasonal === 'none' ? 0 : gamma * (1 - gamma);
    const dPhi = this.damped ? (phi - PHI_MIN) * (1 - (phi - PHI_MIN) / (1 - PHI_MIN)) : 0;
    let a = this.level.data[0]!;
    let b = this.trend.data[0]!;
    // The season ring: s[k] is s_{t-m} when t % m === k.
    const s = Float64Array.from(this.seasonIndices.data);
    const da = new Float64Array(P);
    const db = new Float64Array(P);
    const ds = new Float64Array(m * P);
    const dBase = new Float64Array(P);
    const dNew = new Float64Array(P);
    const dLoss = new Float64Array(P);
    if (grad) {
      da[4] = 1;
      db[5] = 1;
      for (let k = 0; k < m; k++) ds[k * P + 6 + k] = 1;
    }
    const fitted = new Float64Array(T);
    const levels = new Float64Array(T);
    const trends = new Float64Array(T);
    const indices = new Float64Array(T);
    let loss = 0;
    let count = 0;
    for (let t = 0; t < T; t++) {
      const k = t % m;
      const yt = y[t]! / this.scale;
      const sOld = seasonal === 'none' ? (mult ? 1 : 0) : s[k]!;
      const base = a + phi * b;
      const yhat = mult ? base * sOld : base + sOld;
      fitted[t] = yhat * this.scale;
      indices[t] = mult || seasonal === 'none' ? sOld : sOld * this.scale;
      // The new level, trend and seasonal index, and (forward mode) their derivatives.
      const aNew = mult ? alpha * (yt / sOld) + (1 - alpha) * base : alpha * (yt - sOld) + (1 - alpha) * base;
      const bNew = beta * (aNew - a) + (1 - beta) * phi * b;
      const sNew = seasonal === 'none' ? sOld : mult ? gamma * (yt / aNew) + (1 - gamma) * sOld : gamma * (yt - aNew) + (1 - gamma) * sOld;
      if (grad) {
        const o = k * P;
        for (let p = 0; p < P; p++) dBase[p] = da[p]! + phi * db[p]!;
        dBase[3] += b * dPhi;
        if (t >= lossFrom) {
          // d yhat, then d (yhat - y)^2.
          const e = 2 * (yhat - yt);
          for (let p = 0; p < P; p++) dLoss[p] += e * (mult ? dBase[p]! * sOld + base * ds[o + p]! : dBase[p]! + ds[o + p]!);
          loss += (yhat - yt) ** 2;
          count++;
        }
        // d a_t
        for (let p = 0; p < P; p++) {
          const dsOld = ds[o + p]!;
          const dr = mult ? -(yt / (sOld * sOld)) * dsOld : -dsOld;
          dNew[p] = alpha * dr + (1 - alpha) * dBase[p]!;
        }
        dNew[0] += dAlpha * ((mult ? yt / sOld : yt - sOld) - base);
        // d b_t (from d a_t and d a_{t-1}), then d s_t (from d a_t), then move on.
        for (let p = 0; p < P; p++) db[p] = beta * (dNew[p]! - da[p]!) + (1 - beta) * phi * db[p]!;
        db[1] += dBeta * (aNew - a - phi * b);
        db[3] += (1 - beta) * b * dPhi;
        if (seasonal !== 'none') {
          for (let p = 0; p < P; p++) {
            const dq = mult ? -(yt / (aNew * aNew)) * dNew[p]! : -dNew[p]!;
            ds[o + p] = gamma * dq + (1 - gamma) * ds[o + p]!;
          }
          ds[o + 2] += dGamma * ((mult ? yt / aNew : yt - aNew) - sOld);
        }
        da.set(dNew);
      }
      a = aNew;
      b = bNew;
      levels[t] = a * this.scale;
      trends[t] = b * this.scale;
      if (seasonal !== 'none') s[k] = sNew;
    }
    if (grad && count > 0) {
      const g = [this.alpha.grad, this.beta.grad, this.gamma.grad, this.phi.grad, this.level.grad, this.trend.grad];
      for (let p = 0; p < 6; p++) g[p]![0] += dLoss[p]! / count;
      for (let k = 0; k < m; k++) this.seasonIndices.grad[k] += dLoss[6 + k]! / count;
    }
    // The last m seasonal indices in time order, in the series' units.
    const season = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const v = s[(T + j) % m]!;
      season[j] = mult || seasonal === 'none' ? v : v * this.scale;
    }
    return { fitted, levels, trends, indices, level: a * this.scale, trend: b * this.scale, season, loss: count > 0 ? loss / count : NaN };
  }

  /** The one-step-ahead forecasts over y and the final states. */
  filter(y: ArrayLike<number>): SmoothingPass {
    const { loss: _, ...pass } = this.run(y, null);
    return pass;
  }

  /**
   * The mean squared one-step error over t >= from (in units of the series
   * over `scale`), adding its gradient to the parameters' grads.
   */
  lossAndGrad(y: ArrayLike<number>, from = 0): number {
    return this.run(y, from).loss;
  }

  /** Forecasts h steps after the end of y (having run over all of y). */
  forecast(y: ArrayLike<number>, h: number): Float64Array {
    return this.forecastAt(this.filter(y), y.length - 1, h);
  }

  /**
   * The forecasts h steps after origin t from one pass over a series: what
   * forecast(y.subarray(0, t + 1), h) gives (the recursion only looks back),
   * without running over the prefix again for every origin.
   */
  forecastAt(pass: SmoothingPass, t: number, h: number): Float64Array {
    if (!(Number.isInteger(h) && h >= 1)) throw new ConfigError(`HoltWinters.forecast: h must be a positive integer, got ${h}`);
    if (!(Number.isInteger(t) && t >= 0 && t < pass.levels.length)) throw new ConfigError(`HoltWinters.forecastAt: the origin must be a step of the pass, in [0, ${pass.levels.length}), got ${t}`);
    const { phi } = this.coefficients();
    const out = new Float64Array(h);
    let damp = 0;
    for (let i = 1; i <= h; i++) {
      damp += phi ** i;
      const base = pass.levels[t]! + damp * pass.trends[t]!;
      const s = this.seasonIndexAt(pass, t + i, t);
      out[i - 1] = this.seasonal === 'multiplicative' ? base * s : this.seasonal === 'additive' ? base + s : base;
    }
    return out;
  }

  /**
   * The seasonal index for step k as known at origin t, from a pass over a
   * series: up to t, the index step k used; past t, the freshest index of
   * k's phase at t (updated at the last step of that phase up to t, and used
   * by the step a season after it, or, past the series' end, the final
   * states).
   */
  seasonIndexAt(pass: SmoothingPass, k: number, t: number): number {
    if (k <= t) return pass.indices[k]!;
    const m = this.season;
    const at = k - m * Math.ceil((k - t) / m) + m;
    const n = pass.indices.length;
    return at < n ? pass.indices[at]! : pass.season[at - n]!;
  }

  /**
   * Initialises from y and fits every parameter by Adam on the one-step
   * squared error over y (after its first season), stopping when the loss
   * has not improved by 1e-6 (relative) for 50 iterations.
   */
  fit(y: ArrayLike<number>, options: { iterations?: number; lr?: number } = {}): { loss: number; iterations: number } {
    this.initialize(y);
    const iterations = options.iterations ?? 2000;
    const opt = new Adam(this.parameters(), { lr: options.lr ?? 0.02 });
    const from = this.seasonal === 'none' ? 1 : this.season;
    let best = Infinity;
    let bestState = this.stateDict();
    let stale = 0;
    let i = 0;
    for (; i < iterations && stale < 50; i++) {
      this.zeroGrad();
      const loss = this.lossAndGrad(y, from);
      if (!Number.isFinite(loss)) break;
      if (loss < best * (1 - 1e-6)) {
        best = loss;
        bestState = this.stateDict();
        stale = 0;
      } else {
        stale++;
      }
      opt.step();
    }
    this.loadStateDict(bestState);
    return { loss: best, iterations: i };
  }
}
