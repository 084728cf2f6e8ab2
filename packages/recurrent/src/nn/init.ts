/**
 * Weight initialisers (in place), with PyTorch's definitions. Each takes the
 * random generator explicitly so a seed reproduces the same weights.
 */
import { Random, defaultRandom } from '../tensor/random.js';

/** Fills with U(low, high). */
export function uniform(values: Float32Array, low: number, high: number, rng: Random = defaultRandom): void {
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(low, high);
}

/** Fills with N(mean, std^2). */
export function normal(values: Float32Array, mean = 0, std = 1, rng: Random = defaultRandom): void {
  for (let i = 0; i < values.length; i++) values[i] = rng.normal(mean, std);
}

/** Xavier/Glorot uniform for a (fanOut, fanIn) matrix: U(±gain*sqrt(6/(fanIn+fanOut))). */
export function xavierUniform(values: Float32Array, fanOut: number, fanIn: number, gain = 1, rng: Random = defaultRandom): void {
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  uniform(values, -a, a, rng);
}

/** Xavier/Glorot normal for a (fanOut, fanIn) matrix: N(0, gain^2 * 2/(fanIn+fanOut)). */
export function xavierNormal(values: Float32Array, fanOut: number, fanIn: number, gain = 1, rng: Random = defaultRandom): void {
  normal(values, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), rng);
}

/**
 * A (rows, cols) matrix with orthonormal rows or columns (whichever are fewer),
 * as `torch.nn.init.orthogonal_`: QR of a Gaussian matrix, signs fixed by R's diagonal.
 * Writes into `values` starting at `offset`.
 */
export function orthogonal(values: Float32Array, rows: number, cols: number, gain = 1, rng: Random = defaultRandom, offset = 0): void {
  // Work on the tall orientation (n >= k): k orthonormal columns of length n.
  const n = Math.max(rows, cols);
  const kk = Math.min(rows, cols);
  const q = new Float64Array(n * kk); // column j at q[j*n ...]
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let j = 0; j < kk; j++) {
    const qj = j * n;
    // Modified Gram-Schmidt twice for numerical orthogonality.
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[p * n + i]! * q[qj + i]!;
        for (let i = 0; i < n; i++) q[qj + i] -= dot * q[p * n + i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[qj + i]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) q[qj + i] /= norm;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows >= cols: column c of q is column c of the matrix; else its transpose.
      const v = rows >= cols ? q[c * n + r]! : q[r * n + c]!;
      values[offset + r * cols + c] = gain * v;
    }
  }
}
