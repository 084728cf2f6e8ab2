/**
 * Instantiates the WebAssembly kernels: the relaxed-SIMD (fused multiply-add)
 * build where the engine accepts it, else the plain SIMD build. Synchronous
 * compilation is fine in Node; browsers limit it on the main thread, so they
 * use `loadWasmKernelsAsync`.
 */
import type { Kernels } from '../types.js';
import { createWasmKernels, type WasmExports } from './backend.js';
import { relaxedWasm, simdWasm } from './binary.js';

function decode(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  throw new Error('no base64 decoder available');
}

let relaxedTried = false;

/** Node 20 validates relaxed SIMD only behind a V8 flag; set it before compiling. */
async function enableRelaxedSimd(): Promise<void> {
  if (relaxedTried) return;
  relaxedTried = true;
  if (typeof process === 'undefined' || !process.versions?.node) return;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node, or flags locked: the SIMD build is used
  }
}

function pickBinary(allowRelaxed: boolean): { bytes: Uint8Array<ArrayBuffer>; name: string } | null {
  const relaxed = decode(relaxedWasm);
  if (allowRelaxed && WebAssembly.validate(relaxed)) return { bytes: relaxed, name: 'wasm-relaxed-simd' };
  const simd = decode(simdWasm);
  if (WebAssembly.validate(simd)) return { bytes: simd, name: 'wasm-simd' };
  return null;
}

function memory(): WebAssembly.Memory {
  // 16 MiB to start (the arena grows as needed); 4 GiB address space at most.
  return new WebAssembly.Memory({ initial: 256, maximum: 65536 });
}

/** The kernels, or null where WebAssembly SIMD is not available. */
export async function loadWasmKernelsAsync(options: { relaxed?: boolean } = {}): Promise<Kernels | null> {
  if (typeof WebAssembly === 'undefined') return null;
  if (options.relaxed !== false) await enableRelaxedSimd();
  const picked = pickBinary(options.relaxed !== false);
  if (!picked) return null;
  const mem = memory();
  const { instance } = await WebAssembly.instantiate(picked.bytes, { env: { memory: mem } });
  return createWasmKernels(picked.name, instance.exports as unknown as WasmExports, mem);
}

/**
 * Synchronous variant (Node, or small modules): uses the relaxed build only if
 * the engine already accepts it, since the V8 flag cannot be set synchronously.
 */
export function loadWasmKernelsSync(): Kernels | null {
  if (typeof WebAssembly === 'undefined') return null;
  const picked = pickBinary(true);
  if (!picked) return null;
  const mem = memory();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(picked.bytes), { env: { memory: mem } });
  return createWasmKernels(picked.name, instance.exports as unknown as WasmExports, mem);
}
