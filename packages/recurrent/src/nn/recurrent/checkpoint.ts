/**
 * Gradient checkpointing through time: the forward keeps only the state at
 * the start of every segment of S steps (no caches), and the backward, going
 * back segment by segment, recomputes each segment's forward with its cache
 * and back-propagates through it at once. The caches then take S steps'
 * memory instead of T's, for about one more forward of compute (Chen et al.
 * 2016, "Training Deep Nets with Sublinear Memory Cost"). Time-major only.
 */
import type { DirectionDims, DirectionGrads, DirectionWeights, Kernels, Strided } from '../../kernels/types.js';

/** The state each segment starts from, in time order of the segments. */
export interface SegmentStarts {
  segment: number;
  h: Float32Array[];
  c: Float32Array[] | null;
}

/** Rows from time step t0 on, of a time-major strided matrix with B rows per step. */
function fromStep(s: Strided, t0: number, B: number): Strided {
  return { data: s.data.subarray(s.off + t0 * B * s.ld), off: 0, ld: s.ld };
}

/**
 * One direction over all T steps, segment by segment, keeping no cache. h, c
 * hold the initial state on entry and the final state on exit, as
 * Kernels.directionForward; outputs go to y.
 */
export function forwardSegments(
  k: Kernels, dims: (steps: number) => DirectionDims, w: DirectionWeights, x: Float32Array, h: Float32Array, c: Float32Array | null,
  y: Strided, T: number, B: number, S: number, reverse: boolean,
): SegmentStarts {
  const I = dims(1).I;
  const K = Math.ceil(T / S);
  const starts: SegmentStarts = { segment: S, h: new Array<Float32Array>(K), c: c ? new Array<Float32Array>(K) : null };
  for (let i = 0; i < K; i++) {
    const seg = reverse ? K - 1 - i : i;
    const t0 = seg * S;
    const t1 = Math.min(T, t0 + S);
    starts.h[seg] = h.slice();
    if (c) starts.c![seg] = c.slice();
    k.directionForward(dims(t1 - t0), w, x.subarray(t0 * B * I, t1 * B * I), h, c, fromStep(y, t0, B), null, reverse, false);
  }
  return starts;
}

/**
 * Back through the segments in reverse processing order: each one's forward
 * again from its saved start, with its cache, then its backward. dh, dc carry
 * dL/d(state) from one segment to the one before, as Kernels.directionBackward.
 */
export function backwardSegments(
  k: Kernels, dims: (steps: number) => DirectionDims, w: DirectionWeights, g: DirectionGrads, starts: SegmentStarts, x: Float32Array,
  dy: Strided, dh: Float32Array, dc: Float32Array | null, dx: Float32Array, T: number, B: number, reverse: boolean, stateGrads: Strided | null,
): void {
  const { I, P } = dims(1);
  const S = starts.segment;
  const K = starts.h.length;
  for (let i = 0; i < K; i++) {
    const seg = reverse ? i : K - 1 - i;
    const t0 = seg * S;
    const t1 = Math.min(T, t0 + S);
    const n = t1 - t0;
    const xs = x.subarray(t0 * B * I, t1 * B * I);
    const h = starts.h[seg]!.slice();
    const c = starts.c ? starts.c[seg]!.slice() : null;
    const cache = k.directionForward(dims(n), w, xs, h, c, { data: new Float32Array(n * B * P), off: 0, ld: P }, null, reverse, true)!;
    k.directionBackward(dims(n), w, g, cache, xs, fromStep(dy, t0, B), dh, dc, dx.subarray(t0 * B * I, t1 * B * I), null, reverse,
      stateGrads ? fromStep(stateGrads, t0, B) : null);
  }
}
