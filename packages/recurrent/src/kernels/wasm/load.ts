/**
 * Instantiates the WebAssembly kernels: the relaxed-SIMD (fused multiply-add)
 * build where the engine accepts it, else the plain SIMD build; with two
 * threads, the shared-memory build and a worker thread (Node). Synchronous
 * compilation is fine in Node; browsers limit it on the main thread, so they
 * use `loadWasmKernelsAsync`.
 */
import type { Kernels } from '../types.js';
import { scratchOf } from './arena.js';
import { type WasmExports, type WasmRuntime, createWasmKernels } from './backend.js';
import { ConfigError } from '../../errors.js';
import { SHARED_MAX_PAGES, relaxedSharedWasm, relaxedWasm, simdSharedWasm, simdWasm } from './binary.js';
import { WorkerThread, browserThreadsAvailable, builtinModule } from './threads.js';

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
let relaxedTried = false;

/** Node 20 validates relaxed SIMD only behind a V8 flag; set it before compiling. */
async function enableRelaxedSimd(): Promise<void> {
  if (relaxedTried || !isNode) return;
  setRelaxedFlags(builtinModule<typeof import('node:v8')>('node:v8'));
}

function setRelaxedFlags(v8: typeof import('node:v8') | null): void {
  if (relaxedTried || !isNode || !v8) return;
  relaxedTried = true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    v8.setFlagsFromString('--no-liftoff');
  } catch {
    // flags locked: the SIMD build is used
  }
}

function pickBinary(allowRelaxed: boolean, shared: boolean): { bytes: Uint8Array<ArrayBuffer>; name: string } | null {
  const relaxed = decode(shared ? relaxedSharedWasm : relaxedWasm);
  if (allowRelaxed && WebAssembly.validate(relaxed)) return { bytes: relaxed, name: 'wasm-relaxed-simd' };
  const simd = decode(shared ? simdSharedWasm : simdWasm);
  if (WebAssembly.validate(simd)) return { bytes: simd, name: 'wasm-simd' };
  return null;
}

function newMemory(shared: boolean): WebAssembly.Memory {
  // 16 MiB to start; the arena grows it as needed.
  return shared
    ? new WebAssembly.Memory({ initial: 256, maximum: SHARED_MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 256, maximum: 65536 });
}

/**
 * Whether memory can be shared: then it is, even on one thread, because views
 * of shared memory stay valid when it grows, so parameters can live in it
 * (Kernels.allocate). Browsers have it only when cross-origin isolated.
 */
function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined';
}

/** Whether this engine can start a second kernel thread on its own, lazily (Node with SharedArrayBuffer); in a browser `setBackend('wasm', { threads: 2 })` starts one in a Web Worker of a cross-origin isolated page. */
export function threadsAvailable(): boolean {
  return isNode && typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined';
}

/** The kernels, or null where WebAssembly SIMD is not available. */
export interface WasmLoadOptions {
  /** allow the relaxed-SIMD (fused multiply-add) build (default true) */
  relaxed?: boolean;
  /** 1 or 2 */
  threads?: number;
  /** split thresholds, lowered by tests to run the two-thread paths on small shapes */
  parallelMin?: number;
  unitSplitMin?: number;
}

export async function loadWasmKernelsAsync(options: WasmLoadOptions = {}): Promise<Kernels | null> {
  if (typeof WebAssembly === 'undefined') return null;
  const allowRelaxed = options.relaxed !== false;
  if (allowRelaxed) await enableRelaxedSimd();
  // Two threads need shared memory, which the loader uses wherever it exists (see sharedMemoryAvailable).
  const shared = sharedMemoryAvailable();
  const picked = pickBinary(allowRelaxed, shared);
  if (!picked) return null;
  const memory = newMemory(shared);
  const module = await WebAssembly.compile(picked.bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  if ((options.threads ?? 1) > 1 && !isNode) {
    if (!browserThreadsAvailable()) {
      throw new ConfigError('two kernel threads in a browser need a Web Worker (the page itself may not wait on a thread) of a cross-origin isolated page (served with COOP same-origin and COEP require-corp)');
    }
    const worker = await WorkerThread.startInBrowser(module, memory, scratchOf(1));
    return createWasmKernels({ name: picked.name, exports: instance.exports as unknown as WasmExports, memory, worker, ...splitOptions(options) });
  }
  return kernelsOf(picked.name, module, instance, memory, options);
}

function splitOptions(options: WasmLoadOptions): Pick<WasmRuntime, 'parallelMin' | 'unitSplitMin'> {
  return {
    ...(options.parallelMin !== undefined ? { parallelMin: options.parallelMin } : {}),
    ...(options.unitSplitMin !== undefined ? { unitSplitMin: options.unitSplitMin } : {}),
  };
}

/** The kernels over an instance; with two threads, the worker starts at the first call large enough to split. */
function kernelsOf(name: string, module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, options: WasmLoadOptions): Kernels {
  const start = (options.threads ?? 1) > 1 && threadsAvailable() ? WorkerThread.starterSync() : null;
  return createWasmKernels({
    name, exports: instance.exports as unknown as WasmExports, memory, worker: null,
    ...(start ? { startWorker: () => start(module, memory, scratchOf(1)) } : {}),
    ...splitOptions(options),
  });
}

/**
 * Synchronous variant, what a first use of the library gets with nothing
 * called: in Node the same as the async loader (relaxed SIMD, and a second
 * thread when `threads` > 1), through process.getBuiltinModule; in a browser
 * the module (~40 KB, well under the engines' limit for synchronous
 * compilation on the main thread) on one thread, with relaxed SIMD where the
 * engine has it.
 */
export function loadWasmKernelsSync(options: { threads?: number } = {}): Kernels | null {
  if (typeof WebAssembly === 'undefined') return null;
  setRelaxedFlags(builtinModule<typeof import('node:v8')>('node:v8'));
  const shared = sharedMemoryAvailable();
  const picked = pickBinary(true, shared);
  if (!picked) return null;
  const memory = newMemory(shared);
  const module = new WebAssembly.Module(picked.bytes);
  return kernelsOf(picked.name, module, new WebAssembly.Instance(module, { env: { memory } }), memory, options);
}
