import { ConfigError } from '../errors.js';
import { kernels } from '../kernels/index.js';
import type { Parameter } from '../nn/parameter.js';

/**
 * Scales all gradients together so their global 2-norm is at most maxNorm, as
 * torch.nn.utils.clip_grad_norm_ (coefficient maxNorm / (norm + 1e-6)).
 * Returns the norm before clipping.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new ConfigError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const norm = gradNorm(params);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) kernels().scale(p.grad, coef);
  }
  return norm;
}

/** Clamps every gradient value into [-clipValue, clipValue], as clip_grad_value_. */
export function clipGradValue(params: readonly Parameter[], clipValue: number): void {
  if (!(clipValue > 0)) throw new ConfigError(`clipGradValue: clipValue must be positive, got ${clipValue}`);
  for (const p of params) {
    for (let i = 0; i < p.grad.length; i++) p.grad[i] = Math.min(clipValue, Math.max(-clipValue, p.grad[i]!));
  }
}

/** The global 2-norm of all gradients (float64 accumulation). */
export function gradNorm(params: readonly Parameter[]): number {
  let sum = 0;
  for (const p of params) sum += kernels().sumSquares(p.grad);
  return Math.sqrt(sum);
}
