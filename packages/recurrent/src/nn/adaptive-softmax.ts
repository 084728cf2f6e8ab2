/**
 * Adaptive softmax (Grave, Joulin, Cissé, Grangier and Jégou 2017, "Efficient
 * softmax approximation for GPUs"), as torch.nn.AdaptiveLogSoftmaxWithLoss,
 * with the same parameters, names and results. The vocabulary, sorted by
 * frequency, is cut at `cutoffs`: the head scores the shortlist (ids below
 * cutoffs[0]) and one entry per tail cluster; cluster i scores its ids
 * [cutoffs[i], cutoffs[i+1]) (the last one ending at nClasses) through a projection to
 * floor(inFeatures / divValue^(i+1)) features. A word's log-probability is
 * its head score, or its cluster's head score plus its score in the cluster,
 * so each row pays for the head and for the one cluster its target is in,
 * not for the whole vocabulary.
 *
 * Shapes: input x is (N, inFeatures), target (N); head (shortlist +
 * clusters, inFeatures); tail.i.0 (hsz_i, inFeatures), tail.i.1 (osz_i, hsz_i).
 */
import { ConfigError, ShapeError, checkOptions, expectPositiveInt, optionKeys } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { defaultRandom, type Random } from '../tensor/random.js';
import { logSoftmaxRows } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear, ModuleList, Sequential } from './layers.js';
import { inEvalMode } from './grad-mode.js';
import { Module } from './module.js';

/** Options of `AdaptiveLogSoftmaxWithLoss`, as PyTorch's: input size, classes, cutoffs, the tails' size division, the head bias. */
export interface AdaptiveSoftmaxOptions {
  inFeatures: number;
  nClasses: number;
  /** increasing ids in [1, nClasses): where the shortlist ends and each tail cluster starts */
  cutoffs: readonly number[];
  /** each cluster's projection is this many times narrower than the one before (default 4) */
  divValue?: number;
  /** a bias in the head (default false, as PyTorch) */
  headBias?: boolean;
  rng?: Random;
}

/** The target log-probability of every row and the mean loss. */
export interface AdaptiveSoftmaxOutput {
  /** (N): log-probability of each row's target */
  output: Float32Array;
  /** mean of -output */
  loss: number;
}

interface Cache {
  N: number;
  /** dLoss/dhead logits (N, headSize) */
  gradHead: Float32Array;
  /** per cluster with targets: its rows and dLoss/dcluster logits */
  clusters: Array<{ i: number; rows: Int32Array; grad: Float32Array }>;
}

export class AdaptiveLogSoftmaxWithLoss extends Module {
  readonly inFeatures: number;
  readonly nClasses: number;
  /** the cutoffs with nClasses appended (PyTorch's `cutoffs` attribute) */
  readonly cutoffs: readonly number[];
  readonly divValue: number;
  readonly headBias: boolean;
  readonly shortlistSize: number;
  readonly nClusters: number;
  readonly headSize: number;
  readonly head: Linear;
  readonly tail: ModuleList<Sequential>;

