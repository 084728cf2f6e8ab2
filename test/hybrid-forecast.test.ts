/**
 * The experimental hybrid of exponential smoothing and a global network
 * (src/tasks/forecast/hybrid.ts): with its network untrained it forecasts
 * exactly what its smoothing forecasts (the normalisation and the seasonal
 * indices round-trip), and trained over two series it beats seasonal naive
 * on their test spans with intervals near their nominal coverage.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../packages/recurrent/src/node.js';
import { HybridForecaster } from '../packages/recurrent/src/tasks/forecast/hybrid.js';

function seasonal(n: number, seed: number, multiplicative: boolean): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n }, (_, t) => {
    const level = 100 + 0.5 * t;
    const season = Math.sin((2 * Math.PI * t) / 12);
    return (multiplicative ? level * (1 + 0.2 * season) : level + 15 * season) + 2 * rng.normal();
  });
}

describe('HybridForecaster (experimental)', () => {
  it('untrained, it forecasts what its Holt-Winters forecasts, from every test origin', async () => {
    const series = [{ name: 'a', values: seasonal(160, 1, false) }, { name: 'b', values: seasonal(200, 2, true) }];
    const h = await HybridForecaster.train(series, { season: 12, horizon: 12, seeds: 1, epochs: 1, lr: 1e-12 });
    for (let i = 0; i < 2; i++) {
      const e = h.evaluate(i);
      assert.ok(e.origins > 0);
      assert.ok(Math.abs(e.hybrid.mae - e.ets.mae) <= 1e-4 * e.ets.mae, `${e.name}: hybrid MAE ${e.hybrid.mae} vs its smoothing's ${e.ets.mae}`);
    }
  });

  it('trained over two series, beats seasonal naive on both, intervals near 90%', async () => {
    const series = [{ name: 'a', values: seasonal(240, 3, false) }, { name: 'b', values: seasonal(240, 4, true) }];
    const h = await HybridForecaster.train(series, { season: 12, horizon: 12, seeds: 2, epochs: 40 });
    for (let i = 0; i < 2; i++) {
      const e = h.evaluate(i);
      assert.ok(e.hybrid.mase < e.seasonalNaive.mase, `${e.name}: hybrid MASE ${e.hybrid.mase} vs seasonal naive ${e.seasonalNaive.mase}`);
      assert.ok(e.coverage >= 0.7 && e.coverage <= 1, `${e.name}: coverage ${e.coverage}`);
    }
    assert.throws(() => h.forecast(0, 3), /needs 24 steps of history, got origin 3/);
    // The validation span, where the networks stopped early: measured the same way.
    const v = h.evaluate(0, 'validation');
    assert.ok(v.origins > 0 && v.hybrid.mase < v.seasonalNaive.mase, `validation: hybrid ${v.hybrid.mase} vs seasonal naive ${v.seasonalNaive.mase}`);
  });
});
