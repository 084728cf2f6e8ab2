import { kernels } from '../kernels/index.js';
import { Tensor, sizeOf } from '../tensor/tensor.js';

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
    this.grad = kernels().allocate(data.length);
  }

  static override zeros(shape: readonly number[]): Parameter {
    return new Parameter(kernels().allocate(sizeOf(shape)), shape);
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }
}