  constructor(options: AdaptiveSoftmaxOptions) {
    super();
    checkOptions('AdaptiveLogSoftmaxWithLoss', options, optionKeys<AdaptiveSoftmaxOptions>({ inFeatures: true, nClasses: true, cutoffs: true, divValue: true, headBias: true, rng: true }));
    expectPositiveInt('AdaptiveLogSoftmaxWithLoss inFeatures', options.inFeatures);
    expectPositiveInt('AdaptiveLogSoftmaxWithLoss nClasses', options.nClasses);
    // Configs come from files too: every field is checked, not assumed.
    if (!Array.isArray(options.cutoffs)) throw new ConfigError(`AdaptiveLogSoftmaxWithLoss: cutoffs must be a list of class ids, got ${JSON.stringify(options.cutoffs)}`);
    const c = [...options.cutoffs];
    const n = options.nClasses;
    const ok = c.length > 0 && c.every((v, i) => Number.isInteger(v) && v >= 1 && v <= n - 1 && (i === 0 || v > c[i - 1]!));
    if (!ok) {
      throw new ConfigError(`AdaptiveLogSoftmaxWithLoss: cutoffs must be unique increasing integers in [1, ${n - 1}] (nClasses ${n}), got [${c.join(', ')}]`);
    }
    const divValue = options.divValue ?? 4;
    if (typeof divValue !== 'number' || !(divValue > 0)) throw new ConfigError(`AdaptiveLogSoftmaxWithLoss: divValue must be a positive number, got ${JSON.stringify(divValue)}`);
    if (options.headBias !== undefined && typeof options.headBias !== 'boolean') throw new ConfigError(`AdaptiveLogSoftmaxWithLoss: headBias must be true or false, got ${JSON.stringify(options.headBias)}`);
    this.inFeatures = options.inFeatures;
    this.nClasses = n;
    this.cutoffs = [...c, n];
    this.divValue = divValue;
    this.headBias = options.headBias ?? false;
    this.shortlistSize = c[0]!;
    this.nClusters = c.length;
    this.headSize = this.shortlistSize + this.nClusters;
    const rng = options.rng ?? defaultRandom;
    this.head = this.registerModule('head', new Linear({ inFeatures: this.inFeatures, outFeatures: this.headSize, bias: this.headBias, rng }));
    const tails: Sequential[] = [];
    for (let i = 0; i < this.nClusters; i++) {
      const hsz = Math.floor(this.inFeatures / divValue ** (i + 1));
      const osz = this.cutoffs[i + 1]! - this.cutoffs[i]!;
      if (hsz < 1) throw new ConfigError(`AdaptiveLogSoftmaxWithLoss: cluster ${i} would project ${this.inFeatures} features to ${hsz} (inFeatures / divValue^${i + 1}); use fewer cutoffs or a smaller divValue`);
      tails.push(new Sequential(new Linear({ inFeatures: this.inFeatures, outFeatures: hsz, bias: false, rng }), new Linear({ inFeatures: hsz, outFeatures: osz, bias: false, rng })));
    }
    this.tail = this.registerModule('tail', new ModuleList(tails));
  }

  /** The cluster of a class: 0 for the shortlist, i + 1 for tail cluster i. */
  private clusterOf(t: number): number {
    let k = 0;
    while (t >= this.cutoffs[k]!) k++;
    return k;
  }

