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
let liftoffOff = false;

/**
 * The engine flags the kernels need, and only where they need them, set for
 * the process before a compilation (V8 reads them then):
 * - `--experimental-wasm-relaxed-simd` where the relaxed build does not
 *   validate as the engine stands (Node 20, V8 11.3; Node 22 and browsers have
 *   relaxed SIMD on, and get nothing);
 * - `--no-liftoff` before the first two-thread build in Node: code from V8's
 *   baseline compiler (Liftoff) lets the two threads' per-step barrier miss its
 *   partner on Node 20 (the unit-split inference test in kernels.test.ts gives
 *   wrong outputs after the barrier's 10 s limit), so the two-thread kernels are
 *   compiled by the optimising compiler. One thread sets no such flag.
 * Where flags cannot be set, the plain SIMD build (and, for the second, the
 * engine's defaults) is used.
 */
function setEngineFlags(threads: number, relaxed: boolean): void {
  const v8 = isNode ? builtinModule<typeof import('node:v8')>('node:v8') : null;
  if (!v8) return;
  const set = (flag: string): void => {
    try {
      v8.setFlagsFromString(flag);
    } catch {
      // flags locked: the engine's defaults stand
    }
  };
  if (relaxed && !relaxedTried) {
    relaxedTried = true;
    if (!WebAssembly.validate(decode(relaxedWasm))) set('--experimental-wasm-relaxed-simd');
  }
  if (threads > 1 && !liftoffOff) {
    liftoffOff = true;
    set('--no-liftoff');
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

/**
 * The split thresholds that force each of the two-thread build's splits on
 * any shape (tests' shapes and PyTorch's fixtures are below the sizes that
 * split in normal use): every batch split by sequences and GEMM rows, or
 * inference split by hidden units. For `loadWasmKernelsAsync({ threads: 2, ...FORCED_SPLITS.batches })`.
 */
export const FORCED_SPLITS = {
  batches: { parallelMin: 0, unitSplitMin: Infinity },
  units: { parallelMin: Infinity, unitSplitMin: 0 },
} as const;

export async function loadWasmKernelsAsync(options: WasmLoadOptions = {}): Promise<Kernels | null> {
  if (typeof WebAssembly === 'undefined') return null;
  const allowRelaxed = options.relaxed !== false;
  setEngineFlags(options.threads ?? 1, allowRelaxed);
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
  setEngineFlags(options.threads ?? 1, true);
  const shared = sharedMemoryAvailable();
  const picked = pickBinary(true, shared);
  if (!picked) return null;
  const memory = newMemory(shared);
  const module = new WebAssembly.Module(picked.bytes);
  return kernelsOf(picked.name, module, new WebAssembly.Instance(module, { env: { memory } }), memory, options);
}
