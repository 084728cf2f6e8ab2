/**
 * Truncated backpropagation through time for a language model: each chunk
 * starts from the state the previous chunk ended in (stateful training), and
 * the gradient stops at the chunk border because that state enters as a plain
 * value. `reset()` starts the next chunk from zeros (e.g. at a new document).
 */
import { ShapeError } from '../errors.js';
import type { LanguageModel, RecurrentState } from '../models/language-model.js';
import type { IndexTensor } from '../tensor/tensor.js';
import type { StepResult, Trainer } from './trainer.js';

/** Truncated backpropagation through time for a language model: the state carried across chunks, detached between them. */
export class TruncatedBPTT {
  /** the state carried into the next chunk; null means zeros */
  state: RecurrentState | null = null;

  constructor(
    readonly model: LanguageModel,
    readonly trainer: Trainer,
  ) {}

  /** One optimiser step on a chunk: inputs (B,T) token ids, targets (B*T) next-token ids. */
  step(inputs: IndexTensor, targets: ArrayLike<number>): StepResult {
    const B = inputs.shape[0]!;
    if (this.state && this.state.h.shape[1] !== B) {
      throw new ShapeError(`TruncatedBPTT.step: the carried state is for batch ${this.state.h.shape[1]}, this chunk has batch ${B}; call reset() when the batch size changes`);
    }
    let next: RecurrentState | null = null;
    const result = this.trainer.step(() => {
      const { loss, state } = this.model.loss(inputs, targets, this.state);
      next = state;
      this.model.backwardLoss();
      return loss;
    });
    this.state = next;
    return result;
  }

  /** Forget the carried state. */
  reset(): void {
    this.state = null;
  }
}
