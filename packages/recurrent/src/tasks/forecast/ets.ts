/**
 * The exponential-smoothing baseline of every forecast report: Holt-Winters
 * (models/holt-winters.ts) fitted once on the history before the test span
 * and run forward over it with its coefficients fixed, as the statisticians'
 * rolling-origin protocol does ("fitted once, filtered forward"). The form is
 * chosen on held-out steps: each candidate (additive or multiplicative
 * seasonality, plain or damped trend; no seasonality for a season of 1) is
 * fitted on the part before `selectFrom`, the one with the lowest one-step
 * error on [selectFrom, fitEnd) is refitted on all of [0, fitEnd).
 * Browser-safe.
 */
import { HoltWinters, type Seasonality } from '../../models/holt-winters.js';

/** The exponential smoothing chosen as a baseline, and how it was described. */
export interface EtsChoice {
  model: HoltWinters;
  /** e.g. "multiplicative, damped" */
  form: string;
}

/** Fits additive and multiplicative, damped and not, on the values up to `fitEnd`, and keeps the best on [selectFrom, fitEnd). */
export function fitEtsBaseline(values: ArrayLike<number>, fitEnd: number, selectFrom: number, season: number): EtsChoice {
  const y = Array.from({ length: fitEnd }, (_, i) => values[i]!);
  const positive = y.every((v) => v > 0);
  const seasonal: Seasonality[] = season < 2 ? ['none'] : positive ? ['additive', 'multiplicative'] : ['additive'];
  const m = Math.max(season, 2);
  const candidates = seasonal.flatMap((s) => [false, true].map((damped) => ({ seasonal: s, damped })));
  const need = 2 * (season < 2 ? 1 : m) + 2;
  let best = candidates[0]!;
  if (selectFrom >= need && fitEnd - selectFrom >= 2) {
    let bestErr = Infinity;
    for (const c of candidates) {
      const hw = new HoltWinters({ season: m, ...c });
      hw.fit(y.slice(0, selectFrom));
      // One-step errors on the selection span, the states carried over from the fitting part.
      const fitted = hw.filter(y).fitted;
      let err = 0;
      for (let t = selectFrom; t < fitEnd; t++) err += (fitted[t]! - y[t]!) ** 2;
      if (err < bestErr) {
        bestErr = err;
        best = c;
      }
    }
  }
  const model = new HoltWinters({ season: m, ...best });
  model.fit(y);
  return { model, form: `${best.seasonal === 'none' ? 'no' : best.seasonal} seasonality${best.damped ? ', damped trend' : ''}` };
}
