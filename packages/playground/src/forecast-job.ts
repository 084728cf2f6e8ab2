/**
 * The forecast panel's work: a Forecaster trained on one column of a CSV
 * (by default the Mauna Loa CO2 series shipped with the page), its forecast
 * past the end with the interval, its accuracy on the held-out end against the
 * seasonal-naive forecast, and the anomaly scores of every step (one-step
 * forecast residuals, AnomalyDetector.fromForecaster). Shared by the worker and Node.
 */
import { AnomalyDetector, Forecaster, type Series, parseTable, toSeries } from 'recurrent-nn';

export interface ForecastJobOptions {
  /** the CSV's text */
  csv: string;
  source: string;
  /** the time column */
  time: string;
  column: string;
  horizon: number;
  /** passes over the training windows (early stopping may end sooner) */
  epochs: number;
  seed: number;
}

export const FORECAST_JOB_DEFAULTS = { source: 'co2-concentration.csv', time: 'Date', column: 'CO2', horizon: 24, epochs: 40, seed: 0 } as const;

export interface ForecastView {
  column: string;
  /** the series (ms since 1970 for dates), as filled on its regular grid */
  times: number[];
  values: number[];
  forecast: { times: number[]; median: number[]; lower: number[]; upper: number[]; interval: number };
  /** held-out end: the network's MASE and the seasonal-naive forecast's (1 = as good as repeating last season) */
  mase: { model: number; seasonalNaive: number };
  /** share of held-out values inside the interval */
  coverage: number;
  /** anomaly score of every step, the threshold, and the flagged steps' indices */
  scores: number[];
  threshold: number;
  flagged: number[];
  epochs: number;
}

export class ForecastJob {
  readonly series: Series;
  readonly forecaster: Forecaster;
  /** the series the anomaly view scores (the original, or with injected spikes) */
  scored: Series;

  constructor(readonly options: ForecastJobOptions) {
    this.series = toSeries(parseTable(options.csv, options.source), { time: options.time, columns: [options.column] });
    this.scored = this.series;
    this.forecaster = Forecaster.create(this.series, { targets: [options.column], horizon: options.horizon }, options.seed);
  }

  async train(hooks: { onEpoch?(epoch: number, loss: number, valLoss: number): void; shouldStop?(): boolean } = {}): Promise<void> {
    await this.forecaster.train(this.series, { epochs: this.options.epochs }, {
      seed: this.options.seed,
      onProgress: (p) => hooks.onEpoch?.(p.epoch, p.loss, p.valLoss),
      ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
    });
  }

  /** Adds `size` spread units to the value at each of `steps` (copies the series): anomalies to find. */
  inject(steps: readonly number[], size: number): void {
    const values = this.series.values.map((v) => v.slice());
    const col = values[0]!;
    let mean = 0;
    for (const v of col) mean += v;
    mean /= col.length;
    let sd = 0;
    for (const v of col) sd += (v - mean) ** 2;
    sd = Math.sqrt(sd / col.length);
    for (const t of steps) if (t >= 0 && t < col.length) col[t] += size * sd;
    this.scored = { ...this.series, values };
  }

  view(): ForecastView {
    const f = this.forecaster;
    const fc = f.forecast(this.series);
    const ev = f.evaluate(this.series).targets[0]!;
    const det = AnomalyDetector.fromForecaster(f).detect(this.scored);
    const flagged: number[] = [];
    det.flags.forEach((v, i) => {
      if (v) flagged.push(i);
    });
    const t = fc.targets[0]!;
    return {
      column: this.options.column, times: [...this.series.times], values: [...this.scored.values[0]!],
      forecast: { times: fc.times, median: t.median, lower: t.lower, upper: t.upper, interval: f.options.interval },
      mase: { model: ev.model.mase, seasonalNaive: ev.seasonalNaive.mase }, coverage: ev.coverage,
      scores: [...det.scores], threshold: det.threshold, flagged, epochs: f.history.length,
    };
  }
}
