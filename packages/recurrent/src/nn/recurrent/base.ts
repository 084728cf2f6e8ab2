/**
 * Multi-layer, optionally bidirectional recurrent module over whole sequences:
 * the shared machinery of RNN, LSTM and GRU (torch.nn.RNNBase semantics,
 * parameter names and layouts).
 */
import { ConfigError, ShapeError, checkOptions, expectPositiveInt, expectShape, optionKeys } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { swapAxes01 } from '../../tensor/ops.js';
import { Random, defaultRandom } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { orthogonal, uniform, xavierUniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type SegmentStarts, backwardSegments, forwardSegments } from './checkpoint.js';
import {
  type CellKind, type DirectionCache, type DirectionDims, type DirectionGrads, type DirectionWeights, type StepLayerSpec, gateCount,
} from '../../kernels/types.js';

/** How weights start: PyTorch's U(±1/sqrt(H)), or orthogonal W_hh with Xavier W_ih and zero biases. */
export type RecurrentInit = 'uniform' | 'orthogonal' | 'xavier';

/** Options shared by RNN, LSTM and GRU (PyTorch's constructor arguments, camelCased). */
export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  /** stacked layers (default 1) */
  numLayers?: number;
  /** use b_ih and b_hh (default true) */
  bias?: boolean;
  /** input and output are (B,T,F) instead of (T,B,F) (default false, as in PyTorch) */
  batchFirst?: boolean;
  /** dropout probability on the outputs of every layer but the last, in training (default 0) */
  dropout?: number;
  /** a second direction reading the sequence backwards (default false) */
  bidirectional?: boolean;
  /** initialisation scheme (default 'uniform', PyTorch's) */
  init?: RecurrentInit;
  /**
   * LSTM and GRU: the starting bias of the gate that keeps the old state (LSTM f,
   * GRU z), b_ih = forgetBias and b_hh = 0 for that block, after `init`
   * (Jozefowicz et al. 2015 use 1; Keras' unit_forget_bias). Default: as `init` leaves it.
   */
  forgetBias?: number;
  /**
   * LSTM and GRU: chrono initialisation (Tallec & Ollivier 2018) for dependencies
   * up to this many steps: the keep gate's bias b ~ log(U(1, chronoInit - 1)),
   * and for an LSTM the input gate's -b; b_hh = 0 for those blocks. An integer >= 2.
   */
  chronoInit?: number;
  /**
   * Gradient checkpointing: in training, keep the state only every this many
   * steps and recompute each segment's forward in backward (the caches then
   * grow with this rather than with T, for about one more forward of compute;
   * see checkpoint.ts). 0 (default): off. Not with `lengths`.
   */
  checkpoint?: number;
  /** random generator for initialisation and dropout (default: the global one) */
  rng?: Random;
}

/** The options every recurrent module takes (its own add theirs). */
export const RECURRENT_OPTION_KEYS = optionKeys<RecurrentOptions>({
  inputSize: true, hiddenSize: true, numLayers: true, bias: true, batchFirst: true, dropout: true, bidirectional: true,
  init: true, forgetBias: true, chronoInit: true, checkpoint: true, rng: true,
});

/** Optional inputs of a forward call. */
export interface RecurrentForwardOptions {
  /** initial hidden state (numLayers*numDirections, B, P); zeros when absent */
  h0?: Tensor | null;
  /** initial cell state (numLayers*numDirections, B, H), LSTM only; zeros when absent */
  c0?: Tensor | null;
  /** valid length of each sequence in the batch (pack_padded_sequence semantics); all T when absent */
  lengths?: ArrayLike<number> | null;
  /** record every step's gates and states in `RecurrentOutput.trace` (default false; the untraced path is unchanged) */
  trace?: boolean;
}

/**
 * What one layer and direction did at every step, from a traced forward. Each
 * tensor is (B,T,·) if batchFirst else (T,B,·), in the module's time order
 * (a reverse direction's step t is the one that read x_t). Past a sequence's
 * length the values are the carried state's and mean nothing.
 */
