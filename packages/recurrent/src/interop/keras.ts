/**
 * TensorFlow.js / Keras Layers models in: `model.json` (topology + weights
 * manifest) and its weight bytes -> a KerasModel that runs here with the same
 * outputs. Layers: InputLayer, Embedding, SimpleRNN, LSTM, GRU (both
 * `reset_after` conventions), Bidirectional (concat, sum, ave, mul), Dense,
 * Dropout (identity at inference).
 *
 * Keras stores kernels as (input, gates*units) with gate blocks LSTM i,f,c,o
 * (PyTorch's i,f,g,o) and GRU z,r,h (PyTorch: r,z,n). Where a layer's
 * activations are PyTorch's (tanh; sigmoid gates; GRU reset_after=true) it runs
 * on this library's recurrent modules; otherwise (tfjs's default
 * hard_sigmoid = clip(0.2x + 0.5, 0, 1), or the reset-before GRU) a plain
 * step-by-step implementation of Keras's equations runs it. `toNative` turns
 * the first kind into a LanguageModel / SequenceRegressor and checks it.
 * Browser-safe.
 */
import { FormatError } from '../errors.js';
import type { SavableModel } from '../io/model-files.js';
import type { CellKind } from '../kernels/types.js';
import { LanguageModel } from '../models/language-model.js';
import { SequenceRegressor } from '../models/sequence-regressor.js';
import { noGrad } from '../nn/grad-mode.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { KERAS_FROM_TORCH } from '../kernels/cell-kinds.js';
import { invert, reorderGates } from './onnx/gates.js';

type Activation = (x: number) => number;
const ACTIVATIONS: Record<string, Activation> = {
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hard_sigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  relu: (x) => Math.max(0, x),
  linear: (x) => x,
};
/** Keras/tfjs spell activations in snake_case or camelCase. */
const actName = (a: unknown): string => String(a ?? 'linear').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** Keras gate block k comes from PyTorch block order[k]: LSTM i,f,c,o = i,f,g,o; GRU z,r,h = z,r,n from r,z,n. */

interface WeightReader {
  next(what: string, shape: number[]): Float32Array;
}

/** (rows, cols) row-major -> (cols, rows). */
function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

interface KerasRecurrentWeights {
  /** PyTorch layout: (G*U, I), (G*U, U), (G*U), (G*U) */
  weightIh: Float32Array;
  weightHh: Float32Array;
  biasIh: Float32Array;
  biasHh: Float32Array;
}

interface RecurrentSpec {
  className: 'LSTM' | 'GRU' | 'SimpleRNN';
  name: string;
  units: number;
  activation: string;
  recurrentActivation: string;
  resetAfter: boolean;
  returnSequences: boolean;
}

function readRecurrent(spec: RecurrentSpec, inputSize: number, w: WeightReader, useBias: boolean): KerasRecurrentWeights {
  const G = spec.className === 'LSTM' ? 4 : spec.className === 'GRU' ? 3 : 1;
  const U = spec.units;
  const order = invert(KERAS_FROM_TORCH[spec.className]!);
  const kernel = w.next(`${spec.name} kernel`, [inputSize, G * U]);
  const rk = w.next(`${spec.name} recurrent_kernel`, [U, G * U]);
  let biasIh = new Float32Array(G * U);
  let biasHh = new Float32Array(G * U);
  if (useBias) {
    if (spec.className === 'GRU' && spec.resetAfter) {
      const b = w.next(`${spec.name} bias`, [2, G * U]);
      biasIh = b.slice(0, G * U);
      biasHh = b.slice(G * U);
    } else {
      biasIh = w.next(`${spec.name} bias`, [G * U]).slice();
    }
  }
  return {
    weightIh: reorderGates(transposed(kernel, inputSize, G * U), G, order),
    weightHh: reorderGates(transposed(rk, U, G * U), G, order),
    biasIh: reorderGates(biasIh, G, order),
    biasHh: reorderGates(biasHh, G, order),
  };
}

/** Whether this library's modules compute exactly Keras's equations for the layer. */
function nativeKind(spec: RecurrentSpec): CellKind | null {
  if (spec.className === 'SimpleRNN') return spec.activation === 'tanh' ? 'RNN_TANH' : spec.activation === 'relu' ? 'RNN_RELU' : null;
  if (spec.activation !== 'tanh' || spec.recurrentActivation !== 'sigmoid') return null;
  return spec.className === 'GRU' ? 'GRU' : 'LSTM';
}

