/**
 * Two WebAssembly instances behind one Kernels: the plain single-threaded
 * build for small calls, the shared-memory two-thread build for large ones.
 * The shared-memory build runs a small model about 10-15% slower than the
 * plain one even on one thread (measured 2026-11-24, hidden 128), so a call
 * goes to it only when it is large enough to be split. Every call copies its
 * operands in and its results out, so calls are independent; a sequence
 * pass's backward goes to the instance that ran its forward (same dims,
 * same decision).
 */
import type { Kernels } from '../types.js';
import { directionWork, worthTwoThreads } from './backend.js';

export function dispatchBySize(single: Kernels, pair: Kernels): Kernels {
  return {
    name: pair.name,
    threads: pair.threads,
    gemm: (transA, transB, M, N, K, ...rest) => (worthTwoThreads(M * N * K) ? pair : single).gemm(transA, transB, M, N, K, ...rest),
    sumRows: single.sumRows,
    addRowVector: single.addRowVector,
    directionForward: (d, ...rest) => (worthTwoThreads(directionWork(d)) ? pair : single).directionForward(d, ...rest),
    directionBackward: (d, ...rest) => (worthTwoThreads(directionWork(d)) ? pair : single).directionBackward(d, ...rest),
  };
}
