import { DTypeError, ShapeError } from '../errors.js';

/** Number of elements of a shape; a ShapeError for a dimension that is not a non-negative integer. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`shape [${shape.join(', ')}]: every dimension must be a non-negative integer, got ${d}`);
    n *= d;
  }
  return n;
}

/** Integer ids as a tensor: data holds the ids, shape their layout (e.g. [B,T]). */
export interface IndexTensor {
  data: Int32Array;
  shape: readonly number[];
}

/**
 * A dense float32 array with a row-major shape. Deliberately thin: the data is a
 * plain `Float32Array` that kernels read and write directly.
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    // A Float64Array (or a plain array) would run, silently, at another precision than every kernel assumes.
    if (!(data instanceof Float32Array)) {
      throw new DTypeError(`Tensor: data must be a Float32Array, got ${(data as object)?.constructor?.name ?? typeof data} (use Float32Array.from(values) or Tensor.from)`);
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`Tensor: shape [${shape.join(', ')}] has a dimension that is not a non-negative integer`);
    }
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new ShapeError(`Tensor: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** A tensor of the given shape, all zeros. */
  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape);
  }

  /** Builds a tensor from (possibly nested) arrays of numbers; the shape is inferred. */
  static from(values: NestedNumbers): Tensor {
    const shape: number[] = [];
    let level: NestedNumbers = values;
    while (Array.isArray(level)) {
      shape.push(level.length);
      level = level[0] as NestedNumbers;
    }
    const flat = (values as unknown[]).flat(Infinity) as number[];
    return new Tensor(Float32Array.from(flat), shape);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A view with another shape over the same data. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  /** A copy with its own data. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** The value at a multi-index, e.g. `t.get(b, t, i)`. */
  get(...index: number[]): number {
    return this.data[this.offset(index)]!;
  }

  /** Sets one element, by its index along each dimension. */
  set(value: number, ...index: number[]): void {
    this.data[this.offset(index)] = value;
  }

  /** Nested JavaScript arrays, for printing and tests. */
  toArray(): NestedNumbers {
    const build = (dim: number, offset: number): NestedNumbers => {
      const n = this.shape[dim]!;
      if (dim === this.shape.length - 1) return Array.from(this.data.subarray(offset, offset + n));
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return this.shape.length === 0 ? this.data[0]! : build(0, 0);
  }

  private offset(index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new ShapeError(`Tensor.get: expected ${this.shape.length} indices, got ${index.length}`);
    }
    let off = 0;
    for (let d = 0; d < index.length; d++) {
      const i = index[d]!;
      const n = this.shape[d]!;
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError(`Tensor.get: index ${i} out of range [0, ${n}) in dimension ${d}`);
      off = off * n + i;
    }
    return off;
  }
}

/** Nested arrays of numbers, as `Tensor.from` reads them. */
export type NestedNumbers = number | NestedNumbers[];
