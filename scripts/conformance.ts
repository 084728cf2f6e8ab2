/**
 * npm run conformance -- [DIR] [--backend js|wasm]
 * Runs every PyTorch reference fixture in DIR (default ../shared/fixtures/torch)
 * and prints one line per fixture. Exits 1 if any fails or cannot be read.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatResult } from '../packages/recurrent/src/conformance/fixtures.js';
import { runFixtureDirectory } from '../packages/recurrent/src/conformance/run-dir.js';
import { getBackend, setBackend } from '../packages/recurrent/src/index.js';

try {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: 'string' } } });
  if (values.backend !== undefined && values.backend !== 'js' && values.backend !== 'wasm') {
    throw new Error(`--backend must be 'js' or 'wasm', got '${values.backend}'`);
  }
  if (values.backend) await setBackend(values.backend);
  const dir = resolve(positionals[0] ?? '../shared/fixtures/torch');
  const results = await runFixtureDirectory(dir);
  for (const r of results) console.log(formatResult(r));
  const failed = results.filter((r) => !r.pass).length;
  console.log(`${results.length - failed} passed, ${failed} failed (backend ${getBackend()}; tolerance |got-want| <= 1e-4 + 1e-4*|want|) in ${dir}`);
  process.exitCode = failed ? 1 : 0;
} catch (e) {
  console.error(`conformance: ${(e as Error).message}`);
  process.exitCode = 2;
}
