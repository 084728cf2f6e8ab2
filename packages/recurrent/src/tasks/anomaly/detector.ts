/**
 * Anomaly detection from forecast residuals. A one-step Forecaster learns
 * what the series usually does next (median and interval for every column);
 * a point's score is how far it falls from its forecast, in units of the
 * robust spread (1.4826 x median absolute deviation) of that column's
 * forecast errors, the largest over the columns, smoothed by a
 * centred moving maximum (so a whole excursion, not only its first step,
 * stands out). The threshold is read off the scores themselves:
 *   threshold = median(score) + k * 1.4826 * MAD(score)   (default k = 10),
 * a robust z-score cut that needs no labels (forecast errors have heavy
 * tails, hence a k larger than the textbook 3). The same rule, applied to the
 * rolling z-score of the raw values, is the baseline it is compared with.
 * Browser-safe.
 */
import type { CellKind } from '../../kernels/types.js';
import { checkOptions, ConfigError, optionKeys } from '../../errors.js';
import type { Series } from '../../data/timeseries.js';
import { Forecaster, type ForecastOptions, type ForecastProgress, type ForecastTrainOptions } from '../forecast/forecaster.js';

/** How the detector is built: the columns, the forecaster's size, the threshold's k and smoothing, the split. */
export interface DetectOptions {
  /** columns to watch (default: all of the series') */
  columns?: string[];
  lookback?: number;
  hiddenSize?: number;
  cell?: ForecastOptions['cell'];
  /** robust z cut on the scores (default 10) */
  k?: number;
  /** width of the centred moving maximum applied to the scores (default 5; 1: none) */
  smooth?: number;
  /** fractions of the series for training, validation (early stopping) and a tail that is only scored (default [0.7, 0.2, 0.1]) */
  split?: [number, number, number];
}

/** Per row: the anomaly score and whether it is flagged; and the threshold. */
export interface Detection {
  scores: Float64Array;
  threshold: number;
  /** 1 where the score passes the threshold */
  flags: Uint8Array;
}

/** Precision, recall and F1 of the flags against labels. */
export interface DetectionMetrics {
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** labelled events (runs of consecutive anomalous points) with at least one point flagged */
  eventsFound: number;
  events: number;
}

/** The defaults of anomaly detection, in one place (the command line shows and uses these). */
export const DETECT_DEFAULTS = {
  k: 10, smooth: 5, lookback: 32, hiddenSize: 32, cell: 'LSTM' as CellKind, split: [0.7, 0.2, 0.1] as readonly [number, number, number],
  epochs: 30, patience: 5,
} as const;

/** Flags anomalies in a series: a one-step forecaster, scores from its residuals, a threshold from the scores. */
export class AnomalyDetector {
  private constructor(readonly forecaster: Forecaster, readonly k: number, readonly smooth: number) {}

  /** A detector for the series (untrained); `seed` fixes its initialisation. */
  static create(series: Series, options: DetectOptions = {}, seed = 0): AnomalyDetector {
    checkOptions('AnomalyDetector.create', options, optionKeys<DetectOptions>({
      columns: true, lookback: true, hiddenSize: true, cell: true, k: true, smooth: true, split: true,
    }));
    const columns = options.columns ?? series.columns;
    const D = DETECT_DEFAULTS;
    const k = options.k ?? D.k;
    const smooth = options.smooth ?? D.smooth;
    if (!(k > 0)) throw new ConfigError(`k must be positive, got ${k}`);
    if (!(Number.isInteger(smooth) && smooth >= 1)) throw new ConfigError(`smooth must be a positive integer, got ${smooth}`);
    const forecaster = Forecaster.create(series, {
      inputs: columns, targets: columns, horizon: 1, lookback: options.lookback ?? D.lookback, interval: 0.9,
      hiddenSize: options.hiddenSize ?? D.hiddenSize, cell: options.cell ?? D.cell, split: options.split ?? [...D.split],
    }, seed);
    return new AnomalyDetector(forecaster, k, smooth);
  }

  /** A detector over a trained forecaster. */
  static fromForecaster(f: Forecaster, k = 10, smooth = 5): AnomalyDetector {
    return new AnomalyDetector(f, k, smooth);
  }

