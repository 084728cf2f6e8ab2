/** Small layout helpers shared by modules. */

/** Swaps the first two axes of an (A,B,C) array: returns (B,A,C). */
export function swapAxes01(src: Float32Array, A: number, B: number, C: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const from = (a * B + b) * C;
      out.set(src.subarray(from, from + C), (b * A + a) * C);
    }
  }
  return out;
}

/** True when every value is finite. */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