export interface LayerTrace {
  layer: number;
  /** 0 forward, 1 reverse */
  direction: number;
  /** gate activations in PyTorch's order: LSTM i,f,g,o; GRU r,z,n ((·, G*H)); null for the plain RNN, whose only output is h */
  gates: Tensor | null;
  /** LSTM: the cell c_t after each step ((·, H)); null otherwise */
  c: Tensor | null;
  /** the state h_t after each step ((·, P)): the direction's output */
  h: Tensor;
}

/** What a recurrent module's forward returns. */
export interface RecurrentOutput {
  /** (B,T,D*P) if batchFirst else (T,B,D*P); zero past each sequence's length */
  output: Tensor;
  /** final hidden state (numLayers*D, B, P) */
  hN: Tensor;
  /** final cell state (numLayers*D, B, H), LSTM only */
  cN: Tensor | null;
  /** with `{ trace: true }`: every layer and direction's gates and states, index layer*D + direction; null otherwise */
  trace: LayerTrace[] | null;
}

/** Upstream gradients; any may be omitted (treated as zero). */
export interface RecurrentGradients {
  gradOutput?: Tensor | null;
  gradHN?: Tensor | null;
  gradCN?: Tensor | null;
}

/** The gradients a recurrent module's backward returns: of the input and the initial states. */
export interface RecurrentInputGradients {
  gradInput: Tensor;
  gradH0: Tensor;
  gradC0: Tensor | null;
  /**
   * With `{ stateGrads: true }`: dL/dh_t at every step of every layer and
   * direction, the whole of it (through the output above and through step
   * t+1): (numLayers*D, B, T, P) if batchFirst else (numLayers*D, T, B, P).
   * Null otherwise.
   */
  gradStates: Tensor | null;
}

/** Options of a recurrent module's backward. */
export interface RecurrentBackwardOptions {
  /** also return dL/dh_t for every step (see RecurrentInputGradients.gradStates); takes the reference loop, for inspection */
  stateGrads?: boolean;
}

const FORWARD_KEYS = optionKeys<RecurrentForwardOptions>({ h0: true, c0: true, lengths: true, trace: true });
const GRADIENT_KEYS = optionKeys<RecurrentGradients>({ gradOutput: true, gradHN: true, gradCN: true });
const BACKWARD_KEYS = optionKeys<RecurrentBackwardOptions>({ stateGrads: true });

interface DirectionParams {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  weightHr: Parameter | null;
  weightPeephole: Parameter | null;
}

/** The cell variants beyond PyTorch's, from ONNX (see LSTMOptions.peepholes and GRUOptions.linearBeforeReset in modules.ts). */
export interface CellVariant {
  projSize?: number;
  peepholes?: boolean;
  linearBeforeReset?: boolean;
}

interface ForwardCache {
  T: number;
  B: number;
  lengths: Int32Array | null;
  /** the kernels read batch-first rows (one batch-first layer, not checkpointed) */
  direct: boolean;
  /** checkpointed: each layer and direction's segment starts, instead of `directions` */
  segments: SegmentStarts[][] | null;
  /** time-major input of each layer */
  layerInputs: Float32Array[];
  directions: DirectionCache[][];
  /** dropout masks applied to the output of layer l (scaled by 1/(1-p)), per layer but the last */
  dropoutMasks: Array<Float32Array | null>;
}

export abstract class RecurrentBase extends Module {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** LSTM projection size (0: none) */
  readonly projSize: number;
  /** LSTM: peephole connections from the cell to the i, f and o gates (ONNX's P) */
  readonly peepholes: boolean;
  /** GRU: false puts the reset gate before the recurrent product (ONNX linear_before_reset=0); true is PyTorch's */
  readonly linearBeforeReset: boolean;
  /** gradient checkpointing segment in steps, 0: off (see RecurrentOptions.checkpoint); may be changed between calls */
  checkpoint: number;
  protected readonly rng: Random;
  private readonly layers: DirectionParams[][] = [];
  private readonly gateBias: { forgetBias?: number; chronoInit?: number };

