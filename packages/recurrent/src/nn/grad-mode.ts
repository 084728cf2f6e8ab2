let enabled = true;

/** Whether modules in training mode record what `backward` needs. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording anything for backward, like `torch.no_grad()`:
 * for validation and generation while a model stays in training mode.
 */
export function noGrad<T>(fn: () => T): T {
  const before = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = before;
  }
}

let inEval = false;

/** Whether modules in eval mode record for backward too (inside `gradInEval`). */
export function isGradInEval(): boolean {
  return inEval;
}

/**
 * Runs `fn` with modules in eval mode recording for backward as well: the
 * gradients of the model as it predicts (no dropout), which inspection needs;
 * PyTorch's autograd works in eval mode the same way.
 */
export function gradInEval<T>(fn: () => T): T {
  const before = inEval;
  inEval = true;
  try {
    return fn();
  } finally {
    inEval = before;
  }
}
