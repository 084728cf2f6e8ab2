import { FormatError, OutOfMemoryError } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { Tensor, sizeOf } from '../tensor/tensor.js';

/** Values that parameters made inside `withParameterBudget` may still take, or null (no limit). */
let budget: { left: number; what: string } | null = null;

/**
 * Runs `build` allowing its new parameters at most `maxValues` values in all;
 * past that, a FormatError before anything is allocated. Loading a model from
 * files uses it, so a config that claims sizes its weights file cannot hold
 * (a hidden size of 1e9 beside a 4 KB file) is refused instead of allocated.
 */
export function withParameterBudget<T>(maxValues: number, what: string, build: () => T): T {
  const outer = budget;
  budget = { left: maxValues, what };
  try {
    return build();
  } finally {
    budget = outer;
  }
}

function take(n: number, shape: readonly number[]): void {
  if (!budget) return;
  budget.left -= n;
  if (!(budget.left >= 0)) {
    throw new FormatError(`${budget.what}: the configuration asks for a parameter of shape [${shape.join(', ')}] beyond the values its weights hold`);
  }
}

/**
 * Storage for a parameter's `n` values (shape `shape`): a size no backend can
 * hold (a hidden size of 1e9) is one error naming the parameter, its size and
 * what helps, rather than a RangeError or advice meant for activations.
 */
function allocateFor(n: number, shape: readonly number[]): Float32Array {
  try {
    return kernels().allocate(n);
  } catch (e) {
    if (!(e instanceof RangeError || e instanceof OutOfMemoryError)) throw e;
    throw new OutOfMemoryError(`a parameter of shape [${shape.join(', ')}] (${n.toLocaleString('en-US')} values, ${(n * 4 / 2 ** 30).toFixed(2)} GiB) ` +
      `does not fit in the ${kernels().name} backend's memory: choose a smaller hidden size, embedding, vocabulary or number of layers`, { cause: e });
  }
}

/**
 * A trainable tensor: its values and the gradient accumulated into it by
 * `backward`. Both are stored where the kernels work (Kernels.allocate: in
 * WebAssembly memory on the wasm backend), so they are used in place.
 */
export class Parameter extends Tensor {
  /** Same shape as `data`; `backward` adds into it, `zeroGrad` clears it. */
  readonly grad: Float32Array;

  constructor(data: Float32Array, shape: readonly number[]) {
    super(data, shape);
    this.grad = allocateFor(data.length, shape);
  }

  /** A parameter of the given shape, all zeros. */
  static override zeros(shape: readonly number[]): Parameter {
    const n = sizeOf(shape);
    take(n, shape);
    return new Parameter(allocateFor(n, shape), shape);
  }

  /** Sets the gradient to zero. */
  zeroGrad(): void {
    this.grad.fill(0);
  }
}
