/**
 * Early stopping's bookkeeping, shared by every task's training loop: keep
 * the weights of the best evaluation so far (the caller decides what
 * "better" means), count evaluations without improvement, restore at the end.
 */
import type { Module, StateDict } from '../nn/module.js';

/** Keeps a copy of the best weights so far (early stopping), and restores them. */
export class KeepBest {
  private state: StateDict | null = null;
  private stale = 0;

  constructor(private readonly model: Module, readonly patience: number) {}

  /** Records an evaluation; keeps the weights when `improved`. True once `patience` evaluations in a row have not improved. */
  record(improved: boolean): boolean {
    if (improved) {
      this.state = this.model.stateDict();
      this.stale = 0;
    } else {
      this.stale++;
    }
    return this.stale >= this.patience;
  }

  /** Loads the best weights recorded, if any. */
  restore(): void {
    if (this.state) this.model.loadStateDict(this.state);
  }
}