/** reset_after=False (Keras' default before TF 2) is our GRU with the reset gate before the product. */
function linearBeforeReset(spec: RecurrentSpec): boolean {
  return spec.className !== 'GRU' || spec.resetAfter;
}

/**
 * Keras's recurrent equations, one step at a time, in PyTorch gate order:
 * the reference for layers this library's modules do not compute
 * (hard_sigmoid gates, also in a reset-before GRU). x is (B,T,I) -> (B,T,U).
 */
function kerasRecurrentForward(spec: RecurrentSpec, p: KerasRecurrentWeights, x: Tensor, reverse: boolean): Tensor {
  const [B, T, I] = x.shape as [number, number, number];
  const U = spec.units;
  const G = p.biasIh.length / U;
  const act = ACTIVATIONS[spec.activation]!;
  const rec = ACTIVATIONS[spec.recurrentActivation] ?? ACTIVATIONS.sigmoid!;
  const out = new Float32Array(B * T * U);
  const gi = new Float64Array(G * U);
  const gh = new Float64Array(G * U);
  for (let b = 0; b < B; b++) {
    const h = new Float64Array(U);
    const c = new Float64Array(U);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const xt = x.data.subarray((b * T + t) * I, (b * T + t + 1) * I);
      for (let g = 0; g < G * U; g++) {
        let a = p.biasIh[g]!;
        for (let i = 0; i < I; i++) a += p.weightIh[g * I + i]! * xt[i]!;
        gi[g] = a;
      }
      const resetBefore = spec.className === 'GRU' && !spec.resetAfter;
      for (let g = 0; g < G * U; g++) {
        // For the reset-before GRU, the candidate's recurrent product waits for r.
        if (resetBefore && g >= 2 * U) break;
        let a = p.biasHh[g]!;
        for (let k = 0; k < U; k++) a += p.weightHh[g * U + k]! * h[k]!;
        gh[g] = a;
      }
      if (spec.className === 'SimpleRNN') {
        for (let u = 0; u < U; u++) h[u] = act(gi[u]! + gh[u]!);
      } else if (spec.className === 'LSTM') {
        for (let u = 0; u < U; u++) {
          const ig = rec(gi[u]! + gh[u]!);
          const fg = rec(gi[U + u]! + gh[U + u]!);
          const gg = act(gi[2 * U + u]! + gh[2 * U + u]!);
          const og = rec(gi[3 * U + u]! + gh[3 * U + u]!);
          c[u] = fg * c[u]! + ig * gg;
          h[u] = og * act(c[u]!);
        }
      } else {
        const r = new Float64Array(U);
        const z = new Float64Array(U);
        for (let u = 0; u < U; u++) {
          r[u] = rec(gi[u]! + gh[u]!);
          z[u] = rec(gi[U + u]! + gh[U + u]!);
        }
        const n = new Float64Array(U);
        for (let u = 0; u < U; u++) {
          if (resetBefore) {
            let a = 0;
            for (let k = 0; k < U; k++) a += p.weightHh[(2 * U + u) * U + k]! * r[k]! * h[k]!;
            n[u] = act(gi[2 * U + u]! + a);
          } else {
            n[u] = act(gi[2 * U + u]! + r[u]! * gh[2 * U + u]!);
          }
        }
        for (let u = 0; u < U; u++) h[u] = (1 - z[u]!) * n[u]! + z[u]! * h[u]!;
      }
      for (let u = 0; u < U; u++) out[(b * T + t) * U + u] = h[u]!;
    }
  }
  return new Tensor(out, [B, T, U]);
}

type Layer =
  | { type: 'embedding'; name: string; weight: Tensor }
  | { type: 'dense'; name: string; kernel: Tensor; bias: Float32Array | null; activation: string }
  | {
    type: 'recurrent'; name: string; spec: RecurrentSpec; merge: 'concat' | 'sum' | 'ave' | 'mul' | null;
    /** per direction (forward, then backward for Bidirectional) */
    weights: KerasRecurrentWeights[]; native: RecurrentBase | null; inputSize: number;
  };

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

/** The model.json of a TensorFlow.js Layers model: its topology and weights manifest. */
export interface TfjsModelJson {
  modelTopology: { class_name?: string; config?: { layers?: LayerJson[] } | LayerJson[]; model_config?: { class_name: string; config: { layers: LayerJson[] } } };
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
  format?: string;
}

