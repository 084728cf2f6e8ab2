/**
 * Loss functions, each returning the loss value and its gradient with respect
 * to the prediction (so the caller starts backward from `grad`). Sums are
 * accumulated in float64. The cross-entropy's softmax runs as a fused kernel
 * (Kernels.softmaxCrossEntropy: float32 SIMD on the wasm backend, each row's
 * loss added in float64).
 */
import { checkOptions, ConfigError, optionKeys, ShapeError } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { Tensor } from '../tensor/tensor.js';

/** How per-element losses are combined: averaged, summed, or kept. */
export type Reduction = 'mean' | 'sum';

/** A loss and its gradient with respect to the predictions (what the model's backward takes). */
export interface LossResult {
  loss: number;
  /** dLoss/dPrediction, same shape as the prediction */
  grad: Tensor;
}

/** Cross-entropy options, as torch.nn.functional.cross_entropy: an ignored target, the reduction, class weights, a mask. */
export interface CrossEntropyOptions {
  /** targets equal to this are skipped (default -100, as in PyTorch) */
  ignoreIndex?: number;
  /** 'mean' over the non-ignored targets (weighted) or 'sum' (default 'mean') */
  reduction?: Reduction;
  /** per-class weights (C); the mean divides by the summed weight of the targets */
  weight?: ArrayLike<number> | null;
  /** per-target mask (N): 0 skips a target, like ignoreIndex */
  mask?: ArrayLike<number> | null;
}

/**
 * Softmax cross-entropy, as torch.nn.functional.cross_entropy. logits is
 * (..., C) and targets hold one class index per row of logits.
 */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, options: CrossEntropyOptions = {}): LossResult {
  checkOptions('crossEntropy', options, optionKeys<CrossEntropyOptions>({ ignoreIndex: true, reduction: true, weight: true, mask: true }));
  const C = logits.shape[logits.rank - 1] ?? 0;
  const N = C > 0 ? logits.size / C : 0;
  if (logits.rank < 1 || C === 0) throw new ShapeError(`crossEntropy: logits must be (..., classes), got [${logits.shape.join(', ')}]`);
  if (targets.length !== N) throw new ShapeError(`crossEntropy: ${N} rows of logits but ${targets.length} targets`);
  const ignore = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  checkReduction('crossEntropy', reduction);
  const weight = options.weight ?? null;
  if (weight && weight.length !== C) throw new ShapeError(`crossEntropy: weight has ${weight.length} entries, expected one per class (${C})`);
  const mask = options.mask ?? null;
  if (mask && mask.length !== N) throw new ShapeError(`crossEntropy: mask has ${mask.length} entries, expected ${N}`);

  // Targets checked here; the fused softmax, loss and gradient run in the kernels.
  const ids = new Int32Array(N);
  const rowWeight = new Float32Array(N);
  let denom = 0;
  for (let n = 0; n < N; n++) {
    const t = targets[n]!;
    if (t === ignore || (mask && !mask[n])) continue;
    if (!Number.isInteger(t) || t < 0 || t >= C) throw new ShapeError(`crossEntropy: target ${t} at row ${n} is not a class in [0, ${C})`);
    const w = weight ? weight[t]! : 1;
    ids[n] = t;
    rowWeight[n] = w;
    denom += w;
  }
  const scale = reduction === 'mean' ? (denom > 0 ? 1 / denom : 0) : 1;
  const grad = new Float32Array(logits.size);
  const total = kernels().softmaxCrossEntropy(N, C, logits.data, ids, rowWeight, scale, grad);
  // PyTorch gives NaN for a mean over zero targets; report it rather than hide it.
  const loss = reduction === 'mean' ? (denom > 0 ? total / denom : NaN) : total;
  return { loss, grad: new Tensor(grad, logits.shape) };
}

/** Mean squared error, as torch.nn.functional.mse_loss. */
export function mseLoss(prediction: Tensor, target: Tensor | ArrayLike<number>, reduction: Reduction = 'mean'): LossResult {
  checkReduction('mseLoss', reduction);
  const y = target instanceof Tensor ? target.data : target;
  if (y.length !== prediction.size) throw new ShapeError(`mseLoss: prediction has ${prediction.size} values, target ${y.length}`);
  const n = prediction.size;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const grad = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = prediction.data[i]! - y[i]!;
    total += d * d;
    grad[i] = 2 * d * scale;
  }
  return { loss: total * scale, grad: new Tensor(grad, prediction.shape) };
}

/**
 * Binary cross-entropy on logits, as torch.nn.functional.binary_cross_entropy_with_logits
 * (numerically stable; optional positive-class weight for imbalance).
 */
export function bceWithLogits(
  logits: Tensor, target: Tensor | ArrayLike<number>,
  options: { reduction?: Reduction; posWeight?: number } = {},
): LossResult {
  const reduction = options.reduction ?? 'mean';
  checkReduction('bceWithLogits', reduction);
  const pw = options.posWeight ?? 1;
  const y = target instanceof Tensor ? target.data : target;
  if (y.length !== logits.size) throw new ShapeError(`bceWithLogits: logits have ${logits.size} values, target ${y.length}`);
  const n = logits.size;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const grad = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = logits.data[i]!;
    const t = y[i]!;
    // log(1 + exp(-x)) computed without overflow: -log(sigmoid(x)).
    const softplusNeg = Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    const lw = 1 + (pw - 1) * t;
    total += (1 - t) * x + lw * softplusNeg;
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    grad[i] = ((1 - t) * s - pw * t * (1 - s)) * scale;
  }
  return { loss: total * scale, grad: new Tensor(grad, logits.shape) };
}

/**
 * Quantile (pinball) loss: prediction (..., Q) holds one value per quantile
 * level for each target value; for level q and error e = y - p the loss is
 * max(q*e, (q-1)*e). Its minimiser is the q-quantile of y given the input,
 * so one model gives a median and an interval.
 */
export function quantileLoss(prediction: Tensor, target: ArrayLike<number>, quantiles: readonly number[], reduction: Reduction = 'mean'): LossResult {
  checkReduction('quantileLoss', reduction);
  const Q = quantiles.length;
  if (Q === 0 || quantiles.some((q) => !(q > 0 && q < 1))) throw new ConfigError(`quantileLoss: quantile levels must be in (0, 1), got [${quantiles.join(', ')}]`);
  if (prediction.size !== target.length * Q) throw new ShapeError(`quantileLoss: prediction has ${prediction.size} values, expected ${Q} per target value (${target.length} targets)`);
  const n = prediction.size;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const grad = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const q = quantiles[i % Q]!;
    const e = target[(i / Q) | 0]! - prediction.data[i]!;
    total += e >= 0 ? q * e : (q - 1) * e;
    grad[i] = (e > 0 ? -q : e < 0 ? 1 - q : 0) * scale;
  }
  return { loss: total * scale, grad: new Tensor(grad, prediction.shape) };
}

function checkReduction(name: string, r: string): void {
  if (r !== 'mean' && r !== 'sum') throw new ConfigError(`${name}: reduction must be 'mean' or 'sum', got '${r}'`);
}
