/** Splitting a data set's records into training, validation and test parts. */
import { Random } from '../tensor/random.js';

/** Which records went where, by index into the data. */
export interface DataSplit {
  train: number[];
  val: number[];
  test: number[];
}

/** Seeded shuffle of 0..n-1, cut by fractions. */
export function splitIndices(n: number, fractions: [number, number, number], seed: number): DataSplit {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new Random(seed);
  rng.shuffle(order);
  const a = Math.round(n * fractions[0]);
  const b = Math.round(n * (fractions[0] + fractions[1]));
  return { train: order.slice(0, a), val: order.slice(a, b), test: order.slice(b) };
}
