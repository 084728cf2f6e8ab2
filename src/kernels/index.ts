import { ConfigError } from '../errors.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './types.js';

export type { Kernels } from './types.js';
export { jsKernels } from './js/index.js';

/** Names of the compute backends. */
export type BackendName = 'js';

const backends: Record<BackendName, Kernels> = { js: jsKernels };
let active: Kernels = jsKernels;

/** The kernels modules run on now. */
export function kernels(): Kernels {
  return active;
}

/** Chooses the compute backend for every module. */
export function setBackend(name: BackendName): void {
  const k = backends[name];
  if (!k) throw new ConfigError(`setBackend: unknown backend '${String(name)}', expected one of ${Object.keys(backends).join(', ')}`);
  active = k;
}

/** The name of the active backend. */
export function getBackend(): string {
  return active.name;
}
