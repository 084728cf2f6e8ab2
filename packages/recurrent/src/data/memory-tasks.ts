/**
 * Synthetic tasks that need memory across many steps, the classic tests of
 * long-range dependencies (Hochreiter & Schmidhuber 1997; Bai, Kolter & Koltun
 * 2018 use them as benchmarks).
 */
import { ConfigError } from '../errors.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Guessing the mean (predicting 1) on the adding problem: the variance of a sum of two U(0,1), 1/6. */
export const ADDING_GUESS_MSE = 1 / 6;

/**
 * The adding problem: x (B,T,2), at each step a value in U(0,1) and a marker;
 * two steps are marked, one in each half of the sequence, and the target y (B)
 * is the sum of their two values. A model must carry the first marked value
 * across at least T/2 steps.
 */
export function addingProblem(batch: number, steps: number, rng: Random): { x: Tensor; y: Float32Array } {
  if (!Number.isInteger(batch) || batch < 1) throw new ConfigError(`addingProblem: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(steps) || steps < 2) throw new ConfigError(`addingProblem: steps must be an integer >= 2, got ${steps}`);
  const T = steps;
  const half = Math.floor(T / 2);
  const x = new Float32Array(batch * T * 2);
  const y = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) x[(b * T + t) * 2] = rng.next();
    const first = rng.int(half);
    const second = half + rng.int(T - half);
    x[(b * T + first) * 2 + 1] = 1;
    x[(b * T + second) * 2 + 1] = 1;
    y[b] = x[(b * T + first) * 2]! + x[(b * T + second) * 2]!;
  }
  return { x: new Tensor(x, [batch, T, 2]), y };
}
