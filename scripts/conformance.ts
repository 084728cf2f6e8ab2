/**
 * npm run conformance -- [DIR] [--backend js|wasm] [--split batches|units]
 * Runs every PyTorch reference fixture in DIR (default ../shared/fixtures/torch)
 * and prints one line per fixture. Exits 1 if any fails or cannot be read.
 * --split runs the two-thread WebAssembly build with one of its splits forced
 * (fixtures are smaller than the sizes that split work in normal use):
 * `batches`, every batch split by sequences and GEMM rows; `units`, inference
 * split by hidden units.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatResult } from '../packages/recurrent/src/conformance/fixtures.js';
import { runFixtureDirectory } from '../packages/recurrent/src/conformance/run-dir.js';
import { getBackend, getThreads, setBackend, useKernels } from '../packages/recurrent/src/index.js';
import { FORCED_SPLITS as SPLITS, loadWasmKernelsAsync } from '../packages/recurrent/src/kernels/wasm/load.js';

try {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: 'string' }, split: { type: 'string' } } });
  if (values.backend !== undefined && values.backend !== 'js' && values.backend !== 'wasm') {
    throw new Error(`--backend must be 'js' or 'wasm', got '${values.backend}'`);
  }
  if (values.split !== undefined && !(values.split in SPLITS)) throw new Error(`--split must be 'batches' or 'units', got '${values.split}'`);
  if (values.split !== undefined && values.backend === 'js') throw new Error('--split runs the two-thread WebAssembly build: it does not go with --backend js');
  if (values.split !== undefined) {
    const k = await loadWasmKernelsAsync({ threads: 2, ...SPLITS[values.split as keyof typeof SPLITS] });
    if (!k) throw new Error('--split: this engine cannot run the two-thread WebAssembly build');
    useKernels(k);
  } else if (values.backend) await setBackend(values.backend);
  const dir = resolve(positionals[0] ?? '../shared/fixtures/torch');
  const results = await runFixtureDirectory(dir);
  for (const r of results) console.log(formatResult(r));
  const failed = results.filter((r) => !r.pass).length;
  const mode = values.split ? `, ${getThreads()} threads, ${values.split} split forced` : '';
  console.log(`${results.length - failed} passed, ${failed} failed (backend ${getBackend()}${mode}; tolerance |got-want| <= 1e-4 + 1e-4*|want|) in ${dir}`);
  process.exitCode = failed ? 1 : 0;
} catch (e) {
  console.error(`conformance: ${(e as Error).message}`);
  process.exitCode = 2;
}
