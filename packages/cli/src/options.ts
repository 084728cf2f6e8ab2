/** Option values shared by the commands. */
import { CELL_NAMES, type CellKind, OPTIMIZER_NAMES } from 'recurrent';
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
