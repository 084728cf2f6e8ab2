/**
 * Connectionist temporal classification (Graves et al. 2006), with
 * torch.nn.functional.ctc_loss's semantics: a blank class, targets with no
 * frame alignment, the loss the negative log of the probability summed over
 * every alignment that collapses (repeats merged, blanks dropped) to the
 * target. Forward (alpha) and backward (beta) recursions in log space and
 * float64, per sequence; the gradient is taken through the log-softmax, so
 * the input is raw logits, as for crossEntropy.
 *
 * logits is (T,N,C): time first, as PyTorch's log_probs. targets is (N,S),
 * padded: row n uses its first targetLengths[n] labels (0 is allowed).
 */
import { ConfigError, ShapeError } from '../errors.js';
import { logAdd, logSoftmaxInto } from '../tensor/log-space.js';
import { Tensor } from '../tensor/tensor.js';

/** How CTC losses are combined: divided by target lengths then averaged (`mean`), summed, or per sequence. */
export type CtcReduction = 'mean' | 'sum' | 'none';
export const CTC_REDUCTIONS: readonly CtcReduction[] = ['mean', 'sum', 'none'];

/** CTC loss options, as torch.nn.CTCLoss: the blank index, the reduction, and whether impossible alignments give zero. */
export interface CtcOptions {
  /** the blank's class index (default 0) */
  blank?: number;
  /**
   * 'mean' (default): each sequence's loss divided by its target length
   * (at least 1), averaged over the batch; 'sum'; 'none': per sequence
   */
  reduction?: CtcReduction;
  /** an impossible alignment (input too short for its target) gives loss 0 and gradient 0, not infinity (default false) */
  zeroInfinity?: boolean;
  /** with 'none': the weight of each sequence's loss in the scalar differentiated, sum(loss * gradLoss) (default all 1) */
  gradLoss?: ArrayLike<number> | null;
}

/** The CTC loss and its gradient with respect to the log-probabilities. */
export interface CtcResult {
  /** the reduced loss ('none': sum(losses * gradLoss), the scalar the gradient is of) */
  loss: number;
  /** each sequence's negative log-likelihood (after zeroInfinity) */
  losses: Float64Array;
  /** d loss / d logits, (T,N,C); zero past each sequence's input length */
  grad: Tensor;
}

const NEG_INF = -Infinity;

/**
 * The CTC loss of logits (T,N,C) against padded targets (N,S), and its
 * gradient with respect to the logits.
 */
