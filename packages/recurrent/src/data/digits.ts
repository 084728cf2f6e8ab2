/**
 * The 8x8 handwritten digits (UCI "optdigits" test set, 1,797 images, as
 * scikit-learn ships them in `datasets/data/digits.csv.gz`): each row is 64
 * pixel values 0..16, row by row, then the label 0..9. Read pixel by pixel
 * (64 steps of one value) they make the sequential-MNIST task at a size this
 * machine trains in minutes; a fixed shuffle of the pixel order makes the
 * permuted one, whose dependencies span the whole sequence.
 */
import { DataError } from '../errors.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** Pixels per image (8 x 8), the sequence length of the pixel-digit tasks. */
export const DIGIT_PIXELS = 64;

/** 8x8 handwritten digits (scikit-learn's set): pixels in [0, 1] row by row, and their labels. */
export interface Digits {
  /** (N,64), scaled to [0,1] */
  pixels: Float32Array;
  /** (N), 0..9 */
  labels: Int32Array;
  count: number;
}

/** Parses the digits CSV (no header; 64 integers in 0..16 and a label in 0..9 per line). */
export function parseDigits(text: string, source = 'digits'): Digits {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const pixels = new Float32Array(lines.length * DIGIT_PIXELS);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, n) => {
    const cells = line.split(',');
    if (cells.length !== DIGIT_PIXELS + 1) throw new DataError(`${source}: line ${n + 1} has ${cells.length} values, expected ${DIGIT_PIXELS} pixels and a label`);
    for (let i = 0; i <= DIGIT_PIXELS; i++) {
      const v = Number(cells[i]);
      const max = i < DIGIT_PIXELS ? 16 : 9;
      if (!Number.isInteger(v) || v < 0 || v > max) {
        throw new DataError(`${source}: line ${n + 1}, value ${i + 1} must be an integer in [0, ${max}], got ${JSON.stringify(cells[i])}`);
      }
      if (i < DIGIT_PIXELS) pixels[n * DIGIT_PIXELS + i] = v / 16;
      else labels[n] = v;
    }
  });
  if (lines.length === 0) throw new DataError(`${source}: no images`);
  return { pixels, labels, count: lines.length };
}

/** A fixed random order of the 64 pixels (the permuted task), from a seed. */
export function pixelPermutation(seed: number): Int32Array {
  const order = Array.from({ length: DIGIT_PIXELS }, (_, i) => i);
  new Random(seed).shuffle(order);
  return Int32Array.from(order);
}

/** Images `indices` as sequences (B,64,1), pixel by pixel in row order or in `permutation`'s order. */
export function pixelSequences(d: Digits, indices: ArrayLike<number>, permutation: Int32Array | null = null): Tensor {
  const B = indices.length;
  const x = new Float32Array(B * DIGIT_PIXELS);
  for (let b = 0; b < B; b++) {
    const src = indices[b]! * DIGIT_PIXELS;
    for (let t = 0; t < DIGIT_PIXELS; t++) x[b * DIGIT_PIXELS + t] = d.pixels[src + (permutation ? permutation[t]! : t)]!;
  }
  return new Tensor(x, [B, DIGIT_PIXELS, 1]);
}
