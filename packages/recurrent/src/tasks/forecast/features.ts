/**
 * What the forecasting network sees and predicts, built from a Series:
 *  - scaling per column: values are divided by the standard deviation of
 *    their step-to-step changes on the training span (the scaler, saved);
 *  - windows: the last `lookback` values of every input column, each minus
 *    its value at the forecast origin, so a level the network never saw in
 *    training (a rising trend) looks like any other window;
 *  - calendar inputs for dates: month of year (monthly data), or day of week
 *    and the season of the year (daily and finer);
 *  - targets: each target column's change from the origin, h = 1..horizon.
 * Browser-safe.
 */
import { DataError } from '../../errors.js';
import type { Frequency } from '../../data/timeseries.js';

const DAY = 86_400_000;

/** How each column is scaled for the network, from the training span. */
export interface Scaler {
  /** per column: the standard deviation of its one-step changes on the training span */
  scale: number[];
}

export function fitScaler(columns: string[], values: Float64Array[], end: number, source = 'data'): Scaler {
  const scale = values.map((v, c) => {
    let sum = 0;
    let sum2 = 0;
    const n = end - 1;
    for (let i = 1; i < end; i++) {
      const d = v[i]! - v[i - 1]!;
      sum += d;
      sum2 += d * d;
    }
    const sd = n > 1 ? Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)) : 0;
    if (!(sd > 1e-12)) {
      throw new DataError(`${source}: column "${columns[c]}" is constant on the training span (value ${v[0]}): there is nothing to learn or scale; leave it out`);
    }
    return sd;
  });
  return { scale };
}

/** Calendar inputs for the time t of one step. */
export function calendarSize(f: Frequency, isDate: boolean): number {
  if (!isDate) return 0;
  if (f.unit === 'month') return f.step < 12 ? 12 : 0;
  if (f.step < DAY) return 2 + 7;
  if (f.step < 7 * DAY) return 7 + 4;
  return 4;
}

export function calendarFeatures(t: number, f: Frequency, isDate: boolean, out: Float32Array, at: number): void {
  if (!isDate) return;
  const d = new Date(t);
  if (f.unit === 'month') {
    if (f.step < 12) out[at + d.getUTCMonth()] = 1;
    return;
  }
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const season = (2 * Math.PI * (t - yearStart)) / (365.25 * DAY);
  let k = at;
  if (f.step < DAY) {
    const hour = (2 * Math.PI * (t % DAY)) / DAY;
    out[k++] = Math.sin(hour);
    out[k++] = Math.cos(hour);
  }
  if (f.step < 7 * DAY) {
    out[k + d.getUTCDay()] = 1;
    k += 7;
  }
  out[k++] = Math.sin(season);
  out[k++] = Math.cos(season);
  out[k++] = Math.sin(2 * season);
  out[k++] = Math.cos(2 * season);
}

export interface WindowSpec {
  lookback: number;
  /** indices (into the series' columns) the network reads */
  inputs: number[];
  /** indices it predicts */
  targets: number[];
  horizon: number;
  frequency: Frequency;
  isDate: boolean;
}

export function inputSize(spec: WindowSpec): number {
  return spec.inputs.length + calendarSize(spec.frequency, spec.isDate);
}

/**
 * The input window for origin t (the last observed step): x is (lookback, inputSize),
 * written at `out[at..]`. `values` may extend past the series (recursive forecasts).
 */
export function writeWindow(spec: WindowSpec, values: ArrayLike<number>[], times: (k: number) => number, scaler: Scaler, t: number, out: Float32Array, at: number): void {
  const F = inputSize(spec);
  const L = spec.lookback;
  for (let s = 0; s < L; s++) {
    const k = t - L + 1 + s;
    const row = at + s * F;
    spec.inputs.forEach((c, j) => {
      out[row + j] = (values[c]![k]! - values[c]![t]!) / scaler.scale[c]!;
    });
    calendarFeatures(times(k), spec.frequency, spec.isDate, out, row + spec.inputs.length);
  }
}

/** Targets for origin t: (horizon, targets), scaled changes from the origin. */
export function writeTargets(spec: WindowSpec, values: ArrayLike<number>[], scaler: Scaler, t: number, out: Float32Array | Float64Array, at: number): void {
  const K = spec.targets.length;
  for (let h = 1; h <= spec.horizon; h++) {
    spec.targets.forEach((c, j) => {
      out[at + (h - 1) * K + j] = (values[c]![t + h]! - values[c]![t]!) / scaler.scale[c]!;
    });
  }
}
