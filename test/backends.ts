/** The kernels the backend-sensitive tests run on, and a hook that switches to them for a describe block. */
import { after, before } from 'node:test';
import { type Kernels, kernels, jsKernels, useKernels } from '../packages/recurrent/src/node.js';
import { FORCED_SPLITS, loadWasmKernelsAsync } from '../packages/recurrent/src/kernels/wasm/load.js';

/**
 * The reference, the default wasm build, and two-thread builds with every
 * split forced, since test sizes are below the thresholds that split work in
 * normal use: by sequences (and GEMM rows) wherever there are two, and
 * inference by hidden units.
 */
export const BACKEND_MODES: Array<[string, () => Promise<Kernels>]> = [
  ['js', async () => jsKernels],
  ['wasm', async () => (await loadWasmKernelsAsync({}))!],
  ['wasm, two threads, every batch split forced', async () => (await loadWasmKernelsAsync({ threads: 2, ...FORCED_SPLITS.batches }))!],
  ['wasm, two threads, inference split by units forced', async () => (await loadWasmKernelsAsync({ threads: 2, ...FORCED_SPLITS.units }))!],
];

/** In the enclosing describe: run its tests on `load`'s kernels, then put the previous ones back. */
export function onKernels(load: () => Promise<Kernels>, check?: () => void): void {
  let previous: Kernels;
  before(async () => {
    previous = kernels();
    useKernels(await load());
    check?.();
  });
  after(() => useKernels(previous));
}
