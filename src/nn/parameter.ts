import { Tensor } from '../tensor/tensor.js';

/** A trainable tensor: its values and the gradient accumulated into it by `backward`. */
export class Parameter extends Tensor {
  /** Same shape as `data`; `backward` adds into it, `zeroGrad` clears it. */
  readonly grad: Float32Array;

  constructor(data: Float32Array, shape: readonly number[]) {
    super(data, shape);
    this.grad = new Float32Array(data.length);
  }

  static override zeros(shape: readonly number[]): Parameter {
    const t = Tensor.zeros(shape);
    return new Parameter(t.data, t.shape);
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }
}