  private checkInput(name: string, x: Tensor): number {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) throw new ShapeError(`AdaptiveLogSoftmaxWithLoss.${name}: input must be (N, ${this.inFeatures}), got [${x.shape.join(', ')}]`);
    return x.shape[0]!;
  }

  /** Log-probability of each row's target and their mean loss; records what backward needs. */
  forward(x: Tensor, target: ArrayLike<number>): AdaptiveSoftmaxOutput {
    const N = this.checkInput('forward', x);
    if (target.length !== N) throw new ShapeError(`AdaptiveLogSoftmaxWithLoss.forward: ${N} input rows but ${target.length} targets`);
    const I = this.inFeatures;
    const gather = new Int32Array(N);
    const members: number[][] = Array.from({ length: this.nClusters }, () => []);
    for (let n = 0; n < N; n++) {
      const t = target[n]!;
      if (!(Number.isInteger(t) && t >= 0 && t < this.nClasses)) throw new ShapeError(`AdaptiveLogSoftmaxWithLoss.forward: target ${t} at row ${n} is not a class in [0, ${this.nClasses})`);
      const k = this.clusterOf(t);
      gather[n] = k === 0 ? t : this.shortlistSize + k - 1;
      if (k > 0) members[k - 1]!.push(n);
    }
    const k = kernels();
    const scale = N > 0 ? 1 / N : 0;
    const ones = new Float32Array(N).fill(1);
    const rowLoss = new Float32Array(N);
    const headOut = this.head.forward(x);
    const gradHead = new Float32Array(N * this.headSize);
    let total = k.softmaxCrossEntropy(N, this.headSize, headOut.data, gather, ones, scale, gradHead, rowLoss);
    const output = new Float32Array(N);
    for (let n = 0; n < N; n++) output[n] = -rowLoss[n]!;
    const clusters: Cache['clusters'] = [];
    members.forEach((list, i) => {
      if (list.length === 0) return;
      const rows = Int32Array.from(list);
      const M = rows.length;
      const xs = new Float32Array(M * I);
      const rel = new Int32Array(M);
      const low = this.cutoffs[i]!;
      rows.forEach((r, m) => {
        xs.set(x.data.subarray(r * I, (r + 1) * I), m * I);
        rel[m] = target[r]! - low;
      });
      const out = this.tail.items[i]!.forward(new Tensor(xs, [M, I]));
      const osz = out.shape[1]!;
      const grad = new Float32Array(M * osz);
      const rl = new Float32Array(M);
      total += k.softmaxCrossEntropy(M, osz, out.data, rel, ones, scale, grad, rl);
      rows.forEach((r, m) => { output[r] -= rl[m]!; });
      clusters.push({ i, rows, grad });
    });
    this.pushCache({ N, gradHead, clusters } satisfies Cache);
    return { output, loss: N > 0 ? total / N : NaN };
  }

  /** Back from the loss (times gradLoss) to the parameters' grads; returns dLoss/dinput (N, inFeatures). */
  backward(gradLoss = 1): Tensor {
    const { N, gradHead, clusters } = this.popCache<Cache>();
    const I = this.inFeatures;
    const scaled = (g: Float32Array): Float32Array => (gradLoss === 1 ? g : g.map((v) => v * gradLoss));
    // The head and each tail are modules of their own, each with its own recorded forward.
    const dx = new Float32Array(N * I);
    for (let c = clusters.length - 1; c >= 0; c--) {
      const { i, rows, grad } = clusters[c]!;
      const osz = this.cutoffs[i + 1]! - this.cutoffs[i]!;
      const dxs = this.tail.items[i]!.backward(new Tensor(scaled(grad), [rows.length, osz]));
      rows.forEach((r, m) => {
        for (let j = 0; j < I; j++) dx[r * I + j] += dxs.data[m * I + j]!;
      });
    }
    const dh = this.head.backward(new Tensor(scaled(gradHead), [N, this.headSize]));
    for (let j = 0; j < dx.length; j++) dx[j] += dh.data[j]!;
    return new Tensor(dx, [N, I]);
  }

  /** Log-probabilities of every class (N, nClasses), as PyTorch's log_prob; records nothing. */
  logProb(x: Tensor): Tensor {
    const N = this.checkInput('logProb', x);
    const out = new Float32Array(N * this.nClasses);
    const head = inEvalMode(this.head, () => this.head.forward(x));
    const hlp = logSoftmaxRows(head.data, N, this.headSize);
    for (let n = 0; n < N; n++) {
      for (let v = 0; v < this.shortlistSize; v++) out[n * this.nClasses + v] = hlp[n * this.headSize + v]!;
    }
    this.tail.items.forEach((t, i) => {
      const lo = this.cutoffs[i]!;
      const osz = this.cutoffs[i + 1]! - lo;
      const lp = logSoftmaxRows(inEvalMode(t, () => t.forward(x)).data, N, osz);
      for (let n = 0; n < N; n++) {
        const base = hlp[n * this.headSize + this.shortlistSize + i]!;
        for (let v = 0; v < osz; v++) out[n * this.nClasses + lo + v] = lp[n * osz + v]! + base;
      }
    });
    return new Tensor(out, [N, this.nClasses]);
  }

  /** The most likely class of each row (PyTorch's predict). */
  predict(x: Tensor): Int32Array {
    const lp = this.logProb(x);
    const N = lp.shape[0]!;
    const out = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      let best = 0;
      for (let v = 1; v < this.nClasses; v++) if (lp.data[n * this.nClasses + v]! > lp.data[n * this.nClasses + best]!) best = v;
      out[n] = best;
    }
    return out;
  }
}
