/**
 * Gradients through time, the measure of how far back a recurrent network
 * can learn from: the norm of dLoss/dh_t at every step t (per layer and
 * direction), and the connectivity |d y_t / d x_s| (how much the output at
 * step t depends on the input at step s; distill.pub's "Memorization in
 * RNNs"). Both exact: one backward pass each, through the same kernels as
 * training (checked against PyTorch autograd in test/gradients.test.ts).
 */
import { ShapeError } from '../errors.js';
import { crossEntropy, mseLoss } from '../losses/losses.js';
import type { LanguageModel } from '../models/language-model.js';
import type { SequenceRegressor } from '../models/sequence-regressor.js';
import { gradInEval, noGrad } from '../nn/grad-mode.js';
import type { Module } from '../nn/module.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { Tensor } from '../tensor/tensor.js';

/** dL/dh_t norms: one row per layer and direction (index layer*D + direction), one entry per step. */
export interface StateGradients {
  /** norms[l*D + d][t] = ||dL/dh_t|| over the batch and the state (the 2-norm) */
  norms: Float64Array[];
  numLayers: number;
  numDirections: number;
  steps: number;
  /** the loss the gradients are of */
  loss: number;
}

/** Norms of a module's `gradStates` ((LD,T,B,P), or (LD,B,T,P) batch-first) per layer-direction and step. */
export function stateGradientNorms(rnn: RecurrentBase, gradStates: Tensor, loss = NaN): StateGradients {
  const [LD, a, b, P] = gradStates.shape as [number, number, number, number];
  const [T, B] = rnn.batchFirst ? [b, a] : [a, b];
  const norms: Float64Array[] = [];
  for (let s = 0; s < LD; s++) {
    const row = new Float64Array(T);
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < T; t++) {
        const off = s * T * B * P + (rnn.batchFirst ? i * T + t : t * B + i) * P;
        for (let j = 0; j < P; j++) row[t] += gradStates.data[off + j]! ** 2;
      }
    }
    norms.push(row.map(Math.sqrt));
  }
  return { norms, numLayers: rnn.numLayers, numDirections: rnn.numDirections, steps: T, loss };
}

/**
 * How fast a gradient fades going back in time: the least-squares slope of
 * ln ||dL/dh_t|| against the lag (T-1-t), over the steps with a non-zero norm
 * and lag <= maxLag. exp(slope) is the factor per step (< 1: vanishing, > 1: exploding).
 */
export function decayPerStep(norms: ArrayLike<number>, maxLag = Infinity): number {
  const T = norms.length;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < T; t++) {
    const lag = T - 1 - t;
    const v = norms[t]!;
    if (lag > maxLag || !(v > 0) || !Number.isFinite(v)) continue;
    const y = Math.log(v);
    n++;
    sx += lag;
    sy += y;
    sxx += lag * lag;
    sxy += lag * y;
  }
  const den = n * sxx - sx * sx;
  return n >= 2 && den > 0 ? (n * sxy - sx * sy) / den : NaN;
}

/**
 * Runs forward+backward of a loss as the model predicts (eval mode, no
 * dropout), keeping the weights' grads as they were. Each forward here is
 * met by its backward; a failure part way drops the model's recorded passes.
 */
function inspectBackward<R>(model: Module, run: () => R): R {
  const saved = model.parameters().map((p) => p.grad.slice());
  const wasTraining = model.training;
  model.eval();
  try {
    return gradInEval(run);
  } catch (e) {
    model.clearCache();
    throw e;
  } finally {
    model.parameters().forEach((p, i) => p.grad.set(saved[i]!));
    if (wasTraining) model.train();
  }
}

/**
 * dL/dh_t of a language model for the loss of its last prediction: tokens
 * (T+1 ids) are read up to the one before last, and the loss is the cross
 * entropy of the last token at the last step, so norms[.][t] shows how much
 * step t (lag T-1-t) matters to that one prediction. With `targets` (one per
 * token, -100 where there is none), all of `tokens` is read and the loss is
 * the cross entropy of those targets (e.g. the copy task's recalled symbols).
 */
export function languageModelGradients(model: LanguageModel, tokens: ArrayLike<number>, targets?: ArrayLike<number>): StateGradients {
  const { input, wanted } = readAndTargets('languageModelGradients', tokens, targets);
  const T = input.length;
  return inspectBackward(model, () => {
    const { logits } = model.forward({ data: input, shape: [1, T] });
    const r = crossEntropy(logits, wanted);
    return stateGradientNorms(model.rnn, model.backward(r.grad, { stateGrads: true })!, r.loss);
  });
}

/** The ids a language model reads and the target of each step: the next token (the last one only, for gradients), or the targets given. */
function readAndTargets(name: string, tokens: ArrayLike<number>, targets: ArrayLike<number> | undefined, every = false): { input: Int32Array; wanted: number[] } {
  if (targets !== undefined) {
    if (targets.length !== tokens.length) throw new ShapeError(`${name}: targets must be one per token (${tokens.length}), got ${targets.length}`);
    if (tokens.length < 1) throw new ShapeError(`${name}: needs at least 1 token, got none`);
    return { input: Int32Array.from(tokens), wanted: Array.from(targets) };
  }
  if (tokens.length < 2) throw new ShapeError(`${name}: needs at least 2 tokens (the input and the one to predict), got ${tokens.length}`);
  const T = tokens.length - 1;
  return {
    input: Int32Array.from({ length: T }, (_, t) => tokens[t]!),
    wanted: Array.from({ length: T }, (_, t) => (every || t === T - 1 ? tokens[t + 1]! : -100)),
  };
}

