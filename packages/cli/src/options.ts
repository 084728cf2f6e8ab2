/** Option values shared by the commands. */
import { CELL_NAMES, type CellKind, OPTIMIZER_NAMES, Random } from 'recurrent-nn';
import { UsageError } from './errors.js';

export const CELLS: Readonly<Record<string, CellKind>> = CELL_NAMES;
export const OPTIMIZERS = OPTIMIZER_NAMES;

/** An option parser that accepts one of `allowed`, naming the option otherwise. */
export function choice<T extends string>(name: string, allowed: readonly T[]): (v: string) => T {
  return (v: string) => {
    if (!allowed.includes(v as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/** The flags every `... train` command of a supervised task has. */
export interface TrainRunFlags {
  epochs: number;
  batch: number;
  lr: number;
  /** a duration: stop after this long */
  time?: string;
  valFraction: number;
  seed: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * Shuffles (seeded) and holds out `fraction` of the examples, at least one, for validation. Too few
 * to leave one for training is a UsageError naming the source, e.g. "data.tsv: 1 pair(s) is too few".
 */
export function holdOut<T>(examples: readonly T[], fraction: number, seed: number, source: string, noun: string): { train: T[]; val: T[] } {
  const order = examples.slice();
  new Random(seed).shuffle(order);
  const nVal = Math.max(1, Math.round(order.length * fraction));
  if (order.length - nVal < 1) throw new UsageError(`${source}: ${order.length} ${noun}(s) is too few to hold ${nVal} out for validation`);
  return { val: order.slice(0, nVal), train: order.slice(nVal) };
}
