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

/** Symbols to remember in the copy task (1..8); 0 is the blank, 9 the "recall now" marker. */
export const COPY_SYMBOLS = 8;
/** Tokens of the copy task: blank 0, symbols 1..8, marker 9. */
export const COPY_VOCAB = 10;
/** How many symbols the copy task shows and asks back. */
export const COPY_LENGTH = 10;

/**
 * The best loss without memory on the copy task (nats per step, averaged over
 * all T+20 steps): blanks are certain, and each of the 10 recalled symbols is
 * a guess among 8, 10 ln 8 / (T + 20).
 */
export function copyGuessLoss(blanks: number): number {
  return (COPY_LENGTH * Math.log(COPY_SYMBOLS)) / (blanks + 2 * COPY_LENGTH);
}

/**
 * Copy memory (Hochreiter & Schmidhuber 1997; the layout of Arjovsky et al.
 * 2016 and Bai et al. 2018): 10 symbols from 1..8, then T-1 blanks, then 11
 * markers (9); the target is blank for the first T+10 steps and the 10
 * symbols for the last 10. Returns tokens and targets, both (B, T+20) row-major.
 */
export function copyMemory(batch: number, blanks: number, rng: Random): { tokens: Int32Array; targets: Int32Array; steps: number } {
  if (!Number.isInteger(batch) || batch < 1) throw new ConfigError(`copyMemory: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(blanks) || blanks < 1) throw new ConfigError(`copyMemory: blanks must be a positive integer, got ${blanks}`);
  const L = COPY_LENGTH;
  const steps = blanks + 2 * L;
  const tokens = new Int32Array(batch * steps);
  const targets = new Int32Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    const row = b * steps;
    for (let i = 0; i < L; i++) {
      const symbol = 1 + rng.int(COPY_SYMBOLS);
      tokens[row + i] = symbol;
      targets[row + blanks + L + i] = symbol;
    }
    tokens.fill(COPY_VOCAB - 1, row + L + blanks - 1, row + steps);
  }
  return { tokens, targets, steps };
}

/**
 * The share of the recalled symbols a copy-task model gets right: the argmax of
 * its logits ((B, steps, COPY_VOCAB) row-major) at each of the last COPY_LENGTH
 * steps against the targets of copyMemory.
 */
export function copyRecalled(logits: Float32Array, targets: Int32Array, batch: number, steps: number): number {
  if (logits.length !== batch * steps * COPY_VOCAB) throw new ConfigError(`copyRecalled: expected ${batch} x ${steps} x ${COPY_VOCAB} logits, got ${logits.length}`);
  let right = 0;
  for (let b = 0; b < batch; b++) {
    for (let t = steps - COPY_LENGTH; t < steps; t++) {
      const off = (b * steps + t) * COPY_VOCAB;
      let best = 0;
      for (let k = 1; k < COPY_VOCAB; k++) if (logits[off + k]! > logits[off + best]!) best = k;
      if (best === targets[b * steps + t]) right++;
    }
  }
  return right / (batch * COPY_LENGTH);
}
