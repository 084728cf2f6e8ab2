import { checkOptions, ConfigError, optionKeys } from '../errors.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './types.js';
import { loadWasmKernelsAsync, loadWasmKernelsSync, threadsAvailable } from './wasm/load.js';
import { browserThreadsAvailable, builtinModule } from './wasm/threads.js';

export type { Kernels } from './types.js';
export { jsKernels } from './js/index.js';

/** Names of the compute backends: plain TypeScript, or WebAssembly SIMD. */
export type BackendName = 'js' | 'wasm';

/** Options of `setBackend`. */
export interface BackendOptions {
  /**
   * Threads for the wasm backend: 1, 2, or 'auto' (the default: 2 where the
   * machine has two cores or more and the context allows a second thread, else
   * 1). Node allows it; a browser allows it in a Web Worker of a cross-origin
   * isolated page (COOP same-origin, COEP require-corp), where `setBackend`
   * starts the second thread. Work is split only where it is large enough to
   * gain from it.
   */
  threads?: number | 'auto';
}

let active: Kernels | null = null;
const loaded = new Map<string, Kernels>();

/**
 * The kernels modules run on now. Until a backend is chosen, the first call
 * picks the fastest the engine offers, as `setBackend('wasm')` would: WebAssembly
 * with relaxed SIMD (fused multiply-add) where the engine has it, on two
 * threads in Node on a machine with two cores or more; plain TypeScript only
 * where WebAssembly SIMD is missing (or RECURRENT_BACKEND=js in Node).
 */
export function kernels(): Kernels {
  if (!active) {
    const env = typeof process !== 'undefined' ? process.env?.RECURRENT_BACKEND : undefined;
    let auto: Kernels | null = null;
    if (env !== 'js') {
      try {
        // Synchronous loading cannot start a browser thread (it must be running before a call blocks on it): one there.
        const threads = threadsAvailable() ? autoThreads() : 1;
        auto = loaded.get(`wasm/${threads}`) ?? loadWasmKernelsSync({ threads });
        if (auto) loaded.set(`wasm/${threads}`, auto);
      } catch {
        auto = null;
      }
    }
    active = auto ?? jsKernels;
  }
  return active;
}

/** Two threads where the context can run a second one (Node, or a browser worker of an isolated page) and the machine has two cores, else one. */
function autoThreads(): number {
  return (threadsAvailable() || browserThreadsAvailable()) && coresSync() >= 2 ? 2 : 1;
}

function coresSync(): number {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  const os = builtinModule<typeof import('node:os')>('node:os');
  return os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
}

/**
 * Chooses the compute backend for every module. 'wasm' loads the WebAssembly
 * kernels (with fused multiply-add where the engine has relaxed SIMD, and a
 * second thread per `threads`); it fails with a ConfigError where WebAssembly
 * SIMD is not available.
 */
export async function setBackend(name: BackendName, options: BackendOptions = {}): Promise<void> {
  checkOptions('setBackend', options, optionKeys<BackendOptions>({ threads: true }));
  if (name === 'js') {
    active = jsKernels;
    return;
  }
  if (name !== 'wasm') throw new ConfigError(`setBackend: unknown backend '${String(name)}', expected 'js' or 'wasm'`);
  const t = options.threads ?? 'auto';
  if (t !== 'auto' && t !== 1 && t !== 2) throw new ConfigError(`setBackend: threads must be 1, 2 or 'auto', got ${String(t)}`);
  const threads = t === 'auto' ? autoThreads() : t;
  const key = `wasm/${threads}`;
  let k = loaded.get(key);
  if (!k) {
    const made = await loadWasmKernelsAsync({ threads });
    if (!made) throw new ConfigError("setBackend: this engine has no WebAssembly SIMD; use 'js'");
    loaded.set(key, (k = made));
  }
  active = k;
}

/** Uses the given kernels (e.g. a custom or instrumented backend). */
export function useKernels(k: Kernels): void {
  active = k;
}

/** The name of the active backend: 'js', 'wasm-simd' or 'wasm-relaxed-simd'. */
export function getBackend(): string {
  return kernels().name;
}

/** Threads the active backend uses. */
export function getThreads(): number {
  return kernels().threads;
}
