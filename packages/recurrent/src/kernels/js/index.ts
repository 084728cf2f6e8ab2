import type { Kernels } from '../types.js';
import { addRowVector, gemm, sumRows } from './gemm.js';
import { softmaxCrossEntropy } from './losses.js';
import { adam, allocate, scale, sgd, sumSquares } from './optim.js';
import { directionBackwardAnyLayout as directionBackward, directionForwardAnyLayout as directionForward } from './layout.js';

/** The plain TypeScript backend: the reference implementation, runs everywhere. */
export const jsKernels: Kernels = {
  name: 'js',
  threads: 1,
  allocate, adam, sgd, sumSquares, scale, gemm, sumRows, addRowVector, softmaxCrossEntropy, directionForward, directionBackward,
};
