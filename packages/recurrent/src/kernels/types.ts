/**
 * The narrow interface every compute backend implements. Modules call only
 * these functions, so a faster backend (WebAssembly SIMD) can replace the plain
 * TypeScript one without touching them.
 *
 * Every array argument comes with an element offset: a kernel works on a slice
 * of a larger buffer (one time step of a sequence) without copying it.
 * Matrices are row-major; `ld*` is the row stride (leading dimension).
 */
import type { CellKind } from './cell-kinds.js';
import type { Window2d } from './js/conv.js';

export { type CellKind, gateCount } from './cell-kinds.js';
export type { Window2d } from './js/conv.js';

export interface DirectionDims {
  kind: CellKind;
  T: number;
  B: number;
  /** input features */
  I: number;
  /** hidden (cell) size */
  H: number;
  /** state / output size: projSize for a projected LSTM, else H */
  P: number;
  /**
   * x, y, dy and dx are batch-first, (B,T,·), rather than time-major (T,B,·):
   * row b*T+t instead of t*B+b (default false). Lets a one-layer batchFirst
   * module hand its tensors over without transposing them.
   */
  batchFirst?: boolean;
  /**
   * GRU only: false applies the reset gate before the recurrent product,
   * n = tanh(W_in x + b_in + W_hn (r*h) + b_hn) (ONNX linear_before_reset=0,
   * Keras reset_after=False). Default true, PyTorch's r*(W_hn h + b_hn).
   */
  linearBeforeReset?: boolean;
}

/**
 * Weights of one direction, PyTorch layouts: wIh (G*H,I), wHh (G*H,P), wHr (P,H);
 * wPeep (3,H), an LSTM's peephole weights on the cell for the i, f and o gates.
 */
export interface DirectionWeights {
  wIh: Float32Array;
  wHh: Float32Array;
  bIh: Float32Array | null;
  bHh: Float32Array | null;
  wHr: Float32Array | null;
  wPeep?: Float32Array | null;
}

/** What backward needs, recorded by forward. */
export interface DirectionCache {
  /** (T,B,G*H): gate activations (RNN: the new hidden state) */
  gates: Float32Array;
  /** GRU only, (T,B,3H): W_hh h + b_hh */
  gh: Float32Array | null;
  /** (T,B,P): the state entering each step */
  hPrev: Float32Array;
  /** LSTM only, (T,B,H): the cell entering each step and tanh of the new cell */
  cPrev: Float32Array | null;
  tanhC: Float32Array | null;
  /** projected LSTM only, (T,B,H): m = o*tanh(c) before the projection */
  m: Float32Array | null;
  /** GRU with linearBeforeReset false only, (T,B,H): r*h, the recurrent product's input for n */
  rh?: Float32Array | null;
}

/**
 * Whether a direction needs a cell the fused WebAssembly kernels do not have
 * (peepholes, the reset gate before the product): such a direction runs the
 * reference sequence loop on the backend's own GEMMs.
 */
export function isVariantCell(d: DirectionDims, w: DirectionWeights): boolean {
  return (w.wPeep ?? null) !== null || (d.kind === 'GRU' && d.linearBeforeReset === false);
}

/** Where this direction's outputs go: y[t,b, off + j] with row stride ld. */
export interface Strided {
  data: Float32Array;
  off: number;
  ld: number;
}

/** Gradients of one direction's weights: the same fields and layouts as DirectionWeights. */
export type DirectionGrads = DirectionWeights;

/** One Adam step's constants (see Kernels.adam). */
export interface AdamStep {
  b1: number;
  b2: number;
  eps: number;
  /** L2 penalty added to the gradient (Adam's weight decay) */
  l2: number;
  /** factor on the weights before the step (AdamW's decoupled decay: 1 - lr * wd) */
  decay: number;
  /** lr / (1 - b1^t) */
  stepSize: number;
  /** sqrt(1 - b2^t) */
  bc2Sqrt: number;
}

/** One SGD step's constants (see Kernels.sgd). */
export interface SgdStep {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  lr: number;
}

/** One layer of a stack run a step at a time (see Kernels.stepper): one direction, no projection. */
export interface StepLayerSpec {
  kind: CellKind;
  /** input features */
  I: number;
  H: number;
  weights: DirectionWeights;
  /** GRU: see DirectionDims.linearBeforeReset (default true) */
  linearBeforeReset?: boolean;
}

/** A stack of unidirectional layers and a linear head, run B rows at a time. */
export interface StepperSpec {
  layers: StepLayerSpec[];
  /** the head: weight (V, H of the last layer), bias (V) or null */
  head: { weight: Float32Array; bias: Float32Array | null; V: number };
  /** rows stepped together (1 for sampling, the width for beam search) */
  batch: number;
  /**
   * The first layer's input is a token id, row `id` of this (count, I)
   * table (an embedding): fill `tokens()` instead of `input()`. A backend
   * may then look up each token's input product instead of computing it.
   */
  embedding?: { weight: Float32Array; count: number };
}

/**
 * A stack run one step at a time with its weights kept packed and its state
 * kept inside the backend: fill `input()`, call `step()`, read `logits()`.
 * The arrays returned are views valid until the next call on the backend
 * (ask again rather than keep them). The weights are read when the stepper
 * is made: later changes to them are not seen.
 */