/** A TensorFlow.js Layers model read by `importTfjs`: its layers, runnable here, and convertible to a native model. */
export class KerasModel {
  constructor(readonly layers: Layer[], readonly source: string) {}

  /** x: token ids (B,T) when the model starts with an Embedding, else (B,T,F). */
  predict(x: Tensor | { data: ArrayLike<number>; shape: readonly number[] }, options: { logits?: boolean } = {}): Tensor {
    let h: Tensor = x instanceof Tensor ? x : new Tensor(Float32Array.from(x.data), [...x.shape]);
    return noGrad(() => {
      this.layers.forEach((l, i) => {
        const last = i === this.layers.length - 1;
        h = this.apply(l, h, last && options.logits === true);
      });
      return h;
    });
  }

  private apply(l: Layer, x: Tensor, skipActivation: boolean): Tensor {
    if (l.type === 'embedding') {
      const [V, E] = l.weight.shape as [number, number];
      const out = new Float32Array(x.size * E);
      for (let i = 0; i < x.size; i++) {
        const id = x.data[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= V) throw new FormatError(`${this.source}: layer '${l.name}': token id ${id} is outside [0, ${V})`);
        out.set(l.weight.data.subarray(id * E, (id + 1) * E), i * E);
      }
      return new Tensor(out, [...x.shape, E]);
    }
    if (l.type === 'dense') {
      const [I, O] = l.kernel.shape as [number, number];
      if (x.shape[x.rank - 1] !== I) throw new FormatError(`${this.source}: layer '${l.name}' expects ${I} features, got [${x.shape.join(', ')}]`);
      const rows = x.size / I;
      const out = new Float32Array(rows * O);
      const act = skipActivation ? 'linear' : l.activation;
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < O; o++) {
          let a = l.bias ? l.bias[o]! : 0;
          for (let i = 0; i < I; i++) a += x.data[r * I + i]! * l.kernel.data[i * O + o]!;
          out[r * O + o] = a;
        }
        if (act === 'softmax') {
          const row = out.subarray(r * O, (r + 1) * O);
          const m = Math.max(...row);
          let s = 0;
          for (let o = 0; o < O; o++) s += row[o] = Math.exp(row[o]! - m);
          for (let o = 0; o < O; o++) row[o]! /= s;
        } else if (act !== 'linear') {
          const f = ACTIVATIONS[act]!;
          for (let o = 0; o < O; o++) out[r * O + o] = f(out[r * O + o]!);
        }
      }
      return new Tensor(out, [...x.shape.slice(0, -1), O]);
    }
    const [B, T] = x.shape as [number, number, number];
    const U = l.spec.units;
    const D = l.weights.length;
    let seq: Tensor; // (B,T,D*U), time-aligned
    if (l.native) {
      seq = l.native.forward(x).output;
    } else {
      const dirs = l.weights.map((p, d) => kerasRecurrentForward(l.spec, p, x, d === 1));
      const out = new Float32Array(B * T * D * U);
      dirs.forEach((o, d) => {
        for (let i = 0; i < B * T; i++) out.set(o.data.subarray(i * U, (i + 1) * U), i * D * U + d * U);
      });
      seq = new Tensor(out, [B, T, D * U]);
    }
    // Keras: without return_sequences, each direction's last output (the backward one's is at t = 0).
    let y: Tensor = seq;
    let steps = T;
    if (!l.spec.returnSequences) {
      const out = new Float32Array(B * D * U);
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < D; d++) {
          const t = d === 0 ? T - 1 : 0;
          out.set(seq.data.subarray((b * T + t) * D * U + d * U, (b * T + t) * D * U + (d + 1) * U), (b * D + d) * U);
        }
      }
      y = new Tensor(out, [B, D * U]);
      steps = 1;
    }
    if (D === 1 || l.merge === 'concat') return y;
    const merged = new Float32Array(B * steps * U);
    for (let i = 0; i < B * steps; i++) {
      for (let u = 0; u < U; u++) {
        const a = y.data[i * 2 * U + u]!;
        const b = y.data[i * 2 * U + U + u]!;
        merged[i * U + u] = l.merge === 'sum' ? a + b : l.merge === 'ave' ? (a + b) / 2 : a * b;
      }
    }
    return new Tensor(merged, l.spec.returnSequences ? [B, T, U] : [B, U]);
  }

  /**
   * Embedding? -> recurrent layers (PyTorch-compatible activations, one
   * kind and size) -> Dense? as a model of ours (the Dense activation is
   * dropped: the model gives logits). Checked against predict() on a random input.
   */
  toNative(): SavableModel {
    const rec = this.layers.filter((l): l is Extract<Layer, { type: 'recurrent' }> => l.type === 'recurrent');
    const emb = this.layers[0]?.type === 'embedding' ? this.layers[0] : null;
    const dense = this.layers.at(-1)?.type === 'dense' ? (this.layers.at(-1) as Extract<Layer, { type: 'dense' }>) : null;
    const expected = (emb ? 1 : 0) + rec.length + (dense ? 1 : 0);
    const why = (m: string): FormatError => new FormatError(`${this.source}: cannot convert to a native model: ${m}; use the imported model's predict() instead`);
    if (rec.length === 0 || expected !== this.layers.length) throw why('the layers are not Embedding -> recurrent layers -> Dense');
    const first = rec[0]!;
    const kind = nativeKind(first.spec);
    if (!kind) throw why(`layer '${first.name}' uses ${first.spec.recurrentActivation} gates, which this library's cells do not compute`);
    const D = first.weights.length;
    for (const l of rec) {
      if (nativeKind(l.spec) !== kind || linearBeforeReset(l.spec) !== linearBeforeReset(first.spec) || l.spec.units !== first.spec.units || l.weights.length !== D) {
        throw why('the recurrent layers differ in cell, size or direction');
      }
      if (D === 2 && l.merge !== 'concat') throw why(`Bidirectional merge_mode '${l.merge}' (only concat stacks)`);
    }
    rec.slice(0, -1).forEach((l) => {
      if (!l.spec.returnSequences) throw why(`layer '${l.name}' does not return sequences but feeds another recurrent layer`);
    });
    const lastSeq = rec.at(-1)!.spec.returnSequences;
    const options = { hiddenSize: first.spec.units, numLayers: rec.length, mode: kind, bidirectional: D === 2, linearBeforeReset: linearBeforeReset(first.spec) };
    let model: SavableModel;
    if (emb && dense && lastSeq) {
      const [V, E] = emb.weight.shape as [number, number];
      if (dense.kernel.shape[1] !== V) throw why('the Dense layer does not have one output per token');
      model = new LanguageModel({ vocabSize: V, embeddingSize: E, ...options });
    } else if (!emb && dense && !lastSeq && D === 1) {
      model = new SequenceRegressor({ inputSize: first.inputSize, outputSize: dense.kernel.shape[1]!, ...options });
    } else {
      throw why('supported shapes are Embedding -> recurrent (return_sequences) -> Dense, and recurrent (last step, one direction) -> Dense');
    }
    const state: Record<string, Tensor> = {};
    const G = first.weights[0]!.biasIh.length / first.spec.units;
    const U = first.spec.units;
    rec.forEach((l, k) => l.weights.forEach((p, d) => {
      const sfx = `_l${k}${d === 1 ? '_reverse' : ''}`;
      state[`rnn.weight_ih${sfx}`] = new Tensor(p.weightIh, [G * U, l.inputSize]);
      state[`rnn.weight_hh${sfx}`] = new Tensor(p.weightHh, [G * U, U]);
      state[`rnn.bias_ih${sfx}`] = new Tensor(p.biasIh, [G * U]);
      state[`rnn.bias_hh${sfx}`] = new Tensor(p.biasHh, [G * U]);
    }));
    if (emb) state['embedding.weight'] = emb.weight;
    const [I, O] = dense!.kernel.shape as [number, number];
    state['head.weight'] = new Tensor(transposed(dense!.kernel.data, I, O), [O, I]);
    state['head.bias'] = new Tensor(dense!.bias ?? new Float32Array(O), [O]);
    model.loadStateDict(state);
    model.eval();
    // The check: the same random input through both.
    const rng = new Random(3);
    const x = emb
      ? new Tensor(Float32Array.from({ length: 10 }, () => rng.int(emb.weight.shape[0]!)), [2, 5])
      : new Tensor(Float32Array.from({ length: 10 * first.inputSize }, () => rng.normal()), [2, 5, first.inputSize]);
    const theirs = this.predict(x, { logits: true });
    const ours = noGrad(() => (model instanceof LanguageModel ? model.forward({ data: Int32Array.from(x.data), shape: x.shape }).logits : (model as SequenceRegressor).forward(x)));
    let err = 0;
    for (let i = 0; i < ours.size; i++) err = Math.max(err, Math.abs(ours.data[i]! - theirs.data[i]!));
    if (!(err <= 1e-4)) throw why(`outputs differ by ${err}`);
    return model;
  }
}