  protected constructor(kind: CellKind, options: RecurrentOptions, variant: CellVariant = {}) {
    super();
    const projSize = variant.projSize ?? 0;
    const name = kind.startsWith('RNN') ? 'RNN' : kind;
    expectPositiveInt(`${name} inputSize`, options.inputSize);
    expectPositiveInt(`${name} hiddenSize`, options.hiddenSize);
    const numLayers = options.numLayers ?? 1;
    expectPositiveInt(`${name} numLayers`, numLayers);
    const dropout = options.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new ConfigError(`${name} dropout must be in [0, 1), got ${dropout}`);
    if (!Number.isInteger(projSize) || projSize < 0 || (projSize > 0 && projSize >= options.hiddenSize)) {
      throw new ConfigError(`${name} projSize must be an integer in [0, hiddenSize=${options.hiddenSize}), got ${projSize}`);
    }
    this.kind = kind;
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = projSize;
    this.peepholes = variant.peepholes === true;
    this.linearBeforeReset = variant.linearBeforeReset ?? true;
    if (this.peepholes && kind !== 'LSTM') throw new ConfigError(`peepholes are only for LSTM, not ${name}`);
    if (!this.linearBeforeReset && kind !== 'GRU') throw new ConfigError(`linearBeforeReset is only for GRU, not ${name}`);
    this.rng = options.rng ?? defaultRandom;
    this.checkpoint = options.checkpoint ?? 0;
    if (!(Number.isInteger(this.checkpoint) && this.checkpoint >= 0)) throw new ConfigError(`${name} checkpoint must be a whole number of steps (0: off), got ${options.checkpoint}`);
    this.gateBias = {
      ...(options.forgetBias !== undefined ? { forgetBias: options.forgetBias } : {}),
      ...(options.chronoInit !== undefined ? { chronoInit: options.chronoInit } : {}),
    };
    if (this.gateBias.forgetBias !== undefined || this.gateBias.chronoInit !== undefined) {
      if (kind !== 'LSTM' && kind !== 'GRU') throw new ConfigError(`${name} has no gates: forgetBias and chronoInit are for LSTM and GRU`);
      if (!this.bias) throw new ConfigError(`${name}: forgetBias and chronoInit set biases, but bias is false`);
      if (this.gateBias.forgetBias !== undefined && this.gateBias.chronoInit !== undefined) throw new ConfigError(`${name}: give forgetBias or chronoInit, not both`);
      if (this.gateBias.forgetBias !== undefined && !Number.isFinite(this.gateBias.forgetBias)) throw new ConfigError(`${name} forgetBias must be a finite number, got ${this.gateBias.forgetBias}`);
      if (this.gateBias.chronoInit !== undefined && !(Number.isInteger(this.gateBias.chronoInit) && this.gateBias.chronoInit >= 2)) {
        throw new ConfigError(`${name} chronoInit must be an integer >= 2 (the longest dependency, in steps), got ${this.gateBias.chronoInit}`);
      }
    }

    const GH = gateCount(kind) * this.hiddenSize;
    const P = this.stateSize;
    for (let l = 0; l < numLayers; l++) {
      const inFeatures = l === 0 ? this.inputSize : P * this.numDirections;
      const dirs: DirectionParams[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        dirs.push({
          weightIh: this.registerParameter(`weight_ih${sfx}`, Parameter.zeros([GH, inFeatures])),
          weightHh: this.registerParameter(`weight_hh${sfx}`, Parameter.zeros([GH, P])),
          biasIh: this.bias ? this.registerParameter(`bias_ih${sfx}`, Parameter.zeros([GH])) : null,
          biasHh: this.bias ? this.registerParameter(`bias_hh${sfx}`, Parameter.zeros([GH])) : null,
          weightHr: projSize > 0 ? this.registerParameter(`weight_hr${sfx}`, Parameter.zeros([projSize, this.hiddenSize])) : null,
          // Rows p_i, p_f, p_o: i and f see p*c_{t-1}, o sees p*c_t.
          weightPeephole: this.peepholes ? this.registerParameter(`weight_peephole${sfx}`, Parameter.zeros([3, this.hiddenSize])) : null,
        });
      }
      this.layers.push(dirs);
    }
    this.resetParameters(options.init ?? 'uniform');
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Size of the hidden state and of each direction's output: projSize if set, else hiddenSize. */
  get stateSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** Size of the output's last axis: numDirections * stateSize. */
  get outputSize(): number {
    return this.numDirections * this.stateSize;
  }

  /** Re-initialises every weight with the given scheme. */
  resetParameters(init: RecurrentInit = 'uniform'): void {
    const H = this.hiddenSize;
    const stdv = 1 / Math.sqrt(H);
    for (const dirs of this.layers) {
      for (const p of dirs) {
        if (init === 'uniform') {
          for (const t of [p.weightIh, p.weightHh, p.biasIh, p.biasHh, p.weightHr, p.weightPeephole]) if (t) uniform(t.data, -stdv, stdv, this.rng);
          continue;
        }
        const [GH, inF] = p.weightIh.shape as [number, number];
        const P = p.weightHh.shape[1]!;
        const G = GH / H;
        // Per gate block, so every gate starts well conditioned.
        for (let g = 0; g < G; g++) {
          xavierUniform(p.weightIh.data.subarray(g * H * inF, (g + 1) * H * inF), H, inF, 1, this.rng);
          if (init === 'orthogonal') orthogonal(p.weightHh.data, H, P, 1, this.rng, g * H * P);
          else xavierUniform(p.weightHh.data.subarray(g * H * P, (g + 1) * H * P), H, P, 1, this.rng);
        }
        if (p.weightHr) xavierUniform(p.weightHr.data, P, H, 1, this.rng);
        p.biasIh?.data.fill(0);
        p.biasHh?.data.fill(0);
        p.weightPeephole?.data.fill(0);
      }
    }
    this.initGateBiases();
  }

  /** forgetBias / chronoInit on the keep gate (block 1: LSTM f, GRU z) and, for chrono, an LSTM's input gate (block 0). */
  private initGateBiases(): void {
    const { forgetBias, chronoInit } = this.gateBias;
    if (forgetBias === undefined && chronoInit === undefined) return;
    const H = this.hiddenSize;
    for (const dirs of this.layers) {
      for (const p of dirs) {
        const bih = p.biasIh!.data;
        const bhh = p.biasHh!.data;
        for (let j = 0; j < H; j++) {
          const keep = forgetBias ?? Math.log(1 + this.rng.next() * (chronoInit! - 2));
          bih[H + j] = keep;
          bhh[H + j] = 0;
          if (chronoInit !== undefined && this.kind === 'LSTM') {
            bih[j] = -keep;
            bhh[j] = 0;
          }
        }
      }
    }
  }

  /**
   * Runs the whole sequence. input is (B,T,inputSize) if batchFirst else
   * (T,B,inputSize).
   */
  forward(input: Tensor, options: RecurrentForwardOptions = {}): RecurrentOutput {
    const name = `${this.constructor.name}.forward`;
    checkOptions(name, options, FORWARD_KEYS);
    if (input.rank !== 3) {
      throw new ShapeError(`${name}: input must have 3 dimensions ${this.batchFirst ? '(batch, time, features)' : '(time, batch, features)'}, got [${input.shape.join(', ')}]`);
    }
    const [a0, a1, I] = input.shape as [number, number, number];
    if (I !== this.inputSize) throw new ShapeError(`${name}: input has ${I} features, the module expects inputSize ${this.inputSize}`);
    const [T, B] = this.batchFirst ? [a1, a0] : [a0, a1];
    if (T === 0 || B === 0) throw new ShapeError(`${name}: input must have at least one step and one sequence, got [${input.shape.join(', ')}]`);
    const lengths = this.checkLengths(name, options.lengths, T, B);
    const LD = this.numLayers * this.numDirections;
    const P = this.stateSize;
    const H = this.hiddenSize;
    const lstm = this.kind === 'LSTM';
    if (options.h0) expectShape(`${name}: h0`, options.h0.shape, [LD, B, P]);
    if (options.c0 && !lstm) throw new ConfigError(`${name}: c0 is only for LSTM`);
    if (options.c0) expectShape(`${name}: c0`, options.c0.shape, [LD, B, H]);

    const hN = options.h0 ? options.h0.data.slice() : new Float32Array(LD * B * P);
    const cN = lstm ? (options.c0 ? options.c0.data.slice() : new Float32Array(LD * B * H)) : null;
    const record = this.recording;
    const tracing = options.trace === true;
    const traces: LayerTrace[] | null = tracing ? [] : null;
    const k = kernels();
    const S = record && !tracing && this.checkpoint > 0 && this.checkpoint < T ? this.checkpoint : 0;
    if (S && lengths) throw new ConfigError(`${name}: checkpoint does not take lengths (give every sequence all T steps, or set checkpoint to 0)`);
    // One layer hands batch-first tensors to the kernels as they are; deeper stacks (and checkpointing) run time-major inside.
    const direct = this.batchFirstKernels && !S;
    let x = this.batchFirst && !direct ? swapAxes01(input.data, B, T, I) : input.data;
    const cache: ForwardCache = { T, B, lengths, direct, segments: S ? [] : null, layerInputs: [], directions: [], dropoutMasks: [] };
    let y = x;
    for (let l = 0; l < this.numLayers; l++) {
      const inF = l === 0 ? I : this.outputSize;
      y = new Float32Array(T * B * this.outputSize);
      const dirCaches: DirectionCache[] = [];
      const starts: SegmentStarts[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const s = l * this.numDirections + d;
        const h = hN.subarray(s * B * P, (s + 1) * B * P);
        const c = cN ? cN.subarray(s * B * H, (s + 1) * B * H) : null;
        if (S) {
          starts.push(forwardSegments(k, (n) => this.dims(n, B, inF, false), this.weights(l, d), x, h, c, { data: y, off: d * P, ld: this.outputSize }, T, B, S, d === 1));
          continue;
        }
        // A trace reads the cache that training records: the same kernels, whether or not backward follows.
        const dc = k.directionForward(this.dims(T, B, inF, direct), this.weights(l, d), x, h, c,
          { data: y, off: d * P, ld: this.outputSize }, lengths, d === 1, record || tracing);
        if (traces) traces.push(this.traceOf(l, d, dc!, y, c, T, B, direct));
        if (dc && record) dirCaches.push(dc);
      }
      cache.layerInputs.push(x);
      cache.directions.push(dirCaches);
      cache.segments?.push(starts);
      if (l < this.numLayers - 1 && this.training && this.dropout > 0) {
        const mask = new Float32Array(y.length);
        const keep = 1 / (1 - this.dropout);
        for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < this.dropout ? 0 : keep;
        const dropped = new Float32Array(y.length);
        for (let i = 0; i < y.length; i++) dropped[i] = y[i]! * mask[i]!;
        cache.dropoutMasks.push(mask);
        x = dropped;
      } else {
        cache.dropoutMasks.push(null);
        x = y;
      }
    }
    if (record) this.pushCache(cache);
    const outData = this.batchFirst && !direct ? swapAxes01(y, T, B, this.outputSize) : y;
    return {
      output: new Tensor(outData, this.batchFirst ? [B, T, this.outputSize] : [T, B, this.outputSize]),
      hN: new Tensor(hN, [LD, B, P]),
      cN: cN ? new Tensor(cN, [LD, B, H]) : null,
      trace: traces,
    };
  }

  /**
   * One direction's trace from its forward cache (time-major, kept apart: the
   * cache's arrays may serve a later forward). c_t is the cell the next step
   * in processing order starts from, or the final cell after the last step.
   */
  private traceOf(l: number, d: number, dc: DirectionCache, y: Float32Array, cFinal: Float32Array | null, T: number, B: number, direct: boolean): LayerTrace {
    const H = this.hiddenSize;
    const P = this.stateSize;
    const O = this.outputSize;
    const reverse = d === 1;
    // The module's layout: batch-first rows b*T+t when batchFirst, else t*B+b.
    const row = (t: number, b: number): number => (this.batchFirst ? b * T + t : t * B + b);
    const shape = (X: number): number[] => (this.batchFirst ? [B, T, X] : [T, B, X]);
    const G = this.kind === 'LSTM' ? 4 : this.kind === 'GRU' ? 3 : 0;
    const gates = G ? new Float32Array(T * B * G * H) : null;
    const c = dc.cPrev ? new Float32Array(T * B * H) : null;
    const h = new Float32Array(T * B * P);
    const yRow = (t: number, b: number): number => (direct ? b * T + t : t * B + b) * O + d * P;
    for (let t = 0; t < T; t++) {
      const next = reverse ? t - 1 : t + 1;
      for (let b = 0; b < B; b++) {
        const r = row(t, b);
        if (gates) gates.set(dc.gates.subarray((t * B + b) * G * H, (t * B + b + 1) * G * H), r * G * H);
        if (c) {
          const src = next >= 0 && next < T ? dc.cPrev!.subarray((next * B + b) * H, (next * B + b + 1) * H) : cFinal!.subarray(b * H, (b + 1) * H);
          c.set(src, r * H);
        }
        h.set(y.subarray(yRow(t, b), yRow(t, b) + P), r * P);
      }
    }
    return {
      layer: l, direction: d, gates: gates ? new Tensor(gates, shape(G * H)) : null, c: c ? new Tensor(c, shape(H)) : null, h: new Tensor(h, shape(P)),
    };
  }

  /**
   * Back-propagates through time for the newest recorded forward. Adds the
   * weight gradients into each parameter's `grad` and returns the gradients of
   * the input and the initial state.
   */
  backward(grads: RecurrentGradients = {}, options: RecurrentBackwardOptions = {}): RecurrentInputGradients {
    const name = `${this.constructor.name}.backward`;
    checkOptions(name, grads, GRADIENT_KEYS);
    checkOptions(`${name} options`, options, BACKWARD_KEYS);
    const cache = this.popCache<ForwardCache>();
    const { T, B, lengths } = cache;
    const LD = this.numLayers * this.numDirections;
    const P = this.stateSize;
    const H = this.hiddenSize;
    const O = this.outputSize;
    const lstm = this.kind === 'LSTM';
    const outShape = this.batchFirst ? [B, T, O] : [T, B, O];
    if (grads.gradOutput) expectShape(`${name}: gradOutput`, grads.gradOutput.shape, outShape);
    if (grads.gradHN) expectShape(`${name}: gradHN`, grads.gradHN.shape, [LD, B, P]);
    if (grads.gradCN && !lstm) throw new ConfigError(`${name}: gradCN is only for LSTM`);
    if (grads.gradCN) expectShape(`${name}: gradCN`, grads.gradCN.shape, [LD, B, H]);

    const dState = grads.gradHN ? grads.gradHN.data.slice() : new Float32Array(LD * B * P);
    const dCell = lstm ? (grads.gradCN ? grads.gradCN.data.slice() : new Float32Array(LD * B * H)) : null;
    const direct = cache.direct;
    let dy = grads.gradOutput
      ? (this.batchFirst && !direct ? swapAxes01(grads.gradOutput.data, B, T, O) : grads.gradOutput.data)
      : new Float32Array(T * B * O);
    const k = kernels();
    // One (T,B,P) block per layer and direction, in the kernels' layout.
    const states = options.stateGrads ? new Float32Array(LD * T * B * P) : null;
    let dx = dy;
    for (let l = this.numLayers - 1; l >= 0; l--) {
      const inF = l === 0 ? this.inputSize : O;
      const x = cache.layerInputs[l]!;
      dx = new Float32Array(T * B * inF);
      for (let d = 0; d < this.numDirections; d++) {
        const s = l * this.numDirections + d;
        const dh = dState.subarray(s * B * P, (s + 1) * B * P);
        const dc = dCell ? dCell.subarray(s * B * H, (s + 1) * B * H) : null;
        const sg = states ? { data: states, off: s * T * B * P, ld: P } : null;
        if (cache.segments) {
          backwardSegments(k, (n) => this.dims(n, B, inF, false), this.weights(l, d), this.gradients(l, d), cache.segments[l]![d]!, x,
            { data: dy, off: d * P, ld: O }, dh, dc, dx, T, B, d === 1, sg);
          continue;
        }
        k.directionBackward(this.dims(T, B, inF, direct), this.weights(l, d), this.gradients(l, d), cache.directions[l]![d]!,
          x, { data: dy, off: d * P, ld: O }, dh, dc, dx, lengths, d === 1, sg);
      }
      const mask = l > 0 ? cache.dropoutMasks[l - 1] : null;
      if (mask) for (let i = 0; i < dx.length; i++) dx[i] *= mask[i]!;
      dy = dx;
    }
    return {
      gradInput: new Tensor(this.batchFirst && !direct ? swapAxes01(dx, T, B, this.inputSize) : dx,
        this.batchFirst ? [B, T, this.inputSize] : [T, B, this.inputSize]),
      gradH0: new Tensor(dState, [LD, B, P]),
      gradC0: dCell ? new Tensor(dCell, [LD, B, H]) : null,
      gradStates: states ? this.stateLayout(states, LD, T, B, direct) : null,
    };
  }

  /** Per-step state blocks from the kernels' layout to the module's: (LD,B,T,P) if batchFirst else (LD,T,B,P). */
  private stateLayout(states: Float32Array, LD: number, T: number, B: number, direct: boolean): Tensor {
    const P = this.stateSize;
    if (!this.batchFirst) return new Tensor(states, [LD, T, B, P]);
    if (direct) return new Tensor(states, [LD, B, T, P]);
    const out = new Float32Array(states.length);
    for (let s = 0; s < LD; s++) out.set(swapAxes01(states.subarray(s * T * B * P, (s + 1) * T * B * P), T, B, P), s * T * B * P);
    return new Tensor(out, [LD, B, T, P]);
  }

  private checkLengths(name: string, given: ArrayLike<number> | null | undefined, T: number, B: number): Int32Array | null {
    if (given === null || given === undefined) return null;
    if (given.length !== B) throw new ShapeError(`${name}: lengths has ${given.length} entries, the batch has ${B} sequences`);
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const v = Number(given[b]);
      if (!Number.isInteger(v) || v < 1 || v > T) throw new ShapeError(`${name}: lengths[${b}] must be an integer in [1, ${T}], got ${String(given[b])}`);
      out[b] = v;
    }
    return out;
  }