  /** Trains the forecaster, then sets the threshold from the validation span's scores. */
  train(series: Series, options: ForecastTrainOptions = {}, hooks: { onProgress?: (p: ForecastProgress) => void; seed?: number } = {}): Promise<unknown> {
    checkOptions('AnomalyDetector.train', options, optionKeys<ForecastTrainOptions>({
      epochs: true, timeLimit: true, patience: true, batch: true, lr: true, optimizer: true, clip: true,
    }));
    return this.forecaster.train(series, { patience: DETECT_DEFAULTS.patience, epochs: DETECT_DEFAULTS.epochs, ...options }, hooks);
  }

  /** Scores every step (0 for the first `lookback` steps, which have no forecast), the threshold and the flags. */
  detect(series: Series): Detection {
    const f = this.forecaster;
    const L = f.options.lookback;
    const n = series.times.length;
    const cols = f.options.targets.map((c) => series.values[series.columns.indexOf(c)]!);
    const residuals = cols.map(() => new Float64Array(n));
    for (let t = L - 1; t + 1 < n; t++) {
      f.forecast(series, t).targets.forEach((tf, j) => {
        residuals[j]![t + 1] = cols[j]![t + 1]! - tf.median[0]!;
      });
    }
    // Each column's residuals in units of their robust spread (1.4826 MAD), the largest over the columns.
    const raw = new Float64Array(n);
    residuals.forEach((r) => {
      const body = r.subarray(L);
      const med = median(body);
      const spread = Math.max(1.4826 * median(body.map((x) => Math.abs(x - med))), 1e-12);
      for (let t = L; t < n; t++) raw[t] = Math.max(raw[t]!, Math.abs(r[t]! - med) / spread);
    });
    return thresholdScores(movingMax(raw, this.smooth), this.k, L);
  }
}

/** Centred moving maximum of width w (odd widths are centred exactly). */
export function movingMax(v: Float64Array, w: number): Float64Array {
  if (w <= 1) return v.slice();
  const out = new Float64Array(v.length);
  const before = Math.floor((w - 1) / 2);
  for (let i = 0; i < v.length; i++) {
    let m = -Infinity;
    for (let j = Math.max(0, i - before); j <= Math.min(v.length - 1, i - before + w - 1); j++) m = Math.max(m, v[j]!);
    out[i] = m;
  }
  return out;
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The robust threshold median + k * 1.4826 * MAD over scores[skip..], and the flags. */
export function thresholdScores(scores: Float64Array, k: number, skip = 0): Detection {
  const body = scores.subarray(skip);
  const med = median(body);
  const mad = median(body.map((x) => Math.abs(x - med)));
  const threshold = med + k * 1.4826 * Math.max(mad, 1e-12);
  const flags = new Uint8Array(scores.length);
  for (let i = skip; i < scores.length; i++) flags[i] = scores[i]! > threshold ? 1 : 0;
  return { scores, threshold, flags };
}

/**
 * The baseline: each column's rolling z-score against the previous `window`
 * values, the largest over the columns, with the same smoothing and threshold rule.
 */
export function rollingZScore(series: Series, columns: string[], window: number, k = 10, smooth = 5): Detection {
  const n = series.times.length;
  const raw = new Float64Array(n);
  for (const c of columns) {
    const v = series.values[series.columns.indexOf(c)]!;
    let sum = 0;
    let sum2 = 0;
    for (let t = 0; t < n; t++) {
      if (t >= window) {
        const mean = sum / window;
        const sd = Math.sqrt(Math.max(sum2 / window - mean * mean, 0));
        raw[t] = Math.max(raw[t]!, Math.abs(v[t]! - mean) / Math.max(sd, 1e-9));
        sum -= v[t - window]!;
        sum2 -= v[t - window]! ** 2;
      }
      sum += v[t]!;
      sum2 += v[t]! ** 2;
    }
  }
  return thresholdScores(movingMax(raw, smooth), k, window);
}

/** Point-wise precision, recall and F1 of flags against 0/1 labels, and events found. */
export function detectionMetrics(flags: ArrayLike<number>, labels: ArrayLike<number>): DetectionMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let events = 0;
  let found = 0;
  let inEvent = false;
  let hit = false;
  for (let i = 0; i <= labels.length; i++) {
    const y = i < labels.length ? labels[i]! > 0 : false;
    if (i < labels.length) {
      const f = flags[i]! > 0;
      if (f && y) tp++;
      else if (f) fp++;
      else if (y) fn++;
    }
    if (y && !inEvent) {
      inEvent = true;
      hit = false;
      events++;
    }
    if (y && flags[i]! > 0) hit = true;
    if (!y && inEvent) {
      inEvent = false;
      if (hit) found++;
    }
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, truePositives: tp, falsePositives: fp, falseNegatives: fn, eventsFound: found, events };
}
