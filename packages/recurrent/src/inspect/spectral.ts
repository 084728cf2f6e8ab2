/**
 * The spectral radius of a recurrent matrix (the largest eigenvalue modulus):
 * above 1, the linearised state grows step after step and gradients can
 * explode; well below 1, they vanish (Pascanu, Mikolov & Bengio 2013).
 */
import { ShapeError } from '../errors.js';

/**
 * rho(A) for a square n x n matrix (row-major), by Gelfand's formula
 * rho = lim ||A^k||^(1/k) at k = 2^squarings, squaring and renormalising so
 * nothing overflows. Exact for normal matrices up to the factor
 * n^(1/2k) of the Frobenius norm (1.002 for n = 64 at the default k = 1024),
 * and it needs no eigen-decomposition, so complex eigenvalues are no trouble.
 */
export function spectralRadius(matrix: ArrayLike<number>, n: number, squarings = 10): number {
  if (!(Number.isInteger(n) && n > 0) || matrix.length !== n * n) {
    throw new ShapeError(`spectralRadius: expected a square matrix of ${n} x ${n} = ${n * n} values, got ${matrix.length}`);
  }
  let b = Float64Array.from(matrix);
  let next = new Float64Array(n * n);
  // A^(2^i) = b * exp(logScale)
  let logScale = 0;
  const normalise = (): boolean => {
    let ss = 0;
    for (const v of b) ss += v * v;
    if (!(ss > 0)) return false;
    const norm = Math.sqrt(ss);
    for (let i = 0; i < b.length; i++) b[i] /= norm;
    logScale += Math.log(norm);
    return true;
  };
  if (!normalise()) return 0;
  for (let s = 0; s < squarings; s++) {
    next.fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const a = b[i * n + k]!;
        if (a === 0) continue;
        for (let j = 0; j < n; j++) next[i * n + j] += a * b[k * n + j]!;
      }
    }
    [b, next] = [next, b];
    logScale *= 2;
    // A nilpotent matrix squares to zero: its spectral radius is 0.
    if (!normalise()) return 0;
  }
  return Math.exp(logScale / 2 ** squarings);
}
