import { ConfigError } from '../errors.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './types.js';
import { loadWasmKernelsAsync, loadWasmKernelsSync } from './wasm/load.js';

export type { Kernels } from './types.js';
export { jsKernels } from './js/index.js';

/** Names of the compute backends: plain TypeScript, or WebAssembly SIMD. */
export type BackendName = 'js' | 'wasm';

let active: Kernels | null = null;
let wasm: Kernels | null = null;

/**
 * The kernels modules run on now. Until a backend is chosen, the first call
 * picks one: WebAssembly SIMD where the engine can compile it synchronously
 * (Node), else plain TypeScript.
 */
export function kernels(): Kernels {
  if (!active) {
    let auto: Kernels | null = null;
    if (typeof process !== 'undefined' && process.versions?.node && process.env.RECURRENT_BACKEND !== 'js') {
      try {
        auto = wasm ??= loadWasmKernelsSync();
      } catch {
        auto = null;
      }
    }
    active = auto ?? jsKernels;
  }
  return active;
}

/**
 * Chooses the compute backend for every module. 'wasm' loads the WebAssembly
 * kernels (with fused multiply-add where the engine has relaxed SIMD) and
 * fails with a ConfigError where WebAssembly SIMD is not available.
 */
export async function setBackend(name: BackendName): Promise<void> {
  if (name === 'js') {
    active = jsKernels;
    return;
  }
  if (name !== 'wasm') throw new ConfigError(`setBackend: unknown backend '${String(name)}', expected 'js' or 'wasm'`);
  if (!wasm || wasm.name !== 'wasm-relaxed-simd') wasm = (await loadWasmKernelsAsync()) ?? wasm;
  if (!wasm) throw new ConfigError("setBackend: this engine has no WebAssembly SIMD; use 'js'");
  active = wasm;
}

/** Uses the given kernels (e.g. a custom or instrumented backend). */
export function useKernels(k: Kernels): void {
  active = k;
}

/** The name of the active backend: 'js', 'wasm-simd' or 'wasm-relaxed-simd'. */
export function getBackend(): string {
  return kernels().name;
}
