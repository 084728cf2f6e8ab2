/**
 * Typed errors. Every message names what was expected and what was given, so a
 * user can fix the call without reading the library's source.
 */

/**
 * Base class of every error this library throws on purpose.
 *
 * `name` and `code` are string literals, not derived from the class, so they
 * survive minifiers that rename classes: test `err.code` (or `instanceof`),
 * never a class's runtime name.
 */
export class RecurrentError extends Error {
  /** The class's name, as written here (a minifier does not change it). */
  override name: string = 'RecurrentError';
  /** A stable identifier of the kind of error, `ERR_RECURRENT` for this base class. */
  readonly code: string = 'ERR_RECURRENT';
}

/** A tensor's shape (or a length) does not match what the operation needs. */
export class ShapeError extends RecurrentError {
  override name = 'ShapeError';
  override readonly code = 'ERR_RECURRENT_SHAPE';
}

/** A module or optimiser was configured with an invalid option. */
export class ConfigError extends RecurrentError {
  override name = 'ConfigError';
  override readonly code = 'ERR_RECURRENT_CONFIG';
}

/** A data type other than the one required (e.g. I64 where F32 is expected). */
export class DTypeError extends RecurrentError {
  override name = 'DTypeError';
  override readonly code = 'ERR_RECURRENT_DTYPE';
}

/** Numbers that must be finite are not (weights about to be saved, values that overflow a scaling). */
export class NonFiniteError extends RecurrentError {
  override name = 'NonFiniteError';
  override readonly code: string = 'ERR_RECURRENT_NON_FINITE';
}

/** A loss (or the gradient norm) became NaN or infinite; training stopped at `step`. */
export class NonFiniteLossError extends NonFiniteError {
  override name = 'NonFiniteLossError';
  override readonly code = 'ERR_RECURRENT_NON_FINITE_LOSS';
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
export class FormatError extends RecurrentError {
  override name = 'FormatError';
  override readonly code = 'ERR_RECURRENT_FORMAT';
}

/** Input data that cannot be used (a ragged CSV row, a non-numeric value, too few rows): the message names the row or column. */
export class DataError extends RecurrentError {
  override name = 'DataError';
  override readonly code = 'ERR_RECURRENT_DATA';
}

/** `backward` was called without a matching `forward` in training mode. */
export class BackwardError extends RecurrentError {
  override name = 'BackwardError';
  override readonly code = 'ERR_RECURRENT_BACKWARD';
}

/** A backend's memory cannot hold the call (WebAssembly stops at 4 GiB): the message says what helps. */
export class OutOfMemoryError extends RecurrentError {
  override name = 'OutOfMemoryError';
  override readonly code = 'ERR_RECURRENT_OUT_OF_MEMORY';
}

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

/**
 * Every key of an options type, listed once: the compiler checks that the
 * object names each key of `T` and nothing else, so the list cannot drift from
 * the type. For `checkOptions`.
 */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/**
 * Throws a ConfigError if `options` is not an object, or holds a key (with a
 * defined value) outside `known`: a misspelt option is refused, naming the
 * options there are, rather than silently ignored. Returns `options`.
 */
export function checkOptions<T>(what: string, options: T, known: readonly string[]): T {
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(`${what}: expected an options object, got ${describeValue(options)}`);
  }
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || known.includes(k)) continue;
    const close = known.find((n) => n.toLowerCase() === k.toLowerCase() || n.toLowerCase().startsWith(k.toLowerCase()) || k.toLowerCase().startsWith(n.toLowerCase()));
    throw new ConfigError(`${what} has no option '${k}'${close ? ` (did you mean '${close}'?)` : ''}; it takes ${known.join(', ')}`);
  }
  return options;
}

/** A short description of any value, for messages: 'an object with keys output, hN', 'undefined', 'a number'. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : `an object with keys ${Object.keys(v).join(', ') || '(none)'}`;
  }
  return `a ${typeof v}`;
}

/** A shape for a message, "[2, 3, 4]"; a long one (from a file that claims it) keeps its first 8 dims and says how many there are. */
export function formatShape(shape: ReadonlyArray<number | string>): string {
  return shape.length <= 8 ? `[${shape.join(', ')}]` : `[${shape.slice(0, 8).join(', ')}, ... (${shape.length.toLocaleString('en-US')} dims)]`;
}
