/**
 * Recurrent states of several hypotheses as one batch and back: the rows of
 * h (L,B,P) and c (L,B,H), so a beam's hypotheses take one forward together.
 */
import type { RecurrentState } from '../models/language-model.js';
import { Tensor } from '../tensor/tensor.js';

/** One state of batch B from B states of batch 1 (row b is states[b]). */
export function stackStates(states: readonly RecurrentState[]): RecurrentState {
  const first = states[0]!;
  const [L, , P] = first.h.shape as [number, number, number];
  const B = states.length;
  const H = first.c ? first.c.shape[2]! : 0;
  const h = new Float32Array(L * B * P);
  const c = first.c ? new Float32Array(L * B * H) : null;
  states.forEach((s, b) => {
    for (let l = 0; l < L; l++) {
      h.set(s.h.data.subarray(l * P, (l + 1) * P), (l * B + b) * P);
      if (c && s.c) c.set(s.c.data.subarray(l * H, (l + 1) * H), (l * B + b) * H);
    }
  });
  return { h: new Tensor(h, [L, B, P]), c: c ? new Tensor(c, [L, B, H]) : null };
}

/** Row b of a batched state, as a state of batch 1. */
export function stateRow(state: RecurrentState, b: number): RecurrentState {
  const [L, B, P] = state.h.shape as [number, number, number];
  const H = state.c ? state.c.shape[2]! : 0;
  const h = new Float32Array(L * P);
  const c = state.c ? new Float32Array(L * H) : null;
  for (let l = 0; l < L; l++) {
    h.set(state.h.data.subarray((l * B + b) * P, (l * B + b + 1) * P), l * P);
    if (c && state.c) c.set(state.c.data.subarray((l * B + b) * H, (l * B + b + 1) * H), l * H);
  }
  return { h: new Tensor(h, [L, 1, P]), c: c ? new Tensor(c, [L, 1, H]) : null };
}

/**
 * The same rows repeated B times, for B hypotheses stepped together against one source (an
 * encoder's outputs, an image's grid): t (1,...) -> (B,...), each width made once and kept.
 */
export function rowRepeater(t: Tensor): (B: number) => Tensor {
  const made = new Map<number, Tensor>([[1, t]]);
  return (B) => {
    let r = made.get(B);
    if (!r) {
      const data = new Float32Array(B * t.size);
      for (let b = 0; b < B; b++) data.set(t.data, b * t.size);
      made.set(B, (r = new Tensor(data, [B, ...t.shape.slice(1)])));
    }
    return r;
  };
}
