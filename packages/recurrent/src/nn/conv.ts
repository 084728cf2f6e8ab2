/**
 * Convolutional layers with torch.nn's names and layouts: Conv2d (weight
 * (Cout, Cin, kh, kw)), MaxPool2d, ReLU and a global average pool. Images
 * are (N, C, H, W). A convolution is im2col then one GEMM per image (the
 * backend's kernels); backward is the two GEMMs of the weight and the input
 * gradients, then col2im. Forward and backward side by side.
 */
import { ConfigError, ShapeError, checkOptions, expectPositiveInt, optionKeys } from '../errors.js';
import { kernels } from '../kernels/index.js';
import type { Window2d } from '../kernels/types.js';
import { windowOutput } from '../kernels/js/conv.js';
import { Random, defaultRandom } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { uniform } from './init.js';
import type { Layer } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** A size given as one number for both axes or as [h, w]. */
export type Size2d = number | readonly [number, number];

function pair(what: string, v: Size2d, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if ((typeof v !== 'number' && v.length !== 2) || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ConfigError(`${what} must be an integer >= ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** The (N,C,H,W) of an image batch, checked against the channels a layer expects. */
function imageShape(what: string, x: Tensor, C: number | null): [number, number, number, number] {
  if (x.rank !== 4) throw new ShapeError(`${what}: input must be (N, C, H, W), got [${x.shape.join(', ')}]`);
  const s = x.shape as [number, number, number, number];
  if (C !== null && s[1] !== C) throw new ShapeError(`${what}: input has ${s[1]} channels, the layer expects ${C}`);
  return s;
}

function outputOf(what: string, g: Window2d): [number, number] {
  const [Ho, Wo] = windowOutput(g);
  if (Ho < 1 || Wo < 1) throw new ShapeError(`${what}: a ${g.H}x${g.W} input is smaller than the ${g.kernel.join('x')} window (padding ${g.padding.join(', ')}, dilation ${g.dilation.join(', ')})`);
  return [Ho, Wo];
}

/** Options of `Conv2d`, as torch.nn.Conv2d: channels, kernel size, stride, padding, dilation, bias. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Size2d;
  stride?: Size2d;
  padding?: Size2d;
  dilation?: Size2d;
  bias?: boolean;
  rng?: Random;
}

interface ConvCache {
  g: Window2d;
  N: number;
  /** (N, C*kh*kw, Ho*Wo): each image's im2col */
  cols: Float32Array;
}

/** y[n,o] = b[o] + sum over c, i, j of w[o,c,i,j] x[n, c, s*y + d*i - p, s*x + d*j - p], as torch.nn.Conv2d. */
export class Conv2d extends Module implements Layer {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(o: Conv2dOptions) {
    super();
    checkOptions('Conv2d', o, optionKeys<Conv2dOptions>({ inChannels: true, outChannels: true, kernelSize: true, stride: true, padding: true, dilation: true, bias: true, rng: true }));
    expectPositiveInt('Conv2d inChannels', o.inChannels);
    expectPositiveInt('Conv2d outChannels', o.outChannels);
    this.inChannels = o.inChannels;
    this.outChannels = o.outChannels;
    this.kernelSize = pair('Conv2d kernelSize', o.kernelSize, 1);
    this.stride = pair('Conv2d stride', o.stride ?? 1, 1);
    this.padding = pair('Conv2d padding', o.padding ?? 0, 0);
    this.dilation = pair('Conv2d dilation', o.dilation ?? 1, 1);
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter('weight', Parameter.zeros([this.outChannels, this.inChannels, kh, kw]));
    this.bias = (o.bias ?? true) ? this.registerParameter('bias', Parameter.zeros([this.outChannels])) : null;
    // PyTorch's default: kaiming_uniform(a=sqrt(5)), i.e. U(±1/sqrt(fanIn)), the bias likewise.
    const bound = 1 / Math.sqrt(this.inChannels * kh * kw);
    const rng = o.rng ?? defaultRandom;
    uniform(this.weight.data, -bound, bound, rng);
    if (this.bias) uniform(this.bias.data, -bound, bound, rng);
  }

  private window(H: number, W: number): Window2d {
    return { C: this.inChannels, H, W, kernel: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation };
  }

  /** x is (N, inChannels, H, W); returns (N, outChannels, Ho, Wo). */
  forward(x: Tensor): Tensor {
    const [N, , H, W] = imageShape('Conv2d.forward', x, this.inChannels);
    const g = this.window(H, W);
    const [Ho, Wo] = outputOf('Conv2d.forward', g);
    const L = Ho * Wo;
    const K = this.weight.size / this.outChannels;
    const O = this.outChannels;
    const k = kernels();
    const cols = new Float32Array(N * K * L);
    const y = new Float32Array(N * O * L);
    for (let n = 0; n < N; n++) {
      const c = cols.subarray(n * K * L, (n + 1) * K * L);
      k.im2col(g, x.data, n * this.inChannels * H * W, c);
      // y_n (O, L) = W (O, K) · cols_n (K, L)
      k.gemm(false, false, O, L, K, 1, this.weight.data, 0, K, cols, n * K * L, L, 0, y, n * O * L, L);
    }
    if (this.bias) {
      const b = this.bias.data;
      for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
        const at = (n * O + o) * L;
        for (let l = 0; l < L; l++) y[at + l] += b[o]!;
      }
    }
    this.pushCache({ g, N, cols } satisfies ConvCache);
    return new Tensor(y, [N, O, Ho, Wo]);
  }

  /** dy is (N, outChannels, Ho, Wo); adds dW = sum_n dy_n cols_n^T and db; returns dx = col2im(W^T dy_n). */
  backward(gradOutput: Tensor): Tensor {
    const { g, N, cols } = this.popCache<ConvCache>();
    const [Ho, Wo] = windowOutput(g);
    const O = this.outChannels;
    const L = Ho * Wo;
    const K = this.weight.size / O;
    if (gradOutput.shape.join() !== [N, O, Ho, Wo].join()) {
      throw new ShapeError(`Conv2d.backward: gradOutput must be [${[N, O, Ho, Wo].join(', ')}], got [${gradOutput.shape.join(', ')}]`);
    }
    const k = kernels();
    const dy = gradOutput.data;
    const dx = new Float32Array(N * g.C * g.H * g.W);
    const dcols = new Float32Array(K * L);
    for (let n = 0; n < N; n++) {
      // dW (O, K) += dy_n (O, L) · cols_n^T (L, K)
      k.gemm(false, true, O, K, L, 1, dy, n * O * L, L, cols, n * K * L, L, 1, this.weight.grad, 0, K);
      // dcols (K, L) = W^T (K, O) · dy_n (O, L)
      k.gemm(true, false, K, L, O, 1, this.weight.data, 0, K, dy, n * O * L, L, 0, dcols, 0, L);
      k.col2im(g, dcols, dx, n * g.C * g.H * g.W);
    }
    if (this.bias) {
      const db = this.bias.grad;
      for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
        const at = (n * O + o) * L;
        let s = 0;
        for (let l = 0; l < L; l++) s += dy[at + l]!;
        db[o] += s;
      }
    }
    return new Tensor(dx, [N, g.C, g.H, g.W]);
  }
}

/** Options of `MaxPool2d`, as torch.nn.MaxPool2d: kernel size, stride, padding, dilation. */
export interface MaxPool2dOptions {
  kernelSize: Size2d;
  /** default: the kernel size */
  stride?: Size2d;
  padding?: Size2d;
  dilation?: Size2d;
}

/** The largest value of each window, as torch.nn.MaxPool2d (padding never wins; ceil_mode false). */
export class MaxPool2d extends Module implements Layer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(o: MaxPool2dOptions) {
    super();
    checkOptions('MaxPool2d', o, optionKeys<MaxPool2dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true }));
    this.kernelSize = pair('MaxPool2d kernelSize', o.kernelSize, 1);
    this.stride = pair('MaxPool2d stride', o.stride ?? this.kernelSize, 1);
    this.padding = pair('MaxPool2d padding', o.padding ?? 0, 0);
    this.dilation = pair('MaxPool2d dilation', o.dilation ?? 1, 1);
    if (this.padding.some((p, i) => 2 * p > this.kernelSize[i]!)) {
      throw new ConfigError(`MaxPool2d padding must be at most half the kernel size, got padding ${this.padding.join(', ')} for kernel ${this.kernelSize.join('x')}`);
    }
  }

  /** x is (N, C, H, W); returns (N, C, Ho, Wo). */
  forward(x: Tensor): Tensor {
    const [N, C, H, W] = imageShape('MaxPool2d.forward', x, null);
    const g: Window2d = { C, H, W, kernel: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation };
    const [Ho, Wo] = outputOf('MaxPool2d.forward', g);
    const y = new Float32Array(N * C * Ho * Wo);
    const argmax = new Int32Array(y.length);
    kernels().maxPool2d(N, g, x.data, y, argmax);
    this.pushCache({ argmax, shape: x.shape });
    return new Tensor(y, [N, C, Ho, Wo]);
  }

  /** The gradient of the input from the gradient of the output (newest recorded forward first). */
  backward(gradOutput: Tensor): Tensor {
    const { argmax, shape } = this.popCache<{ argmax: Int32Array; shape: readonly number[] }>();
    if (gradOutput.size !== argmax.length) throw new ShapeError(`MaxPool2d.backward: gradOutput has ${gradOutput.size} values, the forward gave ${argmax.length}`);
    const dx = new Float32Array(shape.reduce((a, b) => a * b, 1));
    kernels().maxPool2dBackward(gradOutput.data, argmax, dx);
    return new Tensor(dx, shape);
  }
}

/** max(0, x), element-wise; the gradient is zero where the output is (PyTorch's threshold_backward). */
export class ReLU extends Module implements Layer {
  /** Applies the layer to (N, C, H, W) input. */
  forward(x: Tensor): Tensor {
    const y = x.data.map((v) => (v > 0 ? v : 0));
    this.pushCache(y);
    return new Tensor(y, x.shape);
  }

  /** The gradient of the input from the gradient of the output (newest recorded forward first). */
  backward(gradOutput: Tensor): Tensor {
    const y = this.popCache<Float32Array>();
    return new Tensor(gradOutput.data.map((g, i) => (y[i]! > 0 ? g : 0)), gradOutput.shape);
  }
}

/** The mean over each channel's H x W (torch's adaptive_avg_pool2d to 1x1, flattened): (N,C,H,W) -> (N,C). */
export class GlobalAvgPool2d extends Module implements Layer {
  /** Applies the layer to (N, C, H, W) input. */
  forward(x: Tensor): Tensor {
    const [N, C, H, W] = imageShape('GlobalAvgPool2d.forward', x, null);
    const L = H * W;
    const y = new Float32Array(N * C);
    for (let p = 0; p < N * C; p++) {
      let s = 0;
      for (let l = 0; l < L; l++) s += x.data[p * L + l]!;
      y[p] = s / L;
    }
    this.pushCache(x.shape);
    return new Tensor(y, [N, C]);
  }

  /** The gradient of the input from the gradient of the output (newest recorded forward first). */
  backward(gradOutput: Tensor): Tensor {
    const shape = this.popCache<readonly number[]>();
    const [N, C, H, W] = shape as [number, number, number, number];
    expectSize('GlobalAvgPool2d.backward', gradOutput, N * C);
    const L = H * W;
    const dx = new Float32Array(N * C * L);
    for (let p = 0; p < N * C; p++) dx.fill(gradOutput.data[p]! / L, p * L, (p + 1) * L);
    return new Tensor(dx, shape);
  }
}

function expectSize(what: string, t: Tensor, n: number): void {
  if (t.size !== n) throw new ShapeError(`${what}: gradOutput has ${t.size} values, expected ${n}`);
}