  /** Whether the kernels read the input and write the output batch-first (one layer only). */
  private get batchFirstKernels(): boolean {
    return this.batchFirst && this.numLayers === 1;
  }

  /**
   * The layers as the kernels' stepper takes them (Kernels.stepper), reading
   * the current weights; null for a bidirectional stack, which cannot run a
   * step at a time.
   */
  stepLayers(): StepLayerSpec[] | null {
    if (this.bidirectional) return null;
    return this.layers.map((_, l) => ({
      kind: this.kind, I: l === 0 ? this.inputSize : this.stateSize, H: this.hiddenSize, weights: this.weights(l, 0), linearBeforeReset: this.linearBeforeReset,
    }));
  }

  private dims(T: number, B: number, I: number, batchFirst: boolean): DirectionDims {
    return { kind: this.kind, T, B, I, H: this.hiddenSize, P: this.stateSize, batchFirst, linearBeforeReset: this.linearBeforeReset };
  }

  private weights(l: number, d: number): DirectionWeights {
    const p = this.layers[l]![d]!;
    return {
      wIh: p.weightIh.data, wHh: p.weightHh.data, bIh: p.biasIh?.data ?? null, bHh: p.biasHh?.data ?? null, wHr: p.weightHr?.data ?? null,
      wPeep: p.weightPeephole?.data ?? null,
    };
  }

  private gradients(l: number, d: number): DirectionGrads {
    const p = this.layers[l]![d]!;
    return {
      wIh: p.weightIh.grad, wHh: p.weightHh.grad, bIh: p.biasIh?.grad ?? null, bHh: p.biasHh?.grad ?? null, wHr: p.weightHr?.grad ?? null,
      wPeep: p.weightPeephole?.grad ?? null,
    };
  }
}
