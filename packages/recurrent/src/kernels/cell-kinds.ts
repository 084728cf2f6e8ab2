/**
 * Every recurrent cell kind in one place: its name, how many gate blocks its
 * weights stack and in which order (PyTorch's, the library's own), the orders
 * ONNX and Keras use, the name on the command line, and its code in the
 * WebAssembly kernels.
 *
 * Adding a cell kind (say a peephole LSTM):
 *  1. here: the kind, its gates, orders, command-line name and kernel code;
 *  2. the gate math, forward and backward: kernels/js/gates.ts (the reference) and
 *     assembly/recurrent.ts (+ assembly/units.ts for batch-1 inference), then
 *     `npm run build:wasm`;
 *  3. nn/recurrent/modules.ts: the module class (PyTorch's constructor options);
 *     nn/recurrent/cells.ts: the single-step cell;
 *  4. io/model-files.ts: its model type (registerModelType), so folders save and load;
 *  5. interop: onnx/export.ts and onnx/import.ts if ONNX has the operator, keras.ts for tfjs;
 *  6. tests: a PyTorch fixture (scripts/make-fixtures.py), gradient checks (test/gradcheck.test.ts),
 *     the kernels on both backends (test/kernels.test.ts).
 */

/** PyTorch's modes: LSTM, GRU, and the Elman RNN with either nonlinearity. */
export type CellKind = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** The operator families of ONNX (and of PyTorch's module classes). */
export type CellFamily = 'LSTM' | 'GRU' | 'RNN';

/** What the kernels and the modules need to know of a cell kind. */
export interface CellKindInfo {
  family: CellFamily;
  /** gate blocks stacked in weight_ih / weight_hh / the biases */
  gates: number;
  /** the blocks in PyTorch's order (this library's) */
  gateNames: readonly string[];
  /** the code the WebAssembly kernels take for this kind */
  wasmCode: number;
}

/** Every cell kind's family, gate count and gate names (one description per cell). */
export const CELL_KINDS: Readonly<Record<CellKind, CellKindInfo>> = {
  LSTM: { family: 'LSTM', gates: 4, gateNames: ['i', 'f', 'g', 'o'], wasmCode: 0 },
  GRU: { family: 'GRU', gates: 3, gateNames: ['r', 'z', 'n'], wasmCode: 1 },
  RNN_TANH: { family: 'RNN', gates: 1, gateNames: ['h'], wasmCode: 2 },
  RNN_RELU: { family: 'RNN', gates: 1, gateNames: ['h'], wasmCode: 3 },
};

/** How many gate blocks a cell kind stacks in its weights (LSTM 4, GRU 3, RNN 1). */
export function gateCount(kind: CellKind): number {
  return CELL_KINDS[kind].gates;
}

/** The family of a cell kind: LSTM, GRU or RNN. */
export function cellFamily(kind: CellKind): CellFamily {
  return CELL_KINDS[kind].family;
}

/**
 * Gate orders elsewhere, as permutations of PyTorch's blocks: block k of the
 * other layout is PyTorch's block `order[k]`. ONNX stacks LSTM i,o,f,c and
 * GRU z,r,h; Keras LSTM i,f,c,o and GRU z,r,h.
 */
export const ONNX_FROM_TORCH: Readonly<Record<CellFamily, readonly number[]>> = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2], RNN: [0] };
export const KERAS_FROM_TORCH: Readonly<Record<'LSTM' | 'GRU' | 'SimpleRNN', readonly number[]>> = { LSTM: [0, 1, 2, 3], GRU: [1, 0, 2], SimpleRNN: [0] };

/** The command line's names (`--cell lstm|gru|rnn`); `rnn` is the tanh Elman RNN. */
export const CELL_NAMES: Readonly<Record<string, CellKind>> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN_TANH' };
