/**
 * Moving gate blocks between layouts; the orders themselves (ONNX's, Keras's)
 * are with the cell kinds in kernels/cell-kinds.ts.
 */
export { ONNX_FROM_TORCH, cellFamily as gateFamily } from '../../kernels/cell-kinds.js';

/** Reorders the gate blocks of a (G*H, cols) matrix or a (G*H) vector: out block k = in block order[k]. */
export function reorderGates(data: Float32Array, gates: number, order: readonly number[]): Float32Array {
  const block = data.length / gates;
  const out = new Float32Array(data.length);
  order.forEach((from, k) => out.set(data.subarray(from * block, (from + 1) * block), k * block));
  return out;
}

/** The inverse permutation. */
export function invert(order: readonly number[]): number[] {
  const inv = new Array<number>(order.length);
  order.forEach((from, k) => {
    inv[from] = k;
  });
  return inv;
}
