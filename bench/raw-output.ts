/**
 * The dated raw output of a quality benchmark: what it printed, under a header
 * saying when, where and from which commit, written (atomically) to
 * bench/RESULTS-<name>-<date>.txt, the file the README's figures cite. A
 * second run on the same day is added below the first, which stays.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../packages/recurrent/src/node.js';

/** A line collector that prints as it goes; `save` writes the file (again, if called again: a long run saves as it goes) and returns its path. */
export function rawOutput(name: string, command: string): { line: (s: string) => void; save: () => Promise<string> } {
  const lines: string[] = [];
  // The commit the figures come from: read at the start, before anything can change beneath the run.
  const date = new Date().toISOString().slice(0, 10);
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  // What the figures depend on: the library and the benchmarks (tests and docs may change meanwhile).
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'packages/recurrent/src', 'bench', ':!bench/RESULTS-*']) ? ' (with uncommitted changes to the library or benchmarks)' : '';
  const file = join(dirname(fileURLToPath(import.meta.url)), `RESULTS-${name}-${date}.txt`);
  const earlier = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // The arguments the run was given, unless the caller's command already spells them out.
  const args = command.includes(' -- ') || process.argv.length <= 2 ? '' : ` -- ${process.argv.slice(2).map((a) => (/^[\w.,=/-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
  const header = `# ${command}${args}, ${date}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, commit ${commit}${dirty}`;
  return {
    line: (s) => {
      console.log(s);
      lines.push(s);
    },
    save: async () => {
      await writeFileAtomic(file, `${earlier}${header}\n${lines.join('\n')}\n`);
      console.log(`raw output: ${file}`);
      return file;
    },
  };
}
