import { existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A problem with the user's input: printed as one line, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Runs a command action; any error becomes one clear line on stderr and a non-zero exit. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const err = e as Error;
      process.stderr.write(`recurrent: error: ${err.message}\n`);
      if (process.env.RECURRENT_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  };
}

/**
 * Refuses to write into an existing output (a folder, or a file) unless
 * --force was given, and checks that it can be written at all: both before
 * any work starts, so that no run is lost at its end.
 */
export function refuseExisting(out: string, force: boolean | undefined, kind: 'folder' | 'file' = 'folder'): void {
  checkWritable(out, kind);
  if (existsSync(out) && !force) throw new UsageError(`${out} already exists: choose --out or add --force to overwrite it`);
}

/**
 * Throws a UsageError unless `out` can be written as a `kind`: an existing
 * one must be of that kind, and the folder it goes in (or, for a folder not
 * there yet, its nearest existing ancestor) must be a folder where this
 * process can make entries, tried by making and removing a probe there.
 */
export function checkWritable(out: string, kind: 'folder' | 'file'): void {
  const stat = (p: string): ReturnType<typeof statSync> | null => {
    try {
      return statSync(p);
    } catch {
      return null;
    }
  };
  const here = stat(out);
  if (here && kind === 'folder' && !here.isDirectory()) throw new UsageError(`${out} is a file, not a folder: choose another --out`);
  if (here && kind === 'file' && here.isDirectory()) throw new UsageError(`${out} is a folder, not a file: choose another --out`);
  let at = here && kind === 'folder' ? resolve(out) : dirname(resolve(out));
  while (!stat(at) && dirname(at) !== at) at = dirname(at);
  if (!stat(at)?.isDirectory()) throw new UsageError(`cannot write ${out}: ${at} is a file, not a folder`);
  try {
    rmdirSync(mkdtempSync(join(at, '.recurrent-probe-')));
  } catch (e) {
    throw new UsageError(`cannot write ${out}: ${at} does not take new files (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Parses "90", "90s", "10m", "1.5h" into seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : NaN;
  // Zero would train nothing (and an unlimited run where 0 reads as "no limit"): refused like any other bad duration.
  if (!(seconds > 0)) throw new UsageError(`--time expects a positive duration like 90s, 10m or 1h, got '${text}'`);
  return seconds;
}

/** The --time option's parser: checks the duration when the command line is read, before any work, and keeps its text. */
export function durationOption(text: string): string {
  parseDuration(text);
  return text;
}

/** A --port option: an integer from 0 (any free port) to 65535. */
export function portOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port expects an integer from 0 (any free port) to 65535, got '${v}'`);
  return n;
}

/** Why a server could not listen on host:port, in one line that says what to do: the error to throw. */
export function listenError(e: unknown, host: string, port: number): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UsageError(`port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`);
  if (code === 'EADDRNOTAVAIL') return new UsageError(`cannot listen on ${host}: not an address of this machine`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UsageError(`cannot listen on ${host}: no such host (give an address of this machine, e.g. 127.0.0.1)`);
  if (code === 'EACCES') return new UsageError(`cannot listen on port ${port}: ports below 1024 need privileges; choose another with --port`);
  return e as Error;
}

/** Parses a whole number option, with its name in the message. */
export function int(name: string, min = 1): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} expects an integer >= ${min}, got '${v}'`);
    return n;
  };
}

/** Parses a comma-separated list of whole numbers (e.g. 2000,10000), with its name in the message. */
export function intList(name: string, min = 1): (v: string) => number[] {
  return (v: string) => {
    const parts = v.split(',').map((p) => p.trim());
    const ns = parts.map(Number);
    if (parts.some((p) => p === '') || ns.some((n) => !Number.isInteger(n) || n < min)) throw new UsageError(`${name} expects integers >= ${min} separated by commas, got '${v}'`);
    return ns;
  };
}

/** A seed for the random generator: a whole number from 0 to 2^32 - 1 (it seeds 32 bits; larger ones would collide). */
export function seedOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--seed expects an integer from 0 to 4294967295, got '${v}'`);
  return n;
}

export { plural } from 'recurrent-nn';

/** Parses a number option, with its name in the message. */
export function num(name: string, check: (n: number) => boolean = () => true, want = 'a number'): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`${name} expects ${want}, got '${v}'`);
    return n;
  };
}
