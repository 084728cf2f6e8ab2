/**
 * Optimiser updates and gradient norms, the reference for the wasm kernels
 * (assembly/optim.ts): float64 arithmetic per element, stored as float32.
 */
import type { AdamStep, SgdStep } from '../types.js';

export function adam(s: AdamStep, x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null): void {
  const { b1, b2, eps, l2, decay, stepSize, bc2Sqrt } = s;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  // One pass, everything in locals: the loop runs over every weight every step.
  for (let j = 0, n = x.length; j < n; j++) {
    const xj = x[j]! * decay;
    const gj = g[j]! + l2 * xj;
    const mj = b1 * m[j]! + c1 * gj;
    let vj = b2 * v[j]! + c2 * gj * gj;
    m[j] = mj;
    v[j] = vj;
    if (vmax) vj = vmax[j] = Math.max(vmax[j]!, Math.fround(vj));
    x[j] = xj - (stepSize * Math.fround(mj)) / (Math.sqrt(Math.fround(vj)) / bc2Sqrt + eps);
  }
}

/** One SGD step; buf is the momentum buffer (null: none), first its first step. */
export function sgd(s: SgdStep, x: Float32Array, g: Float32Array, buf: Float32Array | null, first: boolean): void {
  const { momentum: mu, dampening, weightDecay: wd, nesterov, lr } = s;
  for (let j = 0; j < x.length; j++) {
    let d = g[j]! + wd * x[j]!;
    if (buf) {
      buf[j] = first ? d : mu * buf[j]! + (1 - dampening) * d;
      d = nesterov ? d + mu * buf[j]! : buf[j]!;
    }
    x[j] -= lr * d;
  }
}

/** Sum of squares, accumulated in float64. */
export function sumSquares(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

export function scale(x: Float32Array, c: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= c;
}

/** Plain storage: the reference backend has no memory of its own. */
export function allocate(n: number): Float32Array {
  return new Float32Array(n);
}
