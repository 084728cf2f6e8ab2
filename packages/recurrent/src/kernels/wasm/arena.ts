/**
 * A bump allocator over the WebAssembly memory, reset at the start of every
 * kernel call: buffers live for one call, so nothing is ever freed one by one.
 * The few blocks that outlive calls (weights kept packed, see pack-cache.ts)
 * are taken below the per-call area, which starts above them.
 * Growing the memory detaches existing views (or, for shared memory, leaves
 * them short), so views are made only after every allocation of a call
 * (`f32`), never kept across calls.
 *
 * Layout: [0, 1 MiB) the module's static data (math tables); then one
 * 256 KiB scratch area per thread (GEMM packing, see assembly/gemm.ts); then
 * the lasting blocks; then the per-call area.
 */
import { OutOfMemoryError } from '../../errors.js';

export const STATIC_END = 1 << 20;
export const SCRATCH_BYTES = 1 << 18;
export const MAX_THREADS = 2;
const ARENA_START = STATIC_END + MAX_THREADS * SCRATCH_BYTES;
const PAGE = 65536;

/** Byte address of thread `i`'s scratch area. */
export function scratchOf(thread: number): number {
  return STATIC_END + thread * SCRATCH_BYTES;
}

/** The segment length the out-of-memory message suggests. */
const CHECKPOINT_HINT = 100;

export class Arena {
  /** where a call's allocations start; blocks that outlive calls lie below it */
  private base = ARENA_START;
  private top = ARENA_START;
  /** released lasting blocks, by byte size */
  private readonly spare = new Map<number, number[]>();
  /** bytes of lasting blocks, in use or spare */
  lastingBytes = 0;

  /** every buffer object this memory has had (a grown memory gives a new one) */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(readonly memory: WebAssembly.Memory) {
    this.buffers.add(memory.buffer);
  }

  /** Whether a view lies in this memory (its byteOffset is then its address). */
  owns(view: ArrayBufferView): boolean {
    return this.buffers.has(view.buffer);
  }

  reset(): void {
    this.top = this.base;
  }

  /** Room for n float32 (or int32) values, 16-byte aligned; returns a byte address. */
  alloc(n: number): number {
    const ptr = this.top;
    this.top += bytesFor(n);
    this.ensure();
    return ptr;
  }

  /**
   * Room for n values that outlives calls (until `release`), taken below the
   * per-call area: only right after `reset`, before the call allocates.
   */
  allocLasting(n: number): number {
    const bytes = lastingBytesFor(n);
    const reused = this.spare.get(bytes)?.pop();
    if (reused !== undefined) return reused;
    if (this.top !== this.base) throw new Error('Arena.allocLasting: only between calls');
    const ptr = this.base;
    this.base += bytes;
    this.top = this.base;
    this.lastingBytes += bytes;
    this.ensure();
    return ptr;
  }

  /** Gives a lasting block back, for a later block of the same size. */
  release(ptr: number, n: number): void {
    const bytes = lastingBytesFor(n);
    const list = this.spare.get(bytes) ?? [];
    list.push(ptr);
    this.spare.set(bytes, list);
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

  private ensure(): void {
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) {
      try {
        this.memory.grow(Math.ceil(need / PAGE));
      } catch (e) {
        // WebAssembly memory stops at 4 GiB (and may not get that much): say what ran out and what helps.
        const have = (this.memory.buffer.byteLength / 2 ** 30).toFixed(2);
        throw new OutOfMemoryError(`the WebAssembly backend needs ${(this.top / 2 ** 30).toFixed(2)} GiB of its memory and cannot grow to that from ${have} GiB ` +
          `(${(e as Error).message}): train long sequences with the recurrent option checkpoint (e.g. checkpoint: ${CHECKPOINT_HINT}), a smaller batch, or the js backend`);
      }
      this.buffers.add(this.memory.buffer);
    }
  }
}

function bytesFor(n: number): number {
  return (n * 4 + 15) & ~15;
}

/**
 * Lasting blocks come in powers of two, so a released block serves any later
 * one of its class. The unused tail is never touched, so it costs address
 * space, not resident memory.
 */
function lastingBytesFor(n: number): number {
  return Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, n * 4))));
}