/**
 * dL/dh_t of a sequence regressor for the loss of its prediction from x
 * (B,T,I): the MSE against y (B*outputSize), or the cross entropy against
 * class indices y (B).
 */
export function regressorGradients(model: SequenceRegressor, x: Tensor, y: ArrayLike<number>, loss: 'mse' | 'cross-entropy' = 'mse'): StateGradients {
  return inspectBackward(model, () => {
    const out = model.forward(x);
    const r = loss === 'mse' ? mseLoss(out, y) : crossEntropy(out, y);
    return stateGradientNorms(model.rnn, model.backward(r.grad, { stateGrads: true })!, r.loss);
  });
}

/** How `connectivity` reads the Jacobian: through a probe vector per step, or whole; and how many rows per backward pass. */
export interface ConnectivityOptions {
  /**
   * (T, outputSize): read y_t through this vector, C[t][s] = ||d(probe_t . y_t)/dx_s||;
   * null (default): the whole Jacobian, C[t][s] = ||d y_t / d x_s|| (Frobenius norm)
   */
  probes?: Float32Array | null;
  /** backward rows per pass (default 256): bounds memory; the result does not depend on it */
  maxBatch?: number;
}

/**
 * The connectivity of a recurrent module for one sequence x ((1,T,I) if
 * batchFirst, else (T,1,I)): C (T*T, row t, column s) = how much the output at
 * step t depends on the input at step s. Each output row is one backward
 * pass; they run as a batch of copies of x.
 */
export function connectivity(rnn: RecurrentBase, x: Tensor, options: ConnectivityOptions = {}): Float64Array {
  const name = 'connectivity';
  if (x.rank !== 3) throw new ShapeError(`${name}: x must be one sequence, ${rnn.batchFirst ? '(1, T, I)' : '(T, 1, I)'}, got [${x.shape.join(', ')}]`);
  const [T, B, I] = rnn.batchFirst ? [x.shape[1]!, x.shape[0]!, x.shape[2]!] : (x.shape as [number, number, number]);
  if (B !== 1) throw new ShapeError(`${name}: x must hold one sequence, got a batch of ${B}`);
  const O = rnn.outputSize;
  const probes = options.probes ?? null;
  if (probes && probes.length !== T * O) throw new ShapeError(`${name}: probes must be (T, outputSize) = (${T}, ${O}), got ${probes.length} values`);
  const maxBatch = options.maxBatch ?? 256;
  // Seed rows: (t, k) with k an output unit (the whole Jacobian) or the probe (k = -1).
  const seeds: Array<[number, number]> = [];
  for (let t = 0; t < T; t++) {
    if (probes) seeds.push([t, -1]);
    else for (let k = 0; k < O; k++) seeds.push([t, k]);
  }
  const C = new Float64Array(T * T);
  return inspectBackward(rnn, () => {
    for (let start = 0; start < seeds.length; start += maxBatch) {
      const part = seeds.slice(start, start + maxBatch);
      const N = part.length;
      const xs = new Float32Array(N * T * I);
      for (let n = 0; n < N; n++) {
        for (let t = 0; t < T; t++) xs.set(x.data.subarray(t * I, (t + 1) * I), rnn.batchFirst ? (n * T + t) * I : (t * N + n) * I);
      }
      rnn.forward(new Tensor(xs, rnn.batchFirst ? [N, T, I] : [T, N, I]));
      const dy = new Float32Array(N * T * O);
      part.forEach(([t, k], n) => {
        const row = (rnn.batchFirst ? n * T + t : t * N + n) * O;
        if (k >= 0) dy[row + k] = 1;
        else dy.set(probes!.subarray(t * O, (t + 1) * O), row);
      });
      const dx = rnn.backward({ gradOutput: new Tensor(dy, rnn.batchFirst ? [N, T, O] : [T, N, O]) }).gradInput.data;
      part.forEach(([t], n) => {
        for (let s = 0; s < T; s++) {
          const off = (rnn.batchFirst ? n * T + s : s * N + n) * I;
          let ss = 0;
          for (let i = 0; i < I; i++) ss += dx[off + i]! ** 2;
          C[t * T + s] += ss;
        }
      });
    }
    return C.map(Math.sqrt);
  });
}

/**
 * A language model's connectivity over its input embeddings, read through the
 * logit of the next token at each step (tokens has T+1 ids; distill.pub's
 * measure): C[t][s] = ||d logit_t[tokens[t+1]] / d embedding(tokens[s])||.
 * With `targets` (one per token, -100 where there is none: that row is 0),
 * all of `tokens` is read and row t goes through the logit of targets[t].
 */
export function languageModelConnectivity(model: LanguageModel, tokens: ArrayLike<number>, options: Omit<ConnectivityOptions, 'probes'> & { targets?: ArrayLike<number> } = {}): Float64Array {
  const { input, wanted } = readAndTargets('languageModelConnectivity', tokens, options.targets, true);
  const T = input.length;
  const emb = noGrad(() => model.embedding.forward({ data: input, shape: [1, T] }));
  const O = model.rnn.outputSize;
  const W = model.linearHead('languageModelConnectivity').weight.data;
  const probes = new Float32Array(T * O);
  for (let t = 0; t < T; t++) if (wanted[t]! >= 0) probes.set(W.subarray(wanted[t]! * O, (wanted[t]! + 1) * O), t * O);
  const { targets: _, ...rest } = options;
  return connectivity(model.rnn, emb, { ...rest, probes });
}