export function ctcLoss(
  logits: Tensor,
  targets: ArrayLike<number>,
  inputLengths: ArrayLike<number>,
  targetLengths: ArrayLike<number>,
  options: CtcOptions = {},
): CtcResult {
  if (logits.rank !== 3) throw new ShapeError(`ctcLoss: logits must be (T, N, C), got [${logits.shape.join(', ')}]`);
  const [T, N, C] = logits.shape as [number, number, number];
  const blank = options.blank ?? 0;
  const reduction = options.reduction ?? 'mean';
  if (!CTC_REDUCTIONS.includes(reduction)) throw new ConfigError(`ctcLoss: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new ConfigError(`ctcLoss: blank must be a class in [0, ${C}), got ${blank}`);
  if (inputLengths.length !== N || targetLengths.length !== N) {
    throw new ShapeError(`ctcLoss: ${N} sequences in the logits, but ${inputLengths.length} input lengths and ${targetLengths.length} target lengths`);
  }
  const S = N > 0 ? targets.length / N : 0;
  if (!Number.isInteger(S)) throw new ShapeError(`ctcLoss: targets must be (N, S) with N = ${N}, got ${targets.length} values`);
  const gradLoss = options.gradLoss ?? null;
  if (gradLoss && gradLoss.length !== N) throw new ShapeError(`ctcLoss: gradLoss has ${gradLoss.length} entries, expected one per sequence (${N})`);

  const x = logits.data;
  const grad = new Float32Array(logits.size);
  const losses = new Float64Array(N);
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const Tn = inputLengths[n]!;
    const Sn = targetLengths[n]!;
    if (!Number.isInteger(Tn) || Tn < 0 || Tn > T) throw new ShapeError(`ctcLoss: input length ${Tn} of sequence ${n} is not in [0, ${T}]`);
    if (!Number.isInteger(Sn) || Sn < 0 || Sn > S) throw new ShapeError(`ctcLoss: target length ${Sn} of sequence ${n} is not in [0, ${S}]`);
    const labels = new Int32Array(Sn);
    for (let s = 0; s < Sn; s++) {
      const k = targets[n * S + s]!;
      if (!Number.isInteger(k) || k < 0 || k >= C || k === blank) {
        throw new ShapeError(`ctcLoss: target ${k} at sequence ${n}, position ${s} is not a class in [0, ${C}) other than the blank (${blank})`);
      }
      labels[s] = k;
    }
    const nll = sequenceLoss(x, grad, T, N, C, n, Tn, labels, blank);
    const infinite = !Number.isFinite(nll);
    const value = infinite && options.zeroInfinity ? 0 : nll;
    losses[n] = value;
    // How much this sequence's loss counts in the scalar: the reduction's weight.
    const w = reduction === 'mean' ? 1 / (Math.max(Sn, 1) * N) : reduction === 'sum' ? 1 : (gradLoss ? gradLoss[n]! : 1);
    loss += w * value;
    for (let t = 0; t < Tn; t++) {
      const row = (t * N + n) * C;
      for (let k = 0; k < C; k++) grad[row + k] = infinite && options.zeroInfinity ? 0 : grad[row + k]! * w;
    }
  }
  return { loss, losses, grad: new Tensor(grad, logits.shape) };
}

/**
 * One sequence: writes d nll / d logits (unweighted) into grad's rows for
 * steps t < Tn, returns nll. The extended target is blank, l1, blank, l2,
 * ..., blank (2Sn+1 states); a state may be reached from itself, the one
 * before, or two before when it is a label different from the label two
 * before (a blank must separate repeats).
 */
function sequenceLoss(x: Float32Array, grad: Float32Array, T: number, N: number, C: number, n: number, Tn: number, labels: Int32Array, blank: number): number {
  const L = 2 * labels.length + 1;
  const label = (s: number): number => (s % 2 === 0 ? blank : labels[(s - 1) >> 1]!);
  const skip = (s: number): boolean => s % 2 === 1 && s >= 3 && labels[(s - 1) >> 1] !== labels[(s - 3) >> 1];
  if (Tn === 0) return labels.length === 0 ? 0 : Infinity;

  // log_softmax of each step's logits, (Tn, C).
  const lp = new Float64Array(Tn * C);
  for (let t = 0; t < Tn; t++) logSoftmaxInto(x, (t * N + n) * C, C, 1, lp.subarray(t * C, (t + 1) * C));

  // alpha[t][s]: log P(the first t+1 steps emit the extended prefix ending in state s).
  const alpha = new Float64Array(Tn * L).fill(NEG_INF);
  alpha[0] = lp[blank]!;
  if (L > 1) alpha[1] = lp[label(1)]!;
  for (let t = 1; t < Tn; t++) {
    for (let s = 0; s < L; s++) {
      const prev = (t - 1) * L;
      let a = alpha[prev + s]!;
      if (s >= 1) a = logAdd(a, alpha[prev + s - 1]!);
      if (skip(s)) a = logAdd(a, alpha[prev + s - 2]!);
      alpha[t * L + s] = a === NEG_INF ? NEG_INF : a + lp[t * C + label(s)]!;
    }
  }
  const last = (Tn - 1) * L;
  const logLikelihood = L > 1 ? logAdd(alpha[last + L - 1]!, alpha[last + L - 2]!) : alpha[last]!;
  const nll = -logLikelihood;

  // beta[t][s]: log P(steps t.. emit the extended suffix from state s), step t's emission included (as PyTorch).
  const beta = new Float64Array(Tn * L).fill(NEG_INF);
  beta[last + L - 1] = lp[(Tn - 1) * C + label(L - 1)]!;
  if (L > 1) beta[last + L - 2] = lp[(Tn - 1) * C + label(L - 2)]!;
  for (let t = Tn - 2; t >= 0; t--) {
    for (let s = 0; s < L; s++) {
      const next = (t + 1) * L;
      let b = beta[next + s]!;
      if (s + 1 < L) b = logAdd(b, beta[next + s + 1]!);
      if (s + 2 < L && skip(s + 2)) b = logAdd(b, beta[next + s + 2]!);
      beta[t * L + s] = b === NEG_INF ? NEG_INF : b + lp[t * C + label(s)]!;
    }
  }

  // d nll / d logit[t,k] = p[t,k] - exp(log sum_{s: label(s)=k} alpha*beta - lp[t,k] + nll).
  const occupancy = new Float64Array(C);
  for (let t = 0; t < Tn; t++) {
    occupancy.fill(NEG_INF);
    for (let s = 0; s < L; s++) {
      const k = label(s);
      occupancy[k] = logAdd(occupancy[k]!, alpha[t * L + s]! + beta[t * L + s]!);
    }
    const row = (t * N + n) * C;
    for (let k = 0; k < C; k++) {
      const l = lp[t * C + k]!;
      grad[row + k] = Math.exp(l) - Math.exp(occupancy[k]! + nll - l);
    }
  }
  return nll;
}
