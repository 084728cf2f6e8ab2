import { BackwardError, ConfigError, ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, isGradInEval } from './grad-mode.js';
import { Parameter } from './parameter.js';

/** Parameters by PyTorch-style dotted name (`rnn.weight_ih_l0`), in registration order. */
export type StateDict = Record<string, Tensor>;

/** How many module forward or backward calls are running: 0 outside any, so a call that finds 0 is a root call. */
let callDepth = 0;
/** Tensors returned by root forwards that recorded caches: a later root forward fed one continues that graph. */
const recordedOutputs = new WeakSet<object>();

/** The tensors in a call's argument or result: a tensor, or those among an object's or array's own values (one level). */
function tensorsIn(v: unknown): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (v === null || typeof v !== 'object') return [];
  return Object.values(v as object).filter((x): x is Tensor => x instanceof Tensor);
}

/**
 * Base of every layer and model. A module owns named parameters and child
 * modules (so names compose like PyTorch's: `encoder.rnn.weight_hh_l0`), and
 * switches between training and evaluation mode.
 *
 * Backward without autograd: each `forward` in training mode pushes what its
 * `backward` needs onto the module's own stack, and each `backward` pops the
 * newest entry. Calling a module several times (a cell over time steps, a head
 * shared by decoder steps) works as long as backward runs in reverse order.
 *
 * A graph is freed when nothing can go back through it, as PyTorch frees one
 * with its outputs: a root forward (one called from outside any module's
 * forward or backward) that is given none of the tensors returned by earlier
 * recorded forwards starts a new graph, and drops this module's caches (and its
 * children's) that no backward consumed. So repeated inference holds one
 * forward's caches at most, in training mode too. Steps that feed an output
 * back in (a cell's state, `h0` from `hN`, a head over a cell's `h`) continue
 * the graph and keep it; independent forwards that one backward must go
 * through (a siamese loss) belong inside one parent module's forward.
 */
export abstract class Module {
  /** True in training mode (dropout active, caches recorded); see `train` / `eval`. */
  training = true;
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();
  private readonly caches: unknown[] = [];

  constructor() {
    // Every subclass's forward and backward are tracked (see the class comment): wrapped here, once per instance.
    const self = this as unknown as Record<'forward' | 'backward', unknown>;
    for (const name of ['forward', 'backward'] as const) {
      const method = self[name];
      if (typeof method !== 'function') continue;
      const tracked = name === 'forward' ? this.trackForward(method) : trackCall(method);
      Object.defineProperty(this, name, { value: tracked, writable: true, configurable: true, enumerable: false });
    }
  }

  private trackForward(forward: Function): (...args: unknown[]) => unknown {
    const module = this;
    return function (this: unknown, ...args: unknown[]): unknown {
      const root = callDepth === 0;
      if (root && module.recordedForwards() > 0 && !args.some((a) => tensorsIn(a).some((t) => recordedOutputs.has(t)))) module.clearCache();
      callDepth++;
      let out: unknown;
      try {
        out = forward.apply(this, args);
      } finally {
        callDepth--;
      }
      if (root && module.recordedForwards() > 0) for (const t of tensorsIn(out)) recordedOutputs.add(t);
      return out;
    };
  }

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

  /** Every parameter of this module and its children, in registration order. */
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

  /** How many recorded forward passes here and in the children still wait for their backward (what `clearCache` would drop). */
  recordedForwards(): number {
    let n = 0;
    for (const [, m] of this.namedModules()) n += m.caches.length;
    return n;
  }

  /** Whether this forward call should record a cache for backward. */
  protected get recording(): boolean {
    return (this.training || isGradInEval()) && isGradEnabled();
  }

  /** Records what this forward's backward will need (only while recording: training mode or gradInEval, outside noGrad). */
  protected pushCache(cache: unknown): void {
    if (this.recording) this.caches.push(cache);
  }

  /** The newest recorded forward's cache; a BackwardError if there is none. */
  protected popCache<C>(): C {
    if (this.caches.length === 0) {
      throw new BackwardError(`${this.constructor.name}.backward: no recorded forward pass to go back through ` +
        '(call forward in training mode, outside noGrad, before backward; one backward per forward)');
    }
    return this.caches.pop() as C;
  }
}

/** A backward (or any method) that counts as a call in progress, so that forwards it runs (recomputing a segment) are not root calls. */
function trackCall(method: Function): (...args: unknown[]) => unknown {
  return function (this: unknown, ...args: unknown[]): unknown {
    callDepth++;
    try {
      return method.apply(this, args);
    } finally {
      callDepth--;
    }
  };
}
