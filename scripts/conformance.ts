/**
 * npm run conformance -- [DIR]
 * Runs every PyTorch reference fixture in DIR (default ../shared/fixtures/torch)
 * and prints one line per fixture. Exits 1 if any fails or cannot be read.
 */
import { resolve } from 'node:path';
import { formatResult } from '../src/conformance/fixtures.js';
import { runFixtureDirectory } from '../src/conformance/run-dir.js';

const dir = resolve(process.argv[2] ?? '../shared/fixtures/torch');
try {
  const results = await runFixtureDirectory(dir);
  for (const r of results) console.log(formatResult(r));
  const failed = results.filter((r) => !r.pass).length;
  console.log(`${results.length - failed} passed, ${failed} failed (tolerance |got-want| <= 1e-4 + 1e-4*|want|) in ${dir}`);
  process.exitCode = failed ? 1 : 0;
} catch (e) {
  console.error(`conformance: ${(e as Error).message}`);
  process.exitCode = 2;
}
