/**
 * Typed errors. Every message names what was expected and what was given, so a
 * user can fix the call without reading the library's source.
 */

/** Base class of every error this library throws on purpose. */
export class RecurrentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor's shape (or a length) does not match what the operation needs. */
export class ShapeError extends RecurrentError {}

/** A module or optimiser was configured with an invalid option. */
export class ConfigError extends RecurrentError {}

/** A data type other than the one required (e.g. I64 where F32 is expected). */
export class DTypeError extends RecurrentError {}

/** Numbers that must be finite are not (weights about to be saved, values that overflow a scaling). */
export class NonFiniteError extends RecurrentError {}

/** A loss (or the gradient norm) became NaN or infinite; training stopped at `step`. */
export class NonFiniteLossError extends NonFiniteError {
  constructor(
    readonly step: number,
    readonly value: number,
    readonly what: 'loss' | 'gradient norm' | 'validation loss' = 'loss',
  ) {
    super(`training stopped: the ${what} is ${value} at step ${step} (expected a finite number); ` +
      'lower the learning rate or enable gradient clipping');
  }
}

/** A file (safetensors, config, fixture) is malformed or does not match what was expected. */
export class FormatError extends RecurrentError {}

/** Input data that cannot be used (a ragged CSV row, a non-numeric value, too few rows): the message names the row or column. */
export class DataError extends RecurrentError {}

/** `backward` was called without a matching `forward` in training mode. */
export class BackwardError extends RecurrentError {}

/** A backend's memory cannot hold the call (WebAssembly stops at 4 GiB): the message says what helps. */
export class OutOfMemoryError extends RecurrentError {}

/** Throws a ShapeError unless `got` equals `want`, naming `what`. */
export function expectShape(what: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${what}: expected shape [${want.join(', ')}], got [${got.join(', ')}]`);
  }
}

/** Throws a ConfigError unless `value` is a positive integer. */
export function expectPositiveInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${what} must be a positive integer, got ${String(value)}`);
  }
}

/** "1 step", "2 steps": a count and its noun, for messages. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}