export interface KernelStepper {
  readonly batch: number;
  /** threads one step runs on */
  readonly threads: number;
  /** (B, I of the first layer): the next input (without an embedding) */
  input(): Float32Array;
  /** (B): the next token ids (with an embedding) */
  tokens(): Int32Array;
  /** (B, V): the head's output after the last step */
  logits(): Float32Array;
  /** layer l's state h (B,H), read or written between steps */
  h(l: number): Float32Array;
  /** layer l's LSTM cell (B,H), or null */
  c(l: number): Float32Array | null;
  /** Runs one step for every sequence: reads the inputs, updates the state in place, writes the outputs. */
  step(): void;
  /** gives the backend memory back (the stepper is unusable after) */
  dispose(): void;
}

/** The compute backend: every numeric kernel the modules call (GEMMs, fused recurrent steps, optimiser updates), in TypeScript or WebAssembly. */
export interface Kernels {
  readonly name: string;
  /** threads the kernels use (1 or 2) */
  readonly threads: number;

  /**
   * Zero-filled storage for long-lived arrays (parameters, gradients,
   * optimiser state). The wasm backend with shared memory returns a view of
   * its own memory, which its kernels then read and update in place, with no
   * copy per call; elsewhere a plain Float32Array. The storage goes back to
   * the backend when the returned array is garbage-collected.
   */
  allocate(n: number): Float32Array;

  /** One Adam / AdamW step over a parameter, in place (see js/optim.ts for the rule). */
  adam(step: AdamStep, x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null): void;

  /** One SGD step over a parameter, in place; buf is the momentum buffer (null: none), first its first step. */
  sgd(step: SgdStep, x: Float32Array, g: Float32Array, buf: Float32Array | null, first: boolean): void;

  /** Sum of squares (float64 accumulation), for gradient norms. */
  sumSquares(x: Float32Array): number;

  /** x *= c, for gradient clipping. */
  scale(x: Float32Array, c: number): void;

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
   * Softmax cross-entropy over the rows of logits (N,C), each row weighted by
   * rowWeight[n] (0 skips it): writes grad[n,:] = gradScale * rowWeight[n] *
   * (softmax(logits[n,:]) - onehot(targets[n])) and returns the weighted sum
   * of -log softmax(logits[n,:])[targets[n]]. Targets must be valid classes;
   * grad may be logits itself. With `rowLoss` (N), each row's unweighted
   * loss is written there too.
   */
  softmaxCrossEntropy(
    N: number, C: number, logits: Float32Array, targets: Int32Array, rowWeight: Float32Array, gradScale: number, grad: Float32Array,
    rowLoss?: Float32Array | null,
  ): number;

  /**
   * Convolution's data movement (kernels/js/conv.ts): one image (C,H,W) at xOff unrolled into
   * cols (C*kh*kw, Ho*Wo), so that the convolution is one GEMM with the weights (Cout, C*kh*kw).
   */
  im2col(g: Window2d, x: Float32Array, xOff: number, cols: Float32Array): void;

  /** The adjoint of im2col: adds cols (C*kh*kw, Ho*Wo) into the image gradient (C,H,W) at dxOff. */
  col2im(g: Window2d, cols: Float32Array, dx: Float32Array, dxOff: number): void;

  /** Max pooling of (N,C,H,W) into y (N,C,Ho,Wo), with the flat input index each output took. */
  maxPool2d(N: number, g: Window2d, x: Float32Array, y: Float32Array, argmax: Int32Array): void;

  /** Adds each pooled output's gradient to the input it took. */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;

  /**
   * One direction of one recurrent layer over a whole sequence (see
   * kernels/js/recurrent.ts for the reference). h (B,P) and c (B,H, LSTM) hold
   * the initial state on entry and the final state on exit; outputs go to y.
   * Returns what backward needs when `record` is set.
   */
  directionForward(
    d: DirectionDims, w: DirectionWeights, x: Float32Array, h: Float32Array, c: Float32Array | null,
    y: Strided, lengths: Int32Array | null, reverse: boolean, record: boolean,
  ): DirectionCache | null;

  /**
   * Back through all steps of one direction. dh, dc hold dL/d(final state) on
   * entry and dL/d(initial state) on exit; adds into the weight gradients and dx.
   * The cache is spent: a backend may reuse its arrays for a later forward.
   * With stateGrads (laid out as dy), writes the whole dL/dh_t of every step
   * there, for inspection (a backend may take its reference loop for that).
   */
  directionBackward(
    d: DirectionDims, w: DirectionWeights, g: DirectionGrads, cache: DirectionCache, x: Float32Array,
    dy: Strided, dh: Float32Array, dc: Float32Array | null, dx: Float32Array, lengths: Int32Array | null, reverse: boolean,
    stateGrads?: Strided | null,
  ): void;

  /**
   * A stack made for decoding a token at a time (see KernelStepper), where
   * the backend has one for these layers; absent or null: the caller steps
   * the modules' forward instead.
   */
  stepper?(spec: StepperSpec): KernelStepper | null;
}