/** Reads model.json (parsed) and the concatenated bytes of its weight shards, in manifest order. */
export function importTfjs(modelJson: unknown, weightData: Uint8Array, source = 'model.json'): KerasModel {
  const m = modelJson as TfjsModelJson;
  if (typeof m !== 'object' || m === null || !m.modelTopology || !Array.isArray(m.weightsManifest)) {
    throw new FormatError(`${source}: not a TensorFlow.js Layers model (expected modelTopology and weightsManifest)`);
  }
  const topo = m.modelTopology.model_config ?? m.modelTopology;
  const cls = (topo as { class_name?: string }).class_name;
  if (cls !== 'Sequential') throw new FormatError(`${source}: model class '${String(cls)}': import reads Sequential models`);
  const cfg = (topo as { config?: { layers?: LayerJson[] } | LayerJson[] }).config;
  const layersJson = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(layersJson)) throw new FormatError(`${source}: no layers in the topology`);

  const specs = m.weightsManifest.flatMap((g) => (typeof g === 'object' && g !== null && Array.isArray(g.weights) ? g.weights : []));
  let at = 0;
  let byte = 0;
  const reader: WeightReader = {
    next(what, shape) {
      const s = specs[at];
      if (!s) throw new FormatError(`${source}: the weights manifest ends before ${what}`);
      if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || !Array.isArray(s.shape) || s.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
        throw new FormatError(`${source}: the weights manifest entry for ${what} needs a name, a dtype and a shape of non-negative integers`);
      }
      if (s.dtype !== 'float32') throw new FormatError(`${source}: weight '${s.name}' is ${s.dtype}; import reads float32 weights`);
      if (s.shape.join() !== shape.join()) throw new FormatError(`${source}: weight '${s.name}' has shape [${s.shape.join(', ')}], ${what} needs [${shape.join(', ')}]`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (byte + n * 4 > weightData.length) throw new FormatError(`${source}: weight '${s.name}' needs bytes ${byte}..${byte + n * 4} but the shards hold ${weightData.length}`);
      const out = new Float32Array(n);
      const dv = new DataView(weightData.buffer, weightData.byteOffset + byte, n * 4);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      at++;
      byte += n * 4;
      return out;
    },
  };
  const layers: Layer[] = [];
  let features: number | null = null;
  const isLayer = (x: unknown): x is LayerJson =>
    typeof x === 'object' && x !== null && typeof (x as LayerJson).class_name === 'string' && typeof (x as LayerJson).config === 'object' && (x as LayerJson).config !== null;
  for (const lj of layersJson as unknown[]) {
    if (!isLayer(lj)) throw new FormatError(`${source}: every layer needs a class_name and a config object`);
    const c = lj.config;
    const name = String(c.name ?? lj.class_name);
    const inputShape = (c.batch_input_shape ?? c.batchInputShape) as Array<number | null> | undefined;
    if (features === null && inputShape) features = inputShape[inputShape.length - 1] ?? null;
    const recurrentSpec = (j: LayerJson): RecurrentSpec => {
      const k = j.config;
      if (k.go_backwards || k.goBackwards) throw new FormatError(`${source}: layer '${name}': go_backwards is not supported`);
      if (k.stateful) throw new FormatError(`${source}: layer '${name}': stateful layers are not supported`);
      if (k.return_state || k.returnState) throw new FormatError(`${source}: layer '${name}': return_state is not supported`);
      const activation = actName(k.activation ?? 'tanh');
      const recurrentActivation = actName(k.recurrent_activation ?? k.recurrentActivation ?? 'hard_sigmoid');
      for (const a of [activation, recurrentActivation]) if (!ACTIVATIONS[a]) throw new FormatError(`${source}: layer '${name}': activation '${a}' is not supported (${Object.keys(ACTIVATIONS).join(', ')})`);
      return {
        className: j.class_name as RecurrentSpec['className'], name: String(k.name ?? j.class_name), units: Number(k.units),
        activation, recurrentActivation, resetAfter: Boolean(k.reset_after ?? k.resetAfter ?? false),
        returnSequences: Boolean(k.return_sequences ?? k.returnSequences ?? false),
      };
    };
    switch (lj.class_name) {
      case 'InputLayer':
        continue;
      case 'Dropout':
      case 'SpatialDropout1D':
        continue;
      case 'Embedding': {
        if (c.mask_zero || c.maskZero) throw new FormatError(`${source}: layer '${name}': mask_zero is not supported (pad at the end and pass lengths to the native model instead)`);
        const V = Number(c.input_dim ?? c.inputDim);
        const E = Number(c.output_dim ?? c.outputDim);
        layers.push({ type: 'embedding', name, weight: new Tensor(reader.next(`${name} embeddings`, [V, E]), [V, E]) });
        features = E;
        break;
      }
      case 'LSTM':
      case 'GRU':
      case 'SimpleRNN':
      case 'Bidirectional': {
        const bidir = lj.class_name === 'Bidirectional';
        const inner = bidir ? (c.layer as LayerJson) : lj;
        if (!isLayer(inner)) throw new FormatError(`${source}: layer '${name}': the Bidirectional wrapper needs the wrapped layer's class_name and config`);
        if (!['LSTM', 'GRU', 'SimpleRNN'].includes(inner.class_name)) throw new FormatError(`${source}: layer '${name}': Bidirectional over '${inner.class_name}' is not supported`);
        const spec = recurrentSpec(inner);
        if (features === null) throw new FormatError(`${source}: layer '${name}': the input size is unknown (no batch_input_shape before it)`);
        const useBias = (inner.config.use_bias ?? inner.config.useBias ?? true) !== false;
        const inputSize = features;
        const weights = (bidir ? [0, 1] : [0]).map(() => readRecurrent(spec, inputSize, reader, useBias));
        const merge = bidir ? (String(c.merge_mode ?? c.mergeMode ?? 'concat') as 'concat' | 'sum' | 'ave' | 'mul') : null;
        if (merge && !['concat', 'sum', 'ave', 'mul'].includes(merge)) throw new FormatError(`${source}: layer '${name}': merge_mode '${merge}' is not supported`);
        const kind = nativeKind(spec);
        let native: RecurrentBase | null = null;
        if (kind) {
          native = createRecurrent(kind, { inputSize, hiddenSize: spec.units, bidirectional: bidir, batchFirst: true, linearBeforeReset: linearBeforeReset(spec) });
          const state: Record<string, Tensor> = {};
          const G = weights[0]!.biasIh.length / spec.units;
          weights.forEach((p, d) => {
            const sfx = `_l0${d === 1 ? '_reverse' : ''}`;
            state[`weight_ih${sfx}`] = new Tensor(p.weightIh, [G * spec.units, inputSize]);
            state[`weight_hh${sfx}`] = new Tensor(p.weightHh, [G * spec.units, spec.units]);
            state[`bias_ih${sfx}`] = new Tensor(p.biasIh, [G * spec.units]);
            state[`bias_hh${sfx}`] = new Tensor(p.biasHh, [G * spec.units]);
          });
          native.loadStateDict(state);
          native.eval();
        }
        layers.push({ type: 'recurrent', name, spec, merge, weights, native, inputSize });
        features = spec.units * (bidir && merge === 'concat' ? 2 : 1);
        break;
      }
      case 'Dense': {
        if (features === null) throw new FormatError(`${source}: layer '${name}': the input size is unknown`);
        const units = Number(c.units);
        const useBias = (c.use_bias ?? c.useBias ?? true) !== false;
        const activation = actName(c.activation);
        if (activation !== 'softmax' && !ACTIVATIONS[activation]) throw new FormatError(`${source}: layer '${name}': activation '${activation}' is not supported`);
        const kernel = new Tensor(reader.next(`${name} kernel`, [features, units]), [features, units]);
        layers.push({ type: 'dense', name, kernel, bias: useBias ? reader.next(`${name} bias`, [units]) : null, activation });
        features = units;
        break;
      }
      default:
        throw new FormatError(`${source}: layer '${name}' of class '${lj.class_name}' is not supported (InputLayer, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Dense, Dropout)`);
    }
  }
  if (at !== specs.length) throw new FormatError(`${source}: the manifest lists ${specs.length} weights but the layers use ${at}`);
  if (byte !== weightData.length) throw new FormatError(`${source}: the weight shards hold ${weightData.length} bytes, the manifest describes ${byte}`);
  return new KerasModel(layers, source);
}
