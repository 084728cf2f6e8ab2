import type { Module } from './module.js';

/** What modules record for backward: module-wide switches, set for the length of a call. */
const flags = { enabled: true, inEval: false };

/** Runs `fn` with `flags[key]` set to `value`, restoring it afterwards (also on a throw). */
function withFlag<T>(key: keyof typeof flags, value: boolean, fn: () => T): T {
  const before = flags[key];
  flags[key] = value;
  try {
    return fn();
  } finally {
    flags[key] = before;
  }
}

/** Whether modules in training mode record what `backward` needs. */
export function isGradEnabled(): boolean {
  return flags.enabled;
}

/**
 * Runs `fn` without recording anything for backward, like `torch.no_grad()`:
 * for validation and generation while a model stays in training mode.
 */
export function noGrad<T>(fn: () => T): T {
  return withFlag('enabled', false, fn);
}

/** Whether modules in eval mode record for backward too (inside `gradInEval`). */
export function isGradInEval(): boolean {
  return flags.inEval;
}

/**
 * Runs `fn` with modules in eval mode recording for backward as well: the
 * gradients of the model as it predicts (no dropout), which inspection needs;
 * PyTorch's autograd works in eval mode the same way.
 */
export function gradInEval<T>(fn: () => T): T {
  return withFlag('inEval', true, fn);
}

/**
 * Runs `fn` as the module predicts: in eval mode (no dropout) and without
 * recording for backward, then puts the module's mode back (also on a throw).
 */
export function inEvalMode<T>(module: Module, fn: () => T): T {
  const wasTraining = module.training;
  module.eval();
  try {
    return noGrad(fn);
  } finally {
    module.train(wasTraining);
  }
}
