import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { type FixtureResult, runFixture } from './fixtures.js';

/** Runs every `*.safetensors` fixture in a directory (sorted by name). Node only. */
export async function runFixtureDirectory(dir: string): Promise<FixtureResult[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.safetensors')).sort();
  } catch (e) {
    throw new FormatError(`cannot read fixture directory '${dir}': ${(e as Error).message}`);
  }
  if (names.length === 0) throw new FormatError(`no *.safetensors fixtures in '${dir}'`);
  const results: FixtureResult[] = [];
  for (const n of names) {
    const bytes = new Uint8Array(await readFile(join(dir, n)));
    results.push(runFixture(n, bytes));
  }
  return results;
}
