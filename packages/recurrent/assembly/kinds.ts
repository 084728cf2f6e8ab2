// The cell-kind codes the kernels take: CELL_KINDS[kind].wasmCode in
// src/kernels/cell-kinds.ts (test/kernels.test.ts runs every kind on both backends).
export const LSTM = 0;
export const GRU = 1;
export const RNN_TANH = 2;
export const RNN_RELU = 3;
