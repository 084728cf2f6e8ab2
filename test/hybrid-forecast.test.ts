/**
 * The hybrid of exponential smoothing and a global network
 * (src/tasks/forecast/hybrid.ts): untrained it forecasts exactly what its
 * smoothing forecasts (the normalisation and the seasonal indices
 * round-trip); trained with a small budget over two real series of the
 * benchmark set it beats seasonal naive and the library's ETS on both; its
 * folder round-trips; its intervals are calibrated on the validation spans.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HybridForecaster, type NamedSeries, parseTable, toSeries } from '../packages/recurrent/src/node.js';
import { Random } from '../packages/recurrent/src/node.js';

function seasonal(n: number, seed: number, multiplicative: boolean): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n }, (_, t) => {
    const level = 100 + 0.5 * t;
    const season = Math.sin((2 * Math.PI * t) / 12);
    return (multiplicative ? level * (1 + 0.2 * season) : level + 15 * season) + 2 * rng.normal();
  });
}

const benchSeries = (name: string): NamedSeries => ({
  name,
  values: toSeries(parseTable(readFileSync(new URL(`../bench/data/series/${name}.csv`, import.meta.url), 'utf8'), name), { time: 'date', columns: ['value'] }).values[0]!,
});

describe('HybridForecaster', () => {
  it('untrained, it forecasts what its Holt-Winters forecasts, from every test origin', () => {
    const data = [{ name: 'a', values: seasonal(160, 1, false) }, { name: 'b', values: seasonal(200, 2, true) }];
    const h = HybridForecaster.create(data, { season: 12, horizon: 12, seeds: 1 });
    const e = h.evaluate(data);
    for (const s of e.series) {
      assert.ok(s.origins > 0);
      assert.ok(Math.abs(s.model.mae - s.ets.mae) <= 1e-9 * s.ets.mae, `${s.name}: hybrid MAE ${s.model.mae} vs its smoothing's ${s.ets.mae}`);
    }
    // Each series' own form, chosen on its validation span.
    assert.match(h.series[0]!.form, /^additive seasonality/);
    assert.match(h.series[1]!.form, /^multiplicative seasonality/);
  });

  it('every quarterly series of the benchmark set (none picked for its result), a small budget: beats seasonal naive on each, and its own smoothing at the median', async () => {
    // The set's four quarterly series, the ones one model can share (a season of 4): UKgas, woolyrnq, austres, JohnsonJohnson.
    const data = [benchSeries('UKgas'), benchSeries('woolyrnq'), benchSeries('austres'), benchSeries('JohnsonJohnson')];
    const h = HybridForecaster.create(data, { season: 4, horizon: 4, seeds: 2 });
    await h.train(data, { epochs: 40 });
    const e = h.evaluate(data);
    const by = Object.fromEntries(e.series.map((s) => [s.name, s]));
    for (const s of e.series) assert.ok(s.model.mase < s.seasonalNaive.mase, `${s.name}: hybrid MASE ${s.model.mase} vs seasonal naive ${s.seasonalNaive.mase}`);
    assert.ok(e.medianMase.model < e.medianMase.ets, `median MASE: hybrid ${e.medianMase.model} vs ETS ${e.medianMase.ets}`);
    // As the README's full run says: it gains where the level moves (UKgas, woolyrnq) and gives a little back
    // where smoothing already fits (austres); neither far from its smoothing.
    for (const name of ['UKgas', 'woolyrnq']) assert.ok(by[name]!.model.mase < by[name]!.ets.mase, `${name}: hybrid ${by[name]!.model.mase} vs ETS ${by[name]!.ets.mase}`);
    for (const s of e.series) assert.ok(s.model.mase < 1.5 * s.ets.mase, `${s.name}: hybrid ${s.model.mase} vs ETS ${s.ets.mase}`);
    // Early stopping, then the refit on training + validation, for each of the two networks.
    assert.deepEqual(h.history.map((x) => `${x.network} ${x.phase}`), ['0 early-stopping', '1 early-stopping', '0 refit', '1 refit']);
    // The folder format round-trips: the same forecasts from a rebuilt model.
    const back = HybridForecaster.fromFiles(h.toFiles(), 'mem');
    assert.deepEqual(back.forecast(data[1]!), h.forecast(data[1]!));
    assert.throws(() => h.forecast(data[0]!, 3), /UKgas: a forecast origin needs 12 steps of history inside the series of 108, got origin 3/);
    assert.throws(() => h.forecast({ name: 'gas', values: data[0]!.values }), /no series 'gas' in this model \(it was fitted on 4 series: UKgas, woolyrnq, austres, JohnsonJohnson\)/);
  });

  it('intervals: calibrated on the validation spans, pooled coverage near nominal on the test spans', async () => {
    const data = [{ name: 'a', values: seasonal(240, 3, false) }, { name: 'b', values: seasonal(240, 4, true) }, { name: 'c', values: seasonal(300, 5, true) }];
    const h = HybridForecaster.create(data, { season: 12, horizon: 6, seeds: 1 });
    await h.train(data, { epochs: 30 });
    assert.ok(h.calibration !== null && h.calibration.length === 6 && h.calibration.every((c) => c.length > 0 && c.every((v, k) => v >= 0 && (k === 0 || v >= c[k - 1]!))));
    const e = h.evaluate(data);
    for (const s of e.series) assert.ok(s.model.mase < s.seasonalNaive.mase, `${s.name}: hybrid ${s.model.mase} vs seasonal naive ${s.seasonalNaive.mase}`);
    assert.ok(e.coverage >= 0.8 && e.coverage <= 0.98, `pooled coverage ${e.coverage}`);
    // The smoothing alone (the ets model) gets calibrated intervals too.
    const ets = HybridForecaster.create(data, { season: 12, horizon: 6, seeds: 0 });
    await ets.train(data);
    const f = ets.forecast(data[0]!);
    assert.ok(f.lower.every((lo, k) => lo < f.median[k]! && f.median[k]! < f.upper[k]!));
    assert.ok(ets.evaluate(data).coverage >= 0.8);
  });

  it('refuses what it cannot model, in one line', () => {
    assert.throws(() => HybridForecaster.create([], { season: 12, horizon: 12 }), /no series/);
    assert.throws(() => HybridForecaster.create([{ name: 'x', values: new Float64Array(50).fill(3) }], { season: 12, horizon: 3, lookback: 12 }), /x: the training span repeats itself exactly/);
    assert.throws(() => HybridForecaster.create([{ name: 'x', values: seasonal(30, 1, false) }], { season: 12, horizon: 12 }), /x: too few rows: 30 time steps; lookback 24 and horizon 12/);
    const s = seasonal(100, 1, false);
    assert.throws(() => HybridForecaster.create([{ name: 'x', values: s }, { name: 'x', values: s }], { season: 12, horizon: 3 }), /the series name 'x' is given twice/);
    assert.throws(() => HybridForecaster.create([{ name: 'x', values: s }], { season: 12, horizon: 3, seeds: -1 }), /seeds must be an integer >= 0/);
  });
});
