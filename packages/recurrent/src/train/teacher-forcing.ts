/**
 * Teacher forcing's batch for a decoder: each token sequence becomes its
 * input, the start token then the sequence (shifted right), and its targets,
 * the sequence then the end token, padded to the longest with the id 0 in the
 * input and, in the targets, -100, which cross-entropy skips (losses/losses.ts,
 * PyTorch's ignore_index). Translation and captioning both train this way.
 */
import type { IndexTensor } from '../tensor/tensor.js';

export function teacherForcing(sequences: readonly ArrayLike<number>[], bos: number, eos: number): { input: IndexTensor; targets: number[] } {
  const B = sequences.length;
  const T = Math.max(...Array.from(sequences, (x) => x.length)) + 1;
  const input = new Int32Array(B * T);
  const targets = new Array<number>(B * T).fill(-100);
  Array.from(sequences).forEach((x, b) => {
    input[b * T] = bos;
    for (let k = 0; k < x.length; k++) {
      input[b * T + k + 1] = x[k]!;
      targets[b * T + k] = x[k]!;
    }
    targets[b * T + x.length] = eos;
  });
  return { input: { data: input, shape: [B, T] }, targets };
}
