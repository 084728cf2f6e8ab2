/**
 * Moving arrays between JavaScript and the WebAssembly arena for one kernel
 * call: rows of strided matrices, the sequences of one thread's part of a
 * batch (time-major or batch-first), and back. An array that already lives in
 * wasm memory (Kernels.allocate) is used where it is, not copied.
 */
import type { Strided } from '../types.js';
import type { Arena } from './arena.js';

export type Range = readonly [number, number];

export class Transfer {
  constructor(
    private readonly arena: Arena,
    private readonly exports: { swapAxes01(src: number, A: number, B: number, C: number, dst: number): void },
  ) {}

  /** The address of an array in wasm memory: its own if it lives there (Kernels.allocate), else a copy's. */
  put(src: Float32Array): number {
    return this.arena.owns(src) ? src.byteOffset : this.arena.put(src);
  }

  /** Rows of a strided matrix, packed in the arena (or in place, when they are already packed in wasm memory). */
  putRows(src: Float32Array, off: number, ld: number, rows: number, cols: number): number {
    if (ld === cols && this.arena.owns(src)) return src.byteOffset + off * 4;
    const ptr = this.arena.alloc(rows * cols);
    const view = this.arena.f32(ptr, rows * cols);
    if (ld === cols) view.set(src.subarray(off, off + rows * cols));
    else for (let r = 0; r < rows; r++) view.set(src.subarray(off + r * ld, off + r * ld + cols), r * cols);
    return ptr;
  }

  /** The inverse of putRows: writes a packed (rows x cols) arena matrix into dst with row stride ld. */
  getRows(ptr: number, dst: Float32Array, off: number, ld: number, rows: number, cols: number): void {
    if (this.arena.owns(dst) && ptr === dst.byteOffset + off * 4) return; // written in place
    const view = this.arena.f32(ptr, rows * cols);
    if (ld === cols) dst.set(view, off);
    else for (let r = 0; r < rows; r++) dst.set(view.subarray(r * cols, (r + 1) * cols), off + r * ld);
  }

  /**
   * Sequences [b0, b1) of a (T,B,X) array, or of a (B,T,X) one when `bf`
   * (batch first), packed time-major as (T,b1-b0,X).
   */
  putBatch(src: Float32Array, T: number, B: number, X: number, [b0, b1]: Range, bf = false): number {
    const n = b1 - b0;
    if (bf) {
      // The sequences are one contiguous block: copy it, then swap the axes in wasm.
      const raw = this.arena.put(src.subarray(b0 * T * X, b1 * T * X));
      const ptr = this.arena.alloc(T * n * X);
      this.exports.swapAxes01(raw, n, T, X, ptr);
      return ptr;
    }
    const ptr = this.arena.alloc(T * n * X);
    const view = this.arena.f32(ptr, T * n * X);
    for (let t = 0; t < T; t++) view.set(src.subarray((t * B + b0) * X, (t * B + b1) * X), t * n * X);
    return ptr;
  }

  /** The inverse of putBatch: writes (T,b1-b0,X) back into sequences [b0, b1) of dst. */
  getBatch(ptr: number, dst: Float32Array, T: number, B: number, X: number, r: Range, bf = false): void {
    this.putStrided(ptr, { data: dst, off: 0, ld: X }, T, B, X, r, bf);
  }

  /**
   * Writes (T,b1-b0,X) into the rows of a strided matrix that hold sequences
   * [b0, b1): row t*B+b, or b*T+t when `bf`.
   */
  putStrided(ptr: number, s: Strided, T: number, B: number, X: number, [b0, b1]: Range, bf: boolean): void {
    const n = b1 - b0;
    if (bf) {
      const tmp = this.arena.alloc(n * T * X);
      this.exports.swapAxes01(ptr, T, n, X, tmp);
      const view = this.arena.f32(tmp, n * T * X);
      if (s.ld === X) s.data.set(view, s.off + b0 * T * X);
      else for (let i = 0; i < n * T; i++) s.data.set(view.subarray(i * X, (i + 1) * X), s.off + (b0 * T + i) * s.ld);
      return;
    }
    const view = this.arena.f32(ptr, T * n * X);
    for (let t = 0; t < T; t++) {
      if (s.ld === X) {
        s.data.set(view.subarray(t * n * X, (t + 1) * n * X), s.off + (t * B + b0) * X);
        continue;
      }
      for (let i = 0; i < n; i++) s.data.set(view.subarray((t * n + i) * X, (t * n + i + 1) * X), s.off + (t * B + b0 + i) * s.ld);
    }
  }

  /** Part of a strided matrix (rows as in putStrided) for sequences [b0, b1), packed time-major. */
  getStrided(s: Strided, T: number, B: number, X: number, r: Range, bf: boolean): number {
    if (s.ld === X && s.off === 0) return this.putBatch(s.data, T, B, X, r, bf);
    const [b0, b1] = r;
    const n = b1 - b0;
    const ptr = this.arena.alloc(T * n * X);
    const view = this.arena.f32(ptr, T * n * X);
    for (let t = 0; t < T; t++) {
      for (let b = b0; b < b1; b++) {
        const from = s.off + (bf ? b * T + t : t * B + b) * s.ld;
        view.set(s.data.subarray(from, from + X), (t * n + b - b0) * X);
      }
    }
    return ptr;
  }
}
