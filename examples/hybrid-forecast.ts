/**
 * One forecasting model over several series: each keeps its own Holt-Winters
 * smoothing, one global ensemble of LSTMs forecasts the departures from it
 * (the hybrid of `recurrent forecast train`, after Smyl's ES-RNN).
 *
 *   npx tsx examples/hybrid-forecast.ts
 *
 * The four quarterly series of the benchmark set (copied into data/ beside this file, from R's
 * datasets and forecast packages), a small budget: the per-series MASE
 * beside the smoothing alone and seasonal naive, then a year's forecast of
 * UK gas with its 90% interval, and the model through its files and back.
 */
import { readFileSync } from 'node:fs';
import { HybridForecaster, type NamedSeries, parseTable, toSeries } from 'recurrent-nn';

const read = (name: string): NamedSeries => {
  const table = parseTable(readFileSync(new URL(`./data/${name}.csv`, import.meta.url), 'utf8'), `${name}.csv`);
  return { name, values: toSeries(table, { time: 'date', columns: ['value'] }).values[0]! };
};
const data = ['austres', 'JohnsonJohnson', 'UKgas', 'woolyrnq'].map(read);

// Fits each series' smoothing (its form chosen on the validation span), then trains the networks.
const h = HybridForecaster.create(data, { season: 4, horizon: 4, seeds: 2 }, /* seed */ 0);
await h.train(data, { epochs: 40 }, { onProgress: (p) => p.epoch === 1 && console.log(`training: ${(100 * p.fraction).toFixed(0)}%`) });

const e = h.evaluate(data);
console.log('series          hybrid   ETS alone  seasonal naive   (MASE on the test span)');
for (const s of e.series) console.log(`${s.name.padEnd(15)} ${s.model.mase.toFixed(3)}    ${s.ets.mase.toFixed(3)}      ${s.seasonalNaive.mase.toFixed(3)}      (${s.etsForm})`);
console.log(`median          ${e.medianMase.model.toFixed(3)}    ${e.medianMase.ets.toFixed(3)}      ${e.medianMase.seasonalNaive.toFixed(3)}`);
console.log(`90% intervals cover ${(100 * e.coverage).toFixed(1)}% of the test values`);

const gas = data[2]!;
const f = h.forecast(gas);
console.log(`UKgas, the next 4 quarters: ${f.median.map((m, k) => `${m.toFixed(0)} [${f.lower[k]!.toFixed(0)}, ${f.upper[k]!.toFixed(0)}]`).join(', ')}`);

// The one model-folder format: config.json + model.safetensors (saveForecaster(dir, h) writes them in Node).
const back = HybridForecaster.fromFiles(h.toFiles());
console.log(`reloaded, the same forecast: ${JSON.stringify(back.forecast(gas)) === JSON.stringify(f)}`);
