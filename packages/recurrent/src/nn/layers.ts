/**
 * Feed-forward layers: Linear, Embedding, Dropout, and Sequential to chain
 * tensor-to-tensor layers. Forward and backward side by side.
 */
import { ConfigError, ShapeError, checkOptions, describeValue, expectPositiveInt, optionKeys } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { Random, defaultRandom } from '../tensor/random.js';
import { type IndexTensor, Tensor, sizeOf } from '../tensor/tensor.js';
import { normal, uniform } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** A module that maps one tensor to one tensor and back-propagates through it. */
export interface Layer {
  /** Applies the layer (recording what backward needs, in training mode). */
  forward(x: Tensor): Tensor;
  /** The gradient of the input from the gradient of the output (newest recorded forward first); parameters' gradients accumulate. */
  backward(gradOutput: Tensor): Tensor;
}

/** Options of `Linear`: input and output features, and whether it has a bias. */
export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  rng?: Random;
}

/** y = x W^T + b over the last axis, as torch.nn.Linear (weight is (out, in)). */
export class Linear extends Module implements Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(options: LinearOptions) {
    super();
    checkOptions('Linear', options, optionKeys<LinearOptions>({ inFeatures: true, outFeatures: true, bias: true, rng: true }));
    expectPositiveInt('Linear inFeatures', options.inFeatures);
    expectPositiveInt('Linear outFeatures', options.outFeatures);
    this.inFeatures = options.inFeatures;
    this.outFeatures = options.outFeatures;
    this.weight = this.registerParameter('weight', Parameter.zeros([this.outFeatures, this.inFeatures]));
    this.bias = (options.bias ?? true) ? this.registerParameter('bias', Parameter.zeros([this.outFeatures])) : null;
    // PyTorch: kaiming_uniform(a=sqrt(5)) reduces to U(±1/sqrt(fanIn)); same bound for the bias.
    const bound = 1 / Math.sqrt(this.inFeatures);
    const rng = options.rng ?? defaultRandom;
    uniform(this.weight.data, -bound, bound, rng);
    if (this.bias) uniform(this.bias.data, -bound, bound, rng);
  }

  /** x is (..., inFeatures); returns (..., outFeatures). */
  forward(x: Tensor): Tensor {
    const I = x.shape[x.rank - 1];
    if (x.rank < 1 || I !== this.inFeatures) {
      throw new ShapeError(`Linear.forward: input has ${I ?? 0} features in its last axis, the layer expects inFeatures ${this.inFeatures}`);
    }
    const N = x.size / I;
    const y = new Float32Array(N * this.outFeatures);
    const k = kernels();
    k.gemm(false, true, N, this.outFeatures, I, 1, x.data, 0, I, this.weight.data, 0, I, 0, y, 0, this.outFeatures);
    if (this.bias) k.addRowVector(N, this.outFeatures, this.bias.data, 0, y, 0, this.outFeatures);
    this.pushCache(x);
    return new Tensor(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }

  /** dy is (..., outFeatures); adds dW = dy^T x, db = sum dy; returns dx = dy W. */
  backward(gradOutput: Tensor): Tensor {
    const x = this.popCache<Tensor>();
    const N = x.size / this.inFeatures;
    if (gradOutput.size !== N * this.outFeatures) {
      throw new ShapeError(`Linear.backward: gradOutput must be [${[...x.shape.slice(0, -1), this.outFeatures].join(', ')}], got [${gradOutput.shape.join(', ')}]`);
    }
    const k = kernels();
    const O = this.outFeatures;
    const I = this.inFeatures;
    k.gemm(true, false, O, I, N, 1, gradOutput.data, 0, O, x.data, 0, I, 1, this.weight.grad, 0, I);
    if (this.bias) k.sumRows(N, O, gradOutput.data, 0, O, this.bias.grad, 0);
    const dx = new Float32Array(N * I);
    k.gemm(false, false, N, I, O, 1, gradOutput.data, 0, O, this.weight.data, 0, I, 0, dx, 0, I);
    return new Tensor(dx, x.shape);
  }
}

/** Options of `Embedding`: table size, vector size, an index that maps to zeros. */
export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  /** this index maps to a zero vector that receives no gradient */
  paddingIdx?: number | null;
  rng?: Random;
}


