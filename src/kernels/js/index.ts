import type { Kernels } from '../types.js';
import { addRowVector, gemm, sumRows } from './gemm.js';
import { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from './gates.js';

/** The plain TypeScript backend: the reference implementation, runs everywhere. */
export const jsKernels: Kernels = {
  name: 'js',
  gemm, sumRows, addRowVector,
  lstmForward, lstmBackward, gruForward, gruBackward, rnnForward, rnnBackward,
};
