// Entry of the WebAssembly kernels (built by `npm run build:wasm`).
export { gemm, setScratch, transpose, swapAxes01, equalBytes, addRowVector, sumRows } from './gemm';
export { directionForward, directionBackward } from './recurrent';
export { directionForwardUnits } from './units';
export { softmaxCrossEntropy } from './losses';
export { adam, sgd, sumSquares, scale } from './optim';
