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
