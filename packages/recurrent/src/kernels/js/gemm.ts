/**
 * Plain TypeScript matrix multiply: the reference every faster backend is
 * tested against. Loop orders keep the innermost loop on contiguous memory.
 */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  scaleC(M, N, beta, C, cOff, ldc);
  if (alpha === 0 || K === 0) return;
  if (!transA && !transB) {
    // C[i,:] += alpha * A[i,k] * B[k,:]
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc;
      const ai = aOff + i * lda;
      for (let k = 0; k < K; k++) {
        const a = alpha * A[ai + k]!;
        if (a === 0) continue;
        const bk = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j]!;
      }
    }
  } else if (!transA && transB) {
    // C[i,j] += alpha * dot(A[i,:], B[j,:])
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc;
      const ai = aOff + i * lda;
      for (let j = 0; j < N; j++) {
        const bj = bOff + j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[ai + k]! * B[bj + k]!;
        C[ci + j] += alpha * s;
      }
    }
  } else if (transA && !transB) {
    // C[i,:] += alpha * A[k,i] * B[k,:]
    for (let k = 0; k < K; k++) {
      const ak = aOff + k * lda;
      const bk = bOff + k * ldb;
      for (let i = 0; i < M; i++) {
        const a = alpha * A[ak + i]!;
        if (a === 0) continue;
        const ci = cOff + i * ldc;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j]!;
      }
    }
  } else {
    // C[i,j] += alpha * sum_k A[k,i] * B[j,k]
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc;
      for (let j = 0; j < N; j++) {
        const bj = bOff + j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[aOff + k * lda + i]! * B[bj + k]!;
        C[ci + j] += alpha * s;
      }
    }
  }
}

function scaleC(M: number, N: number, beta: number, C: Float32Array, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * ldc;
    if (beta === 0) C.fill(0, ci, ci + N);
    else for (let j = 0; j < N; j++) C[ci + j] *= beta;
  }
}

export function sumRows(M: number, N: number, A: Float32Array, aOff: number, lda: number, out: Float32Array, outOff: number): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * lda;
    for (let j = 0; j < N; j++) out[outOff + j] += A[ai + j]!;
  }
}

export function addRowVector(M: number, N: number, bias: Float32Array, biasOff: number, C: Float32Array, cOff: number, ldc: number): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * ldc;
    for (let j = 0; j < N; j++) C[ci + j] += bias[biasOff + j]!;
  }
}
