import { ConfigError, FormatError } from '../errors.js';
import { kernels } from '../kernels/index.js';
import type { Parameter } from '../nn/parameter.js';

/** Everything needed to resume an optimiser exactly: hyper-parameters, step count, buffers. */
export interface OptimizerState {
  name: string;
  lr: number;
  step: number;
  /** per-parameter buffers by name (e.g. Adam's `exp_avg`), in parameter order */
  buffers: Record<string, Float32Array[]>;
}

/**
 * Base of the optimisers: holds the parameters, the learning rate (changed by
 * schedulers), the step count and per-parameter buffers created on first use.
 */
export abstract class Optimizer {
  abstract readonly name: string;
  /** current learning rate; schedulers write it */
  lr: number;
  /** the learning rate given at construction, schedulers' base */
  readonly initialLr: number;
  readonly params: readonly Parameter[];
  protected stepCount = 0;
  private readonly buffers = new Map<string, Float32Array[]>();

  protected constructor(params: readonly Parameter[], lr: number) {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new ConfigError(`learning rate must be a non-negative number, got ${lr}`);
    if (params.length === 0) throw new ConfigError('optimizer got an empty parameter list');
    this.params = params;
    this.lr = lr;
    this.initialLr = lr;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** Applies one update from the parameters' current gradients. */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => this.update(p, i));
  }

  /** Sets every parameter's gradient to zero. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Updates one parameter from its gradient (the rule of each optimiser). */
  protected abstract update(p: Parameter, index: number): void;

  /** A per-parameter buffer, created zero-filled (where the kernels work) on first use. */
  protected buffer(name: string, index: number, init?: (size: number) => Float32Array): Float32Array {
    let list = this.buffers.get(name);
    if (!list) this.buffers.set(name, (list = []));
    let b = list[index];
    if (!b) {
      const size = this.params[index]!.size;
      b = init ? init(size) : kernels().allocate(size);
      list[index] = b;
    }
    return b;
  }

  /** Whether the named state buffer of a parameter exists yet. */
  protected hasBuffer(name: string, index: number): boolean {
    return this.buffers.get(name)?.[index] !== undefined;
  }

  /** The optimiser's state (step count and buffers, named as PyTorch names them), for saving. */
  stateDict(): OptimizerState {
    const buffers: Record<string, Float32Array[]> = {};
    for (const [n, list] of this.buffers) buffers[n] = list.map((b) => b.slice());
    return { name: this.name, lr: this.lr, step: this.stepCount, buffers };
  }

  /** Restores what `stateDict` saved; a ShapeError if the parameters do not match. */
  loadStateDict(state: OptimizerState): void {
    if (state.name !== this.name) throw new FormatError(`optimizer state is for '${state.name}', this optimizer is '${this.name}'`);
    this.buffers.clear();
    for (const [n, list] of Object.entries(state.buffers)) {
      list.forEach((b, i) => {
        const p = this.params[i];
        if (!p || b.length !== p.size) {
          throw new FormatError(`optimizer buffer ${n}[${i}] has ${b.length} values, the parameter has ${p ? p.size : 'none'}`);
        }
      });
      this.buffers.set(n, list.map((b) => {
        const copy = kernels().allocate(b.length);
        copy.set(b);
        return copy;
      }));
    }
    this.lr = state.lr;
    this.stepCount = state.step;
  }
}
