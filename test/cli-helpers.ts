/** Shared by the command-line tests: run `recurrent` as a real process, and check a one-line error. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Node's arguments that run the CLI from its TypeScript sources (tsx), with
 * `recurrent` resolved to the library's sources too (the exports' recurrent-source condition).
 */
export const CLI_ARGS = ['--conditions=recurrent-source', '--import', import.meta.resolve('tsx'), join(root, 'packages/cli/src/main.ts')];

/** A CLI runner working in `cwd` (the TypeScript sources, through tsx). */
export function cliIn(cwd: string): (...args: string[]) => CliResult {
  return (...args) => {
    const r = spawnSync(process.execPath, [...CLI_ARGS, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** A failed command: non-zero exit and exactly one `recurrent: error: ...` line matching `pattern`. */
export function oneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.includes('nodedir'));
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^recurrent: error: /);
  assert.match(lines[0]!, pattern);
}
