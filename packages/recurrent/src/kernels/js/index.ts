import type { Kernels } from '../types.js';
import { col2im, im2col, maxPool2d, maxPool2dBackward } from './conv.js';
import { addRowVector, gemm, sumRows } from './gemm.js';
import { softmaxCrossEntropy } from './losses.js';
import { adam, allocate, scale, sgd, sumSquares } from './optim.js';
import { directionBackwardAnyLayout as directionBackward, directionForwardAnyLayout as directionForward } from './layout.js';

/** The plain TypeScript backend: the reference implementation, runs everywhere. */
export const jsKernels: Kernels = {
  name: 'js',
  threads: 1,
  allocate, adam, sgd, sumSquares, scale, gemm, sumRows, addRowVector, softmaxCrossEntropy,
  im2col, col2im, maxPool2d, maxPool2dBackward,
  // The Kernels signatures, without the reference loop's extra parameter (its matrix kernels).
  directionForward: (d, w, x, h, c, y, lengths, reverse, record) => directionForward(d, w, x, h, c, y, lengths, reverse, record),
  directionBackward: (d, w, g, cache, x, dy, dh, dc, dx, lengths, reverse, stateGrads) =>
    directionBackward(d, w, g, cache, x, dy, dh, dc, dx, lengths, reverse, undefined, stateGrads ?? null),
};
