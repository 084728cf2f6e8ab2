/**
 * The narrow interface every compute backend implements. Modules call only
 * these functions, so a faster backend (WebAssembly SIMD) can replace the plain
 * TypeScript one without touching them.
 *
 * Every array argument comes with an element offset: a kernel works on a slice
 * of a larger buffer (one time step of a sequence) without copying it.
 * Matrices are row-major; `ld*` is the row stride (leading dimension).
 */
export interface Kernels {
  readonly name: string;

  /**
   * C = alpha * op(A) · op(B) + beta * C, with op(A) of shape (M,K), op(B) of
   * shape (K,N) and C of shape (M,N). `transA` means A is stored as (K,M).
   * With beta = 0, C is overwritten (NaN in C does not survive).
   */
  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Float32Array, aOff: number, lda: number,
    B: Float32Array, bOff: number, ldb: number,
    beta: number, C: Float32Array, cOff: number, ldc: number,
  ): void;

  /** out[j] += sum_i A[i, j] for A (M,N) with row stride lda: a bias gradient. */
  sumRows(M: number, N: number, A: Float32Array, aOff: number, lda: number, out: Float32Array, outOff: number): void;

  /** Adds `bias` (N) to every row of C (M,N). */
  addRowVector(M: number, N: number, bias: Float32Array, biasOff: number, C: Float32Array, cOff: number, ldc: number): void;

  /**
   * LSTM step, fused. gates (B,4H) holds pre-activations i,f,g,o on entry and
   * their activations on exit. Writes c (B,H), tanh(c) (B,H) and m = o*tanh(c) (B,H).
   */
  lstmForward(
    B: number, H: number, gates: Float32Array, gOff: number,
    cPrev: Float32Array, cPrevOff: number, c: Float32Array, cOff: number,
    tanhC: Float32Array, tcOff: number, m: Float32Array, mOff: number,
  ): void;

  /**
   * LSTM step backward, fused. dm (B,H) is the gradient of m = o*tanh(c); dc
   * (B,H) holds dL/dc_t on entry and dL/dc_{t-1} on exit. Writes the gradient of
   * the gate pre-activations into dGates (B,4H).
   */
  lstmBackward(
    B: number, H: number, gates: Float32Array, gOff: number,
    cPrev: Float32Array, cPrevOff: number, tanhC: Float32Array, tcOff: number,
    dm: Float32Array, dmOff: number, dc: Float32Array, dcOff: number,
    dGates: Float32Array, dgOff: number,
  ): void;

  /**
   * GRU step, fused (PyTorch semantics: reset applied after the recurrent matmul).
   * gx (B,3H) holds W_ih x + b_ih for r,z,n on entry and the activations r,z,n on
   * exit; gh (B,3H) is W_hh h + b_hh. Writes h (B,H).
   */
  gruForward(
    B: number, H: number, gx: Float32Array, gxOff: number, gh: Float32Array, ghOff: number,
    hPrev: Float32Array, hPrevOff: number, h: Float32Array, hOff: number,
  ): void;

  /**
   * GRU step backward, fused. Given dh (B,H), writes dGx (B,3H) and dGh (B,3H),
   * the gradients of the input and recurrent pre-activations, and dhPrev (B,H) =
   * the direct part dh*z (the matmul part is added by the caller).
   */
  gruBackward(
    B: number, H: number, act: Float32Array, actOff: number, gh: Float32Array, ghOff: number,
    hPrev: Float32Array, hPrevOff: number, dh: Float32Array, dhOff: number,
    dGx: Float32Array, dgxOff: number, dGh: Float32Array, dghOff: number,
    dhPrev: Float32Array, dhPrevOff: number,
  ): void;

  /** Elman RNN step: h = act(pre) for n values, act tanh or relu. */
  rnnForward(n: number, relu: boolean, pre: Float32Array, preOff: number, h: Float32Array, hOff: number): void;

  /** Elman RNN step backward: dPre = dh * act'(h) for n values. */
  rnnBackward(n: number, relu: boolean, h: Float32Array, hOff: number, dh: Float32Array, dhOff: number, dPre: Float32Array, dpOff: number): void;
}
