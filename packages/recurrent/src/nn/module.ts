import { BackwardError, ConfigError, ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, isGradInEval } from './grad-mode.js';
import { Parameter } from './parameter.js';

/** Parameters by PyTorch-style dotted name (`rnn.weight_ih_l0`), in registration order. */
export type StateDict = Record<string, Tensor>;

/**
 * Base of every layer and model. A module owns named parameters and child
 * modules (so names compose like PyTorch's: `encoder.rnn.weight_hh_l0`), and
 * switches between training and evaluation mode.
 *
 * Backward without autograd: each `forward` in training mode pushes what its
 * `backward` needs onto the module's own stack, and each `backward` pops the
 * newest entry. Calling a module several times (a cell over time steps, a head
 * shared by decoder steps) works as long as backward runs in reverse order.
 */
export abstract class Module {
  /** True in training mode (dropout active, caches recorded); see `train` / `eval`. */
  training = true;
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();
  private readonly caches: unknown[] = [];

  /** Registers a parameter under a name; returns it for assignment to a field. */
  protected registerParameter(name: string, p: Parameter): Parameter {
    if (name.includes('.')) throw new ConfigError(`registerParameter: name '${name}' must not contain '.'`);
    this.ownParameters.set(name, p);
    return p;
  }

  /** Registers a child module under a name; returns it for assignment to a field. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    if (name.includes('.')) throw new ConfigError(`registerModule: name '${name}' must not contain '.'`);
    this.children.set(name, m);
    return m;
  }

  /** (name, parameter) pairs of this module and every child, depth first. */
  namedParameters(prefix = ''): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [n, p] of this.ownParameters) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Child modules with their dotted names, this module first (name ''). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /** Total number of trainable values. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /** Copies of every parameter by PyTorch name and layout. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, p] of this.namedParameters()) out[n] = new Tensor(p.data.slice(), p.shape);
    return out;
  }

  /**
   * Copies values into the parameters. With `strict` (the default) the keys
   * must match exactly; shapes must always match.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const params = new Map(this.namedParameters());
    if (strict) {
      const missing = [...params.keys()].filter((k) => !(k in state));
      const unexpected = Object.keys(state).filter((k) => !params.has(k));
      if (missing.length || unexpected.length) {
        throw new ShapeError(`loadStateDict: keys do not match the module` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') +
          (unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : ''));
      }
    }
    for (const [name, p] of params) {
      const t = state[name];
      if (!t) continue;
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        throw new ShapeError(`loadStateDict: '${name}' expects shape [${p.shape.join(', ')}], got [${t.shape.join(', ')}]`);
      }
      p.data.set(t.data);
    }
  }

  /** Sets training mode here and in every child; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: no dropout, nothing recorded for backward. */
  eval(): this {
    return this.train(false);
  }

  /** Sets every parameter's gradient to zero. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Drops every recorded forward pass (after a forward whose backward will not run). */
  clearCache(): void {
    for (const [, m] of this.namedModules()) m.caches.length = 0;
  }

  /** Whether this forward call should record a cache for backward. */
  protected get recording(): boolean {
    return (this.training || isGradInEval()) && isGradEnabled();
  }

  protected pushCache(cache: unknown): void {
    if (this.recording) this.caches.push(cache);
  }

  protected popCache<C>(): C {
    if (this.caches.length === 0) {
      throw new BackwardError(`${this.constructor.name}.backward: no recorded forward pass to go back through ` +
        '(call forward in training mode, outside noGrad, before backward; one backward per forward)');
    }
    return this.caches.pop() as C;
  }
}
