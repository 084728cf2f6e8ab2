/**
 * Forecast accuracy over many forecast origins, and the two baselines every
 * forecast should be compared with. Errors are in the data's own units.
 *  MAE, RMSE; sMAPE = mean 200|y-f|/(|y|+|f|) in percent;
 *  MASE = MAE / (in-sample MAE of the seasonal-naive forecast on the training span),
 *  below 1 means better than that one-season-back forecast was in training.
 * Browser-safe.
 */
import type { Frequency } from '../../data/timeseries.js';

const DAY = 86_400_000;

/** The natural season length: 12 for monthly data, 7 for daily, 24 for hourly, else 1. */
export function defaultSeason(f: Frequency, isDate: boolean): number {
  if (!isDate) return 1;
  if (f.unit === 'month') return f.step === 1 ? 12 : f.step === 3 ? 4 : 1;
  if (f.step === DAY) return 7;
  if (f.step === 3_600_000) return 24;
  return 1;
}

/** Forecast errors: mean absolute, root mean square, and scaled by the naive forecast's error (MASE). */
export interface Accuracy {
  mae: number;
  rmse: number;
  /** percent */
  smape: number;
  mase: number;
  /** forecast values compared */
  count: number;
}

/** Mean absolute error of the seasonal-naive forecast inside [0, end): the MASE denominator. */
export function naiveScale(v: ArrayLike<number>, end: number, season: number): number {
  let sum = 0;
  let n = 0;
  for (let i = season; i < end; i++) {
    sum += Math.abs(v[i]! - v[i - season]!);
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/** Accumulates errors of forecast f against actual y. */
export class AccuracyMeter {
  private abs = 0;
  private sq = 0;
  private sm = 0;
  private n = 0;

  constructor(private readonly scale: number) {}

  /** Adds forecast errors (forecast, actual, scale). */
  add(y: number, f: number): void {
    const e = Math.abs(y - f);
    this.abs += e;
    this.sq += e * e;
    const d = Math.abs(y) + Math.abs(f);
    this.sm += d > 0 ? (200 * e) / d : 0;
    this.n++;
  }

  /** The accuracy of everything added. */
  result(): Accuracy {
    const n = Math.max(this.n, 1);
    const mae = this.abs / n;
    return { mae, rmse: Math.sqrt(this.sq / n), smape: this.sm / n, mase: mae / this.scale, count: this.n };
  }
}

/** Naive: every future step equals the value at the origin t. */
export const naiveForecast = (v: ArrayLike<number>, t: number, _h: number): number => v[t]!;

/** Seasonal naive: the value one season (or whole seasons) before, never past the origin. */
export function seasonalNaiveForecast(v: ArrayLike<number>, t: number, h: number, season: number): number {
  return v[t + h - season * Math.ceil(h / season)]!;
}