/** A lookup table of vectors, as torch.nn.Embedding (weight is (num, dim), initialised N(0,1)). */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly weight: Parameter;

  constructor(options: EmbeddingOptions) {
    super();
    checkOptions('Embedding', options, optionKeys<EmbeddingOptions>({ numEmbeddings: true, embeddingDim: true, paddingIdx: true, rng: true }));
    expectPositiveInt('Embedding numEmbeddings', options.numEmbeddings);
    expectPositiveInt('Embedding embeddingDim', options.embeddingDim);
    this.numEmbeddings = options.numEmbeddings;
    this.embeddingDim = options.embeddingDim;
    const pad = options.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad < 0 || pad >= this.numEmbeddings)) {
      throw new ConfigError(`Embedding paddingIdx must be an integer in [0, ${this.numEmbeddings}), got ${pad}`);
    }
    this.paddingIdx = pad;
    this.weight = this.registerParameter('weight', Parameter.zeros([this.numEmbeddings, this.embeddingDim]));
    normal(this.weight.data, 0, 1, options.rng ?? defaultRandom);
    if (pad !== null) this.weight.data.fill(0, pad * this.embeddingDim, (pad + 1) * this.embeddingDim);
  }

  /** ids of any shape; returns (...shape, embeddingDim). */
  forward(ids: IndexTensor): Tensor {
    const n = ids.data.length;
    if (sizeOf(ids.shape) !== n) throw new ShapeError(`Embedding.forward: ids shape [${ids.shape.join(', ')}] needs ${sizeOf(ids.shape)} ids, got ${n}`);
    const D = this.embeddingDim;
    const out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      const id = ids.data[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) {
        throw new ShapeError(`Embedding.forward: id ${id} at position ${i} is not an integer in [0, ${this.numEmbeddings})`);
      }
      out.set(this.weight.data.subarray(id * D, (id + 1) * D), i * D);
    }
    this.pushCache(ids.data);
    return new Tensor(out, [...ids.shape, D]);
  }

  /** Scatters dy (...shape, dim) into the rows of the weight gradient. */
  backward(gradOutput: Tensor): void {
    const ids = this.popCache<Int32Array>();
    const D = this.embeddingDim;
    if (gradOutput.size !== ids.length * D) {
      throw new ShapeError(`Embedding.backward: gradOutput has ${gradOutput.size} values, expected ${ids.length}x${D}`);
    }
    const g = this.weight.grad;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === this.paddingIdx) continue;
      const row = id * D;
      for (let j = 0; j < D; j++) g[row + j] += gradOutput.data[i * D + j]!;
    }
  }
}

/** Zeroes each value with probability p in training and scales the rest by 1/(1-p). */
export class Dropout extends Module implements Layer {
  readonly p: number;
  private readonly rng: Random;

  constructor(p = 0.5, rng: Random = defaultRandom) {
    super();
    if (!(p >= 0 && p < 1)) throw new ConfigError(`Dropout p must be in [0, 1), got ${p}`);
    this.p = p;
    this.rng = rng;
  }

  /** Applies the layer (recording what backward needs, in training mode). */
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) {
      this.pushCache(null);
      return x;
    }
    const keep = 1 / (1 - this.p);
    const mask = new Float32Array(x.size);
    const y = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      mask[i] = this.rng.next() < this.p ? 0 : keep;
      y[i] = x.data[i]! * mask[i]!;
    }
    this.pushCache(mask);
    return new Tensor(y, x.shape);
  }

  /** The gradient of the input from the gradient of the output (newest recorded forward first); parameters' gradients accumulate. */
  backward(gradOutput: Tensor): Tensor {
    const mask = this.popCache<Float32Array | null>();
    if (!mask) return gradOutput;
    const dx = new Float32Array(gradOutput.size);
    for (let i = 0; i < dx.length; i++) dx[i] = gradOutput.data[i]! * mask[i]!;
    return new Tensor(dx, gradOutput.shape);
  }
}

/** Applies layers in order; backward runs them in reverse. Parameters are named `0.weight`, `1.bias`, ... */
export class Sequential extends Module implements Layer {
  readonly layers: ReadonlyArray<Module & Layer>;

  constructor(...layers: Array<Module & Layer>) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module) || typeof m.forward !== 'function' || typeof m.backward !== 'function') {
        throw new ConfigError(`Sequential: layer ${i} must be a module with forward(x) and backward(grad), got ${describeValue(m)}`);
      }
    });
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Applies the layer (recording what backward needs, in training mode). */
  forward(x: Tensor): Tensor {
    let y = x;
    this.layers.forEach((m, i) => {
      y = m.forward(y);
      // Recurrent modules return { output, hN, ... }: say so here, not as a TypeError in the next layer.
      if (!(y instanceof Tensor)) {
        throw new ConfigError(`Sequential: layer ${i} (${m.constructor.name}) returned ${describeValue(y)}, expected a Tensor: ` +
          "each layer of a Sequential takes a Tensor and returns one; a recurrent module returns { output, hN, ... }, so call it in your own module's forward and pass .output on");
      }
    });
    return y;
  }

  /** The gradient of the input from the gradient of the output (newest recorded forward first); parameters' gradients accumulate. */
  backward(gradOutput: Tensor): Tensor {
    let g = gradOutput;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i]!.backward(g);
    return g;
  }
}

/** Holds modules under the names `0`, `1`, ... (torch.nn.ModuleList): parameters `0.weight`, `1.0.weight`, ... */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.registerModule(String(i), m));
  }
}
