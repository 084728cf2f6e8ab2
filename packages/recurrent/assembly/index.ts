// Entry of the WebAssembly kernels (built by `npm run build:wasm`).
export { gemm, gemmPacked, setScratch, transpose, swapAxes01, equalBytes, addRowVector, sumRows, packBT } from './gemm';
export { directionForward, directionBackward } from './recurrent';
export { directionForwardUnits } from './units';
export { stackStep } from './step';
export { softmaxCrossEntropy } from './losses';
export { adam, sgd, sumSquares, scale } from './optim';
