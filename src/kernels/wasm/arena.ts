/**
 * A bump allocator over the WebAssembly memory, reset at the start of every
 * kernel call: buffers live for one call, so nothing is ever freed one by one.
 * Growing the memory detaches existing views, so views are made only after
 * every allocation of a call (`view`), never kept across calls.
 */
/** The first MiB holds the module's own static data (math tables). */
export const STATIC_END = 1 << 20;
/** Then scratch for GEMM packing (see assembly/gemm.ts: MC*KC floats, with room to spare). */
export const SCRATCH_BYTES = 1 << 18;
const RESERVED = STATIC_END + SCRATCH_BYTES;
const PAGE = 65536;

export class Arena {
  private top = RESERVED;

  constructor(readonly memory: WebAssembly.Memory) {}

  reset(): void {
    this.top = RESERVED;
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

  /** Bytes in use after the reserved area: for tests and memory reports. */
  get size(): number {
    return this.memory.buffer.byteLength;
  }
}
