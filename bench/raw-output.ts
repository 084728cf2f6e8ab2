/**
 * The dated raw output of a benchmark: what it printed, under a header saying
 * when, where and from which commit, written (atomically) to
 * bench/RESULTS-<name>-<date>.txt, the file the README's figures cite. A raw
 * output is never overwritten: a later run of the same day gets the next free
 * name (RESULTS-<name>-<date>-2.txt, -3, ...), taken at the run's first save.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../packages/recurrent/src/node.js';

/** The first name of the day's run `name` in `dir` that no file has yet. */
export function freshRawName(dir: string, name: string, date: string): string {
  for (let k = 1; ; k++) {
    const file = join(dir, `RESULTS-${name}-${date}${k === 1 ? '' : `-${k}`}.txt`);
    if (!existsSync(file)) return file;
  }
}

/**
 * A line collector that prints as it goes; `save` writes the run's own file
 * (again, if called again: a long run saves as it goes) and returns its path.
 * `dir`: where the file goes (default: this folder, bench/).
 */
export function rawOutput(name: string, command: string, dir = dirname(fileURLToPath(import.meta.url))): { line: (s: string) => void; save: () => Promise<string> } {
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
  // What the figures depend on: every package and the benchmarks (tests and docs may change meanwhile).
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'packages', 'bench', ':!bench/RESULTS-*']) ? ' (with uncommitted changes to the packages or benchmarks)' : '';
  let file: string | null = null;
  // The arguments the run was given, unless the caller's command already spells them out.
  const args = command.includes(' -- ') || process.argv.length <= 2 ? '' : ` -- ${process.argv.slice(2).map((a) => (/^[\w.,=/-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
  const header = `# ${command}${args}, ${date}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, commit ${commit}${dirty}`;
  return {
    line: (s) => {
      console.log(s);
      lines.push(s);
    },
    save: async () => {
      file ??= freshRawName(dir, name, date);
      await writeFileAtomic(file, `${header}\n${lines.join('\n')}\n`);
      console.log(`raw output: ${file}`);
      return file;
    },
  };
}
