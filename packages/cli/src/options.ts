/** Option values shared by the commands. */
import { type CellKind, OPTIMIZER_NAMES } from 'recurrent';
import { UsageError } from './errors.js';

export const CELLS: Record<string, CellKind> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN_TANH' };
export const OPTIMIZERS = OPTIMIZER_NAMES;

/** An option parser that accepts one of `allowed`, naming the option otherwise. */
export function choice<T extends string>(name: string, allowed: readonly T[]): (v: string) => T {
  return (v: string) => {
    if (!allowed.includes(v as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  };
}
