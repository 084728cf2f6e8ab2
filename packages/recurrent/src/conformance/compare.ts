/** The conformance tolerance: |got - want| <= atol + rtol*|want|, atol = rtol = 1e-4. */
export const ATOL = 1e-4;
/** Relative tolerance of the PyTorch comparisons (beside `ATOL`): |a - b| <= ATOL + RTOL * |b|. */
export const RTOL = 1e-4;

/** One tensor compared with its reference: the largest error, and whether it is within tolerance. */
export interface Comparison {
  name: string;
  /** largest |got - want| */
  maxError: number;
  pass: boolean;
  /** why it failed when not a matter of values (shape) */
  problem?: string;
}

/** Compares values with a reference element by element, within `ATOL` + `RTOL` * |reference|. */
export function compareArrays(name: string, got: ArrayLike<number>, want: ArrayLike<number>): Comparison {
  if (got.length !== want.length) {
    return { name, maxError: Infinity, pass: false, problem: `${got.length} values, expected ${want.length}` };
  }
  let maxError = 0;
  let pass = true;
  for (let i = 0; i < want.length; i++) {
    // The same infinity on both sides (an impossible CTC alignment's loss) matches; its difference is NaN.
    if (got[i] === want[i]) continue;
    const err = Math.abs(got[i]! - want[i]!);
    // NaN in either side is a failure: the comparison below is false for NaN.
    if (!(err <= ATOL + RTOL * Math.abs(want[i]!))) pass = false;
    if (!(err <= maxError)) maxError = Number.isNaN(err) ? NaN : Math.max(maxError, err);
  }
  return { name, maxError, pass };
}
