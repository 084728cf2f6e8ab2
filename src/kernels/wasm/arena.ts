/**
 * A bump allocator over the WebAssembly memory, reset at the start of every
 * kernel call: buffers live for one call, so nothing is ever freed one by one.
 * Growing the memory detaches existing views (or, for shared memory, leaves
 * them short), so views are made only after every allocation of a call
 * (`f32`), never kept across calls.
 *
 * Layout: [0, 1 MiB) the module's static data (math tables); then one
 * 256 KiB scratch area per thread (GEMM packing, see assembly/gemm.ts); then
 * the arena.
 */
export const STATIC_END = 1 << 20;
export const SCRATCH_BYTES = 1 << 18;
export const MAX_THREADS = 2;
const ARENA_START = STATIC_END + MAX_THREADS * SCRATCH_BYTES;
const PAGE = 65536;

/** Byte address of thread `i`'s scratch area. */
export function scratchOf(thread: number): number {
  return STATIC_END + thread * SCRATCH_BYTES;
}

export class Arena {
  private top = ARENA_START;

  constructor(readonly memory: WebAssembly.Memory) {}

  reset(): void {
    this.top = ARENA_START;
  }

  /** Room for n float32 (or int32) values, 16-byte aligned; returns a byte address. */
  alloc(n: number): number {
    const ptr = this.top;
    this.top += (n * 4 + 15) & ~15;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    return ptr;
  }

  /** Allocates and fills with `src`. */
  put(src: ArrayLike<number>): number {
    const ptr = this.alloc(src.length);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }
}
