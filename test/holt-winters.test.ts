/**
 * Holt-Winters exponential smoothing (src/models/holt-winters.ts): the
 * recursion against R's stats::HoltWinters with the same coefficients and
 * start values (test/reference/holt-winters.json, made by
 * scripts/make-holt-winters-references.R: AirPassengers multiplicative, co2
 * additive), finite-difference gradients for every form, and fitting: better
 * than the seasonal-naive forecast on held-out data.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, DataError, HoltWinters, Random, type Seasonality } from '../packages/recurrent/src/node.js';
import { gradCheck } from './helpers.js';

type Case = {
  seasonal: Seasonality; season: number; alpha: number; beta: number; gamma: number; series: number[];
  level0: number; trend0: number; season0: number[]; fitted: number[]; level: number; trend: number; finalSeason: number[]; forecast: number[];
};
const reference = JSON.parse(readFileSync(new URL('./reference/holt-winters.json', import.meta.url), 'utf8')) as Record<string, Case>;
const logit = (p: number): number => Math.log(p / (1 - p));

/** A model holding exactly R's coefficients and start values. */
function asR(c: Case): HoltWinters {
  const hw = new HoltWinters({ season: c.season, seasonal: c.seasonal });
  hw.initialize(c.series);
  hw.alpha.data[0] = logit(c.alpha);
  hw.beta.data[0] = logit(c.beta);
  hw.gamma.data[0] = logit(c.gamma);
  hw.level.data[0] = c.level0 / hw.scale;
  hw.trend.data[0] = c.trend0 / hw.scale;
  c.season0.forEach((v, i) => { hw.seasonIndices.data[i] = c.seasonal === 'multiplicative' ? v : v / hw.scale; });
  return hw;
}

const close = (got: number, want: number, what: string, tol = 1e-4): void => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got} vs R's ${want}`);

describe('HoltWinters', () => {
  for (const [name, c] of Object.entries(reference)) {
    it(`${name} (${c.seasonal}): the fitted values, final states and forecasts of R's HoltWinters`, () => {
      const hw = asR(c);
      // R takes the first season as the start values and filters from the next step.
      const rest = c.series.slice(c.season);
      const pass = hw.filter(rest);
      assert.equal(pass.fitted.length, c.fitted.length);
      pass.fitted.forEach((v, i) => close(v, c.fitted[i]!, `fitted[${i}]`));
      close(pass.level, c.level, 'level');
      close(pass.trend, c.trend, 'trend', 1e-3);
      pass.season.forEach((v, i) => close(v, c.finalSeason[i]!, `season[${i}]`));
      hw.forecast(rest, c.forecast.length).forEach((v, i) => close(v, c.forecast[i]!, `forecast[${i}]`));
    });
  }

  for (const [seasonal, damped] of [['additive', false], ['multiplicative', true], ['none', true], ['additive', true]] as Array<[Seasonality, boolean]>) {
    it(`gradients by finite differences: ${seasonal}${damped ? ', damped' : ''}`, () => {
      const rng = new Random(4);
      // A strong trend, so that the trend terms weigh in the loss.
      const y = Array.from({ length: 60 }, (_, t) => 50 + 2 * t + 8 * Math.sin((2 * Math.PI * t) / 6) + rng.normal());
      const hw = new HoltWinters({ season: 6, seasonal, damped });
      hw.initialize(y);
      // Away from the starting point, so every coefficient matters.
      hw.alpha.data[0] = 0.3;
      hw.beta.data[0] = -1.2;
      hw.gamma.data[0] = -0.4;
      hw.phi.data[0] = 0.5;
      hw.zeroGrad();
      hw.lossAndGrad(y, 6);
      const used = hw.namedParameters().filter(([n]) => (damped || n !== 'phi') && (seasonal !== 'none' || (n !== 'gamma' && n !== 'season')));
      // The gradient of this pass, copied: each evaluation below adds to the grads again.
      gradCheck(used.map(([name, p]) => ({ name, values: p.data, grad: p.grad.slice() })), () => hw.lossAndGrad(y, 6), { eps: 1e-3, atol: 1e-5, rtol: 2e-2 });
      if (!damped) assert.equal(hw.phi.grad[0], 0);
    });
  }

  it('fitted on a seasonal series, forecasts the held-out year better than the seasonal-naive forecast', () => {
    const c = reference.co2!;
    const y = c.series.slice(0, c.series.length - 24);
    const test = c.series.slice(c.series.length - 24);
    for (const seasonal of ['additive', 'multiplicative'] as const) {
      const hw = new HoltWinters({ season: 12, seasonal });
      const { loss, iterations } = hw.fit(y);
      assert.ok(Number.isFinite(loss) && iterations > 10, `${seasonal}: loss ${loss} after ${iterations}`);
      const f = hw.forecast(y, 24);
      const mae = f.reduce((s, v, i) => s + Math.abs(v - test[i]!), 0) / 24;
      const naive = test.reduce((s, v, i) => s + Math.abs(y[y.length - 24 + (i % 12) + (i >= 12 ? 12 : 0)]! - v), 0) / 24;
      assert.ok(mae < 0.5 * naive, `${seasonal}: MAE ${mae} vs seasonal naive ${naive}`);
      const k = hw.coefficients();
      for (const v of [k.alpha, k.beta, k.gamma]) assert.ok(v > 0 && v < 1);
    }
  });

  it('forecasts from any origin of one pass equal forecasts after running over that prefix', () => {
    const y = reference.AirPassengers!.series;
    for (const [seasonal, damped] of [['multiplicative', true], ['additive', false], ['none', true]] as Array<[Seasonality, boolean]>) {
      const hw = new HoltWinters({ season: 12, seasonal, damped });
      hw.fit(y.slice(0, 100), { iterations: 50 });
      const pass = hw.filter(y);
      for (const t of [30, 99, 130, y.length - 1]) assert.deepEqual(hw.forecastAt(pass, t, 30), hw.forecast(y.slice(0, t + 1), 30), `${seasonal} from ${t}`);
      assert.throws(() => hw.forecastAt(pass, y.length, 3), ConfigError);
    }
  });

  it('refuses what it cannot fit, in one line', () => {
    assert.throws(() => new HoltWinters({ season: 1 }), (e: Error) => e instanceof ConfigError && /season must be an integer >= 2/.test(e.message));
    assert.throws(() => new HoltWinters({ season: 12, seasonal: 'both' as never }), ConfigError);
    const hw = new HoltWinters({ season: 12, seasonal: 'multiplicative' });
    assert.throws(() => hw.initialize(new Array(20).fill(1)), (e: Error) => e instanceof DataError && /at least 24 values \(two seasons of 12\), got 20/.test(e.message));
    assert.throws(() => hw.initialize([...new Array(23).fill(1), -1]), (e: Error) => e instanceof DataError && /positive values, got -1 at 23/.test(e.message));
    assert.throws(() => hw.forecast(new Array(24).fill(1), 0), ConfigError);
  });
});
