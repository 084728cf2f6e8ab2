/**
 * Gate orders. PyTorch stacks gate blocks as LSTM i,f,g,o and GRU r,z,n;
 * ONNX as LSTM i,o,f,c and GRU z,r,h (Keras: LSTM i,f,c,o and GRU z,r,h).
 * `onnxFromTorch[k]` is the PyTorch block that goes in ONNX block k.
 */
import type { CellKind } from '../../kernels/types.js';

export const ONNX_FROM_TORCH: Record<'LSTM' | 'GRU' | 'RNN', number[]> = {
  LSTM: [0, 3, 1, 2],
  GRU: [1, 0, 2],
  RNN: [0],
};

export function gateFamily(kind: CellKind): 'LSTM' | 'GRU' | 'RNN' {
  return kind === 'LSTM' ? 'LSTM' : kind === 'GRU' ? 'GRU' : 'RNN';
}

/** Reorders the gate blocks of a (G*H, cols) matrix or a (G*H) vector: out block k = in block order[k]. */
export function reorderGates(data: Float32Array, gates: number, order: number[]): Float32Array {
  const block = data.length / gates;
  const out = new Float32Array(data.length);
  order.forEach((from, k) => out.set(data.subarray(from * block, (from + 1) * block), k * block));
  return out;
}

/** The inverse permutation. */
export function invert(order: number[]): number[] {
  const inv = new Array<number>(order.length);
  order.forEach((from, k) => {
    inv[from] = k;
  });
  return inv;
}
