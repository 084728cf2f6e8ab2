/**
 * ONNX models in: `importOnnx` reads a file, checks every node's operator,
 * every initializer's bytes against its dims, and gives an OnnxModel that
 * runs the graph here: the LSTM/GRU/RNN nodes on this library's recurrent
 * modules (weights converted from ONNX's gate orders), the tensor operators
 * around them (ops.ts) on plain arrays.
 *
 * `toNativeModel` goes further for the common shape, embedding -> recurrent
 * layers -> linear head (as `exportOnnx` and torch.onnx write it): it builds
 * our LanguageModel / SequenceRegressor / LSTM..., trainable and savable,
 * and proves the conversion by running both on a random input.
 * Browser-safe.
 */
import { FormatError, formatShape } from '../../errors.js';
import type { CellKind } from '../../kernels/types.js';
import { LanguageModel } from '../../models/language-model.js';
import { SequenceRegressor } from '../../models/sequence-regressor.js';
import { noGrad } from '../../nn/grad-mode.js';
import type { RecurrentBase } from '../../nn/recurrent/base.js';
import { createRecurrent } from '../../nn/recurrent/modules.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { SavableModel } from '../../io/model-files.js';
import { ONNX_FROM_TORCH, invert, reorderGates } from './gates.js';
import { type Graph, type GraphNode, type ModelProto, attr, decodeModel, decodeTensor, graphOf, isIntegerType, readTensor, tensorTypeOf } from './proto.js';
import { type Value, broadcast, concat, gather, gemm, matmul, reshape, slice, squeeze, transpose, unsqueeze, value } from './ops.js';

/** The ONNX operators `importOnnx` runs. */
export const SUPPORTED_OPS = [
  'LSTM', 'GRU', 'RNN', 'Gather', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze',
  'Concat', 'Slice', 'Shape', 'Constant', 'ConstantOfShape', 'Identity', 'Cast', 'Expand', 'Tanh', 'Sigmoid', 'Relu',
] as const;

/** A graph input or output: its name, element type and dims (a name for a dynamic dim). */
export interface GraphIO {
  name: string;
  /** 'float' or 'int64' (token ids) */
  type: 'float' | 'int64';
  /** numbers, or names of dynamic dimensions */
  dims: Array<number | string>;
}

interface RecurrentNodeSpec {
  family: 'LSTM' | 'GRU' | 'RNN';
  kind: CellKind;
  hiddenSize: number;
  bidirectional: boolean;
  /** direction="reverse": one direction, reading each sequence from its last valid step */
  reverse: boolean;
  /** layout=1: X, Y, the states batch-major */
  batchMajor: boolean;
  /** GRU: linear_before_reset (ONNX's default 0 is the reset gate before the product) */
  linearBeforeReset: boolean;
  /** LSTM with input P */
  peepholes: boolean;
}

interface RecurrentNodeInfo extends RecurrentNodeSpec {
  inputSize: number;
  /** PyTorch-layout weights per direction (peephole rows p_i, p_f, p_o) */
  weights: Array<{ weightIh: Float32Array; weightHh: Float32Array; biasIh: Float32Array; biasHh: Float32Array; peephole: Float32Array | null }>;
  module: RecurrentBase;
}

/** The most elements a shape computed inside a graph may ask for (1 GiB of float32). */
const MAX_ELEMENTS = 1 << 28;

function allocatable(shape: number[], w: string): number {
  const n = shape.reduce((p, d) => p * d, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || n > MAX_ELEMENTS) throw new FormatError(`${w}: shape ${formatShape(shape)} is not a size this import allocates`);
  return n;
}

const where = (source: string, n: GraphNode, i: number): string => `${source}: node '${n.name || `#${i}`}' (${n.opType})`;

/** An ONNX graph read by `importOnnx`, run here by `run({ input })`; `toNativeModel` turns it into a native model. */
export class OnnxModel {
  readonly inputs: GraphIO[];
  readonly outputs: GraphIO[];
  private readonly constants = new Map<string, Value>();
  private readonly specs = new Map<GraphNode, RecurrentNodeSpec>();
  /** modules built from initializer weights once, and from run-time weights per run */
  private readonly built = new Map<GraphNode, { from: Value[]; info: RecurrentNodeInfo }>();

  /** @internal the decoded graph (protobuf types stay out of the published declarations) */
  readonly graph: Graph;

  /** @internal use importOnnx(bytes) */
  constructor(proto: ModelProto, readonly source: string) {
    const g = graphOf(proto, source);
    this.graph = g;
    if (g.opset < 7) throw new FormatError(`${source}: opset ${g.opset || 'missing'}: import reads the default ONNX domain at opset 7 or later`);
    g.nodes.forEach((n, i) => {
      if (n.domain && n.domain !== 'ai.onnx') throw new FormatError(`${where(source, n, i)}: operator domain '${n.domain}' is not supported`);
      if (!(SUPPORTED_OPS as readonly string[]).includes(n.opType)) {
        throw new FormatError(`${where(source, n, i)}: operator '${n.opType}' is not supported (import runs ${SUPPORTED_OPS.join(', ')})`);
      }
    });
    for (const t of g.initializers) {
      const { tensor, isInteger } = readTensor(t, `${source}: initializer`);
      this.constants.set(t.name, value(tensor.data, [...tensor.shape], isInteger));
    }
    const initNames = new Set(g.initializers.map((t) => t.name));
    const io = (v: (typeof g.inputs)[number]): GraphIO => {
      const tt = tensorTypeOf(v);
      return { name: v.name, type: tt && isIntegerType(tt.elemType) ? 'int64' : 'float', dims: tt?.dims ?? [] };
    };
    this.inputs = g.inputs.filter((v) => !initNames.has(v.name)).map(io);
    this.outputs = g.outputs.map(io);
    g.nodes.forEach((n, i) => {
      if (n.opType !== 'LSTM' && n.opType !== 'GRU' && n.opType !== 'RNN') return;
      this.specs.set(n, this.recurrentSpec(n, i));
      // Weights given as initializers are converted now (and checked); weights that are graph inputs, at run time.
      // W, R, B, P: null when the node leaves the input out, undefined when it names something not an initializer.
      const weights = [1, 2, 3, 7].map((k) => (n.input[k] ? this.constants.get(n.input[k]) : null));
      if (weights[0] && weights[1] && !weights.includes(undefined)) {
        this.recurrentModule(n, i, (k) => (n.input[k] ? this.constants.get(n.input[k]) ?? null : null));
      }
    });
  }

  private recurrentSpec(n: GraphNode, i: number): RecurrentNodeSpec {
    const w = where(this.source, n, i);
    const family = n.opType as 'LSTM' | 'GRU' | 'RNN';
    const H = attr(n, 'hidden_size')?.i;
    const direction = attr(n, 'direction')?.s ?? 'forward';
    if (!H || H <= 0) throw new FormatError(`${w}: hidden_size is required`);
    if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') throw new FormatError(`${w}: direction must be forward, reverse or bidirectional, got '${direction}'`);
    if (attr(n, 'clip')) throw new FormatError(`${w}: cell clipping ('clip') is not supported`);
    const layout = attr(n, 'layout')?.i ?? 0;
    if (layout !== 0 && layout !== 1) throw new FormatError(`${w}: layout must be 0 or 1, got ${layout}`);
    if ((attr(n, 'input_forget')?.i ?? 0) !== 0) throw new FormatError(`${w}: input_forget=1 is not supported`);
    const D = direction === 'bidirectional' ? 2 : 1;
    const acts = attr(n, 'activations')?.strings;
    let kind: CellKind = family === 'LSTM' ? 'LSTM' : family === 'GRU' ? 'GRU' : 'RNN_TANH';
    if (acts) {
      const norm = acts.map((a) => a.toLowerCase());
      const want = family === 'RNN' ? null : family === 'LSTM' ? ['sigmoid', 'tanh', 'tanh'] : ['sigmoid', 'tanh'];
      if (family === 'RNN') {
        if (norm.every((a) => a === 'relu')) kind = 'RNN_RELU';
        else if (!norm.every((a) => a === 'tanh')) throw new FormatError(`${w}: activations ${acts.join(', ')} are not supported (Tanh or Relu)`);
      } else if (!norm.every((a, k) => a === want![k % want!.length])) {
        throw new FormatError(`${w}: activations ${acts.join(', ')} are not supported (the defaults: ${want!.join(', ')})`);
      }
    }
    return {
      family, kind, hiddenSize: H, bidirectional: D === 2, reverse: direction === 'reverse', batchMajor: layout === 1,
      linearBeforeReset: family !== 'GRU' || (attr(n, 'linear_before_reset')?.i ?? 0) === 1,
      peepholes: family === 'LSTM' && Boolean(n.input[7]),
    };
  }

  /**
   * The node's module, with W, R, B and P (inputs 1, 2, 3, 7) converted from
   * ONNX's layouts; built again only when the weights are other values.
   */
  private recurrentModule(n: GraphNode, i: number, input: (k: number) => Value | null): RecurrentNodeInfo {
    const spec = this.specs.get(n)!;
    const W = input(1);
    const R = input(2);
    const B = input(3);
    const Pw = spec.peepholes ? input(7) : null;
    const from = [W, R, B, Pw].filter((v): v is Value => v !== null);
    const had = this.built.get(n);
    if (had && had.from.length === from.length && had.from.every((v, k) => v === from[k])) return had.info;
    const w = where(this.source, n, i);
    if (!W || !R) throw new FormatError(`${w}: inputs W and R are required`);
    const { family, kind, hiddenSize: H } = spec;
    const D = spec.bidirectional ? 2 : 1;
    const order = invert(ONNX_FROM_TORCH[family]);
    const G = order.length;
    if (W.shape.length !== 3 || W.shape[0] !== D || W.shape[1] !== G * H) throw new FormatError(`${w}: W is ${formatShape(W.shape)}, expected [${D}, ${G * H}, input_size]`);
    if (R.shape.join() !== [D, G * H, H].join()) throw new FormatError(`${w}: R is ${formatShape(R.shape)}, expected [${D}, ${G * H}, ${H}]`);
    if (B && B.shape.join() !== [D, 2 * G * H].join()) throw new FormatError(`${w}: B is ${formatShape(B.shape)}, expected [${D}, ${2 * G * H}]`);
    if (Pw && Pw.shape.join() !== [D, 3 * H].join()) throw new FormatError(`${w}: P is ${formatShape(Pw.shape)}, expected [${D}, ${3 * H}]`);
    const I = W.shape[2]!;
    // ONNX's P is p_i, p_o, p_f; ours p_i, p_f, p_o.
    const PEEP_FROM_ONNX = [0, 2, 1];
    const weights = Array.from({ length: D }, (_, d) => ({
      weightIh: reorderGates(W.data.subarray(d * G * H * I, (d + 1) * G * H * I), G, order),
      weightHh: reorderGates(R.data.subarray(d * G * H * H, (d + 1) * G * H * H), G, order),
      biasIh: B ? reorderGates(B.data.subarray(d * 2 * G * H, d * 2 * G * H + G * H), G, order) : new Float32Array(G * H),
      biasHh: B ? reorderGates(B.data.subarray(d * 2 * G * H + G * H, (d + 1) * 2 * G * H), G, order) : new Float32Array(G * H),
      peephole: spec.peepholes ? (Pw ? reorderGates(Pw.data.subarray(d * 3 * H, (d + 1) * 3 * H), 3, PEEP_FROM_ONNX) : new Float32Array(3 * H)) : null,
    }));
    const module = createRecurrent(kind, {
      inputSize: I, hiddenSize: H, bidirectional: D === 2, peepholes: spec.peepholes, linearBeforeReset: spec.linearBeforeReset,
    });
    const state: Record<string, Tensor> = {};
    weights.forEach((p, d) => {
      const sfx = `_l0${d === 1 ? '_reverse' : ''}`;
      state[`weight_ih${sfx}`] = new Tensor(p.weightIh, [G * H, I]);
      state[`weight_hh${sfx}`] = new Tensor(p.weightHh, [G * H, H]);
      state[`bias_ih${sfx}`] = new Tensor(p.biasIh, [G * H]);
      state[`bias_hh${sfx}`] = new Tensor(p.biasHh, [G * H]);
      if (p.peephole) state[`weight_peephole${sfx}`] = new Tensor(p.peephole, [3, H]);
    });
    module.loadStateDict(state);
    module.eval();
    const info: RecurrentNodeInfo = { ...spec, inputSize: I, weights, module };
    this.built.set(n, { from, info });
    return info;
  }

  /** Recurrent nodes in graph order, with their converted weights (initializers only: what a native model can hold). */
  recurrentNodes(): RecurrentNodeInfo[] {
    const constants = new Set(this.constants.values());
    return this.graph.nodes.flatMap((n, i) => {
      if (!this.specs.has(n)) return [];
      const had = this.built.get(n);
      if (!had || !had.from.every((v) => constants.has(v))) {
        throw new FormatError(`${where(this.source, n, i)}: its weights are graph inputs, not initializers: run it with importOnnx(...).run(), which takes them as inputs`);
      }
      return [had.info];
    });
  }

  /** Runs the graph. Inputs by name: float tensors, or token ids (any numbers) for int64 inputs. */
  run(feeds: Record<string, Tensor | { data: ArrayLike<number>; shape: readonly number[] }>): Record<string, Tensor> {
    const env = new Map<string, Value>(this.constants);
    for (const i of this.inputs) {
      const f = feeds[i.name];
      if (!f) throw new FormatError(`${this.source}: input '${i.name}' was not given (inputs: ${this.inputs.map((x) => x.name).join(', ')})`);
      if (f.shape.length !== i.dims.length) throw new FormatError(`${this.source}: input '${i.name}' must have ${i.dims.length} dimensions ${formatShape(i.dims)}, got ${formatShape(f.shape)}`);
      env.set(i.name, value(Float32Array.from(f.data), [...f.shape], i.type === 'int64'));
    }
    noGrad(() => this.graph.nodes.forEach((n, i) => this.exec(n, i, env)));
    const out: Record<string, Tensor> = {};
    for (const o of this.outputs) {
      const v = env.get(o.name);
      if (!v) throw new FormatError(`${this.source}: output '${o.name}' is never computed`);
      out[o.name] = new Tensor(v.data, v.shape);
    }
    return out;
  }

  private exec(n: GraphNode, i: number, env: Map<string, Value>): void {
    const w = where(this.source, n, i);
    const get = (k: number): Value => {
      const name = n.input[k]!;
      const v = env.get(name);
      if (!v) throw new FormatError(`${w}: input '${name}' is not computed before this node`);
      return v;
    };
    const opt = (k: number): Value | null => (n.input[k] ? get(k) : null);
    const ints = (v: Value): number[] => Array.from(v.data);
    const set = (k: number, v: Value): void => {
      if (n.output[k]) env.set(n.output[k]!, v);
    };
    switch (n.opType) {
      case 'Identity': set(0, get(0)); break;
      case 'Cast': {
        const to = attr(n, 'to')?.i;
        const x = get(0);
        const isInt = to !== undefined && isIntegerType(to);
        set(0, value(isInt ? x.data.map(Math.trunc) : x.data, x.shape, isInt));
        break;
      }
      case 'Constant': {
        const a = n.attribute.find((x) => x.name === 'value');
        if (!a?.t) throw new FormatError(`${w}: only tensor-valued Constant nodes are supported`);
        const { tensor, isInteger } = readTensor(a.t, w);
        set(0, value(tensor.data, [...tensor.shape], isInteger));
        break;
      }
      case 'ConstantOfShape': {
        const shape = ints(get(0));
        const a = n.attribute.find((x) => x.name === 'value');
        const fill = a?.t ? readTensor(a.t, w) : null;
        set(0, value(new Float32Array(allocatable(shape, w)).fill(fill ? fill.tensor.data[0]! : 0), shape, fill?.isInteger ?? false));
        break;
      }
      case 'Shape': set(0, value(Float32Array.from(get(0).shape), [get(0).shape.length], true)); break;
      case 'Gather': set(0, gather(get(0), get(1), attr(n, 'axis')?.i ?? 0, w)); break;
      case 'Transpose': set(0, transpose(get(0), attr(n, 'perm')?.ints)); break;
      case 'Reshape': set(0, reshape(get(0), get(1), w)); break;
      case 'Squeeze': set(0, squeeze(get(0), opt(1) ? ints(get(1)) : attr(n, 'axes')?.ints, w)); break;
      case 'Unsqueeze': set(0, unsqueeze(get(0), opt(1) ? ints(get(1)) : attr(n, 'axes')?.ints ?? [], w)); break;
      case 'Concat': set(0, concat(n.input.map((_, k) => get(k)), attr(n, 'axis')?.i ?? 0, w)); break;
      case 'Slice': {
        set(0, slice(get(0), ints(get(1)), ints(get(2)), opt(3) ? ints(get(3)) : undefined, opt(4) ? ints(get(4)) : undefined, w));
        break;
      }
      case 'Expand': {
        const shape = ints(get(1));
        set(0, broadcast(get(0), value(new Float32Array(allocatable(shape, w)), shape, get(0).int), (x) => x, w));
        break;
      }
      case 'Add': set(0, broadcast(get(0), get(1), (a, b) => a + b, w)); break;
      case 'Sub': set(0, broadcast(get(0), get(1), (a, b) => a - b, w)); break;
      case 'Mul': set(0, broadcast(get(0), get(1), (a, b) => a * b, w)); break;
      case 'Tanh': set(0, value(get(0).data.map(Math.tanh), get(0).shape)); break;
      case 'Sigmoid': set(0, value(get(0).data.map((x) => 1 / (1 + Math.exp(-x))), get(0).shape)); break;
      case 'Relu': set(0, value(get(0).data.map((x) => Math.max(0, x)), get(0).shape)); break;
      case 'MatMul': set(0, matmul(get(0), get(1), w)); break;
      case 'Gemm': {
        set(0, gemm(get(0), get(1), opt(2), {
          alpha: attr(n, 'alpha')?.f ?? 1, beta: attr(n, 'beta')?.f ?? 1, transA: (attr(n, 'transA')?.i ?? 0) === 1, transB: (attr(n, 'transB')?.i ?? 0) === 1,
        }, w));
        break;
      }
      case 'LSTM': case 'GRU': case 'RNN': this.execRecurrent(n, i, w, get, opt, set); break;
      default: throw new FormatError(`${w}: operator '${n.opType}' is not supported`);
    }
  }

  private execRecurrent(n: GraphNode, i: number, w: string, get: (k: number) => Value, opt: (k: number) => Value | null, set: (k: number, v: Value) => void): void {
    const info = this.recurrentModule(n, i, opt);
    const D = info.bidirectional ? 2 : 1;
    const H = info.hiddenSize;
    // layout=1 is batch-major: X (B,T,I), Y (B,T,D,H), the states (B,D,H); layout=0 is time-major, states (D,B,H).
    const major = info.batchMajor;
    const X = get(0);
    if (X.shape.length !== 3 || X.shape[2] !== info.inputSize) {
      throw new FormatError(`${w}: X is ${formatShape(X.shape)}, expected [${major ? 'batch, time' : 'time, batch'}, ${info.inputSize}]`);
    }
    const x = major ? transpose(X, [1, 0, 2]) : X;
    const [T, B] = x.shape as [number, number, number];
    const state = (k: number, name: string): Tensor | null => {
      const v = opt(k);
      if (!v) return null;
      const want = major ? [B, D, H] : [D, B, H];
      if (v.shape.join() !== want.join()) throw new FormatError(`${w}: ${name} is ${formatShape(v.shape)}, expected ${formatShape(want)}`);
      return new Tensor((major ? transpose(v, [1, 0, 2]) : v).data, [D, B, H]);
    };
    const lens = opt(4);
    if (lens && lens.data.length !== B) throw new FormatError(`${w}: sequence_lens has ${lens.data.length} entries, the batch has ${B}`);
    const h0 = state(5, 'initial_h');
    const c0 = info.family === 'LSTM' ? state(6, 'initial_c') : null;
    // direction="reverse": the forward module over each sequence reversed within its length, and its outputs put back.
    const order = (data: Float32Array, F: number): Float32Array => (info.reverse ? reverseWithin(data, T, B, F, lens?.data ?? null) : data);
    const r = info.module.forward(new Tensor(order(x.data, info.inputSize), [T, B, info.inputSize]), {
      ...(lens ? { lengths: Array.from(lens.data) } : {}),
      ...(h0 ? { h0 } : {}),
      ...(c0 ? { c0 } : {}),
    });
    // ours (T,B,D*H) -> ONNX Y (T,D,B,H), or (B,T,D,H) batch-major; states (D,B,H) or (B,D,H).
    set(0, transpose(value(order(r.output.data, D * H), [T, B, D, H]), major ? [1, 0, 2, 3] : [0, 2, 1, 3]));
    const final = (t: Tensor): Value => (major ? transpose(value(t.data, [D, B, H]), [1, 0, 2]) : value(t.data, [D, B, H]));
    set(1, final(r.hN));
    if (r.cN) set(2, final(r.cN));
  }
}

/**
 * `x` (T, B, F) with each batch row's first `lens[b]` steps (all T without
 * lengths) in reverse order and the rest as they were: ONNX's reverse
 * direction reads a sequence from its last valid step, and writes each step's
 * output where that step was.
 */
function reverseWithin(x: Float32Array, T: number, B: number, F: number, lens: ArrayLike<number> | null): Float32Array {
  const out = x.slice();
  for (let b = 0; b < B; b++) {
    const L = lens ? Math.min(T, Math.max(0, lens[b]!)) : T;
    for (let t = 0; t < L; t++) out.set(x.subarray(((L - 1 - t) * B + b) * F, ((L - 1 - t) * B + b + 1) * F), (t * B + b) * F);
  }
  return out;
}

/**
 * A serialized TensorProto (the `input_0.pb` / `output_0.pb` files of ONNX's
 * own test data) as a tensor; integer tensors say so (values as float32).
 */
export function readOnnxTensor(bytes: Uint8Array, source = 'tensor.pb'): { tensor: Tensor; isInteger: boolean; name: string } {
  return decodeTensor(bytes, source);
}

/** Reads an ONNX model's bytes: checks every operator is supported and every initializer's size against its dims; `source` names the file in errors. */
export function importOnnx(bytes: Uint8Array, source = 'model.onnx'): OnnxModel {
  return new OnnxModel(decodeModel(bytes, source), source);
}

/**
 * The graph as a model of ours, when it is embedding -> recurrent layers ->
 * linear head (or a part of that). Checked by running both on a random input:
 * a graph that does something else is refused, not approximated.
 */
export function toNativeModel(m: OnnxModel): SavableModel {
  const layers = m.recurrentNodes();
  if (layers.length === 0) throw new FormatError(`${m.source}: no LSTM, GRU or RNN node: nothing to convert`);
  const first = layers[0]!;
  const reversed = layers.findIndex((l) => l.reverse);
  if (reversed >= 0) throw new FormatError(`${m.source}: recurrent node ${reversed + 1} reads its sequence in reverse only, which no native module does; run it with importOnnx(...).run()`);
  for (const l of layers) {
    if (l.kind !== first.kind || l.hiddenSize !== first.hiddenSize || l.bidirectional !== first.bidirectional
      || l.peepholes !== first.peepholes || l.linearBeforeReset !== first.linearBeforeReset) {
      throw new FormatError(`${m.source}: recurrent nodes differ in cell, size or direction: not one stacked module`);
    }
  }
  const D = first.bidirectional ? 2 : 1;
  const H = first.hiddenSize;
  const g = m.graph;
  const init = new Map(g.initializers.map((t) => [t.name, t]));
  const floatInit = (name: string): Tensor | null => {
    const t = init.get(name);
    return t ? readTensor(t, m.source).tensor : null;
  };
  // Embedding: a Gather whose data is an initializer and whose indices are the graph input.
  const input = m.inputs[0];
  if (!input || m.inputs.length !== 1 || m.outputs.length !== 1) throw new FormatError(`${m.source}: conversion needs one input and one output`);
  const gatherNode = g.nodes.find((n) => n.opType === 'Gather' && n.input[1] === input.name && init.has(n.input[0]!));
  const embedding = input.type === 'int64' && gatherNode ? floatInit(gatherNode.input[0]!) : null;
  if (input.type === 'int64' && !embedding) throw new FormatError(`${m.source}: an int64 input without an embedding Gather`);
  // Head: the last MatMul/Gemm on an initializer, and its bias.
  const headNode = [...g.nodes].reverse().find((n) => (n.opType === 'MatMul' || n.opType === 'Gemm') && init.has(n.input[1]!));
  let headW: Tensor | null = null;
  let headB: Tensor | null = null;
  if (headNode) {
    const w = floatInit(headNode.input[1]!)!;
    const transB = headNode.opType === 'Gemm' && (attr(headNode, 'transB')?.i ?? 0) === 1;
    headW = transB ? w : new Tensor(transpose(value(w.data, [...w.shape]), [1, 0]).data, [w.shape[1]!, w.shape[0]!]);
    if (headNode.opType === 'Gemm' && headNode.input[2]) headB = floatInit(headNode.input[2]);
    const addNode = g.nodes.find((n) => n.opType === 'Add' && n.input.includes(headNode.output[0]!));
    if (!headB && addNode) headB = floatInit(addNode.input.find((x) => x !== headNode.output[0])!);
    headB ??= new Tensor(new Float32Array(headW.shape[0]!), [headW.shape[0]!]);
  }
  const mode = first.kind;
  const variant = { peepholes: first.peepholes, linearBeforeReset: first.linearBeforeReset };
  const recurrentOptions = { hiddenSize: H, numLayers: layers.length, mode, bidirectional: D === 2, ...variant };
  let model: SavableModel;
  let prefix = 'rnn.';
  if (embedding) {
    if (!headW) throw new FormatError(`${m.source}: an embedding and recurrent layers but no linear head`);
    model = new LanguageModel({ vocabSize: embedding.shape[0]!, embeddingSize: embedding.shape[1]!, ...recurrentOptions });
  } else if (headW) {
    model = new SequenceRegressor({ inputSize: first.inputSize, outputSize: headW.shape[0]!, ...recurrentOptions });
  } else {
    model = createRecurrent(mode, { inputSize: first.inputSize, hiddenSize: H, numLayers: layers.length, bidirectional: D === 2, ...variant, batchFirst: input.dims.length === 3 && input.dims[2] === first.inputSize && g.nodes[0]?.opType === 'Transpose' });
    prefix = '';
  }
  const G = layers[0]!.weights[0]!.weightIh.length / H / first.inputSize;
  const state: Record<string, Tensor> = {};
  layers.forEach((l, k) => {
    l.weights.forEach((p, d) => {
      const sfx = `_l${k}${d === 1 ? '_reverse' : ''}`;
      state[`${prefix}weight_ih${sfx}`] = new Tensor(p.weightIh, [G * H, l.inputSize]);
      state[`${prefix}weight_hh${sfx}`] = new Tensor(p.weightHh, [G * H, H]);
      state[`${prefix}bias_ih${sfx}`] = new Tensor(p.biasIh, [G * H]);
      state[`${prefix}bias_hh${sfx}`] = new Tensor(p.biasHh, [G * H]);
      if (p.peephole) state[`${prefix}weight_peephole${sfx}`] = new Tensor(p.peephole, [3, H]);
    });
  });
  if (embedding) state['embedding.weight'] = embedding;
  if (headW) {
    state['head.weight'] = headW;
    state['head.bias'] = headB!;
  }
  model.loadStateDict(state);
  model.eval();
  verifyConversion(m, model, input);
  return model;
}

function verifyConversion(m: OnnxModel, model: SavableModel, input: GraphIO): void {
  const rng = new Random(7);
  // The graph's own sizes where it fixes them (a trace-exported graph may hold batch-sized constants).
  const fixed = (k: number, otherwise: number): number => (typeof input.dims[k] === 'number' && (input.dims[k] as number) > 0 ? (input.dims[k] as number) : otherwise);
  const B = fixed(0, 2);
  const T = fixed(1, 5);
  let x: Tensor;
  if (model instanceof LanguageModel) {
    x = new Tensor(Float32Array.from({ length: B * T }, () => rng.int(model.config.vocabSize)), [B, T]);
  } else {
    const I = model instanceof SequenceRegressor ? model.config.inputSize : model.inputSize;
    x = new Tensor(Float32Array.from({ length: B * T * I }, () => rng.normal()), [B, T, I]);
  }
  const theirs = Object.values(m.run({ [input.name]: x }))[0]!;
  const ours = noGrad(() => {
    if (model instanceof LanguageModel) return model.forward({ data: Int32Array.from(x.data), shape: x.shape }).logits;
    if (model instanceof SequenceRegressor) return model.forward(x);
    return model.forward(x).output;
  });
  let err = theirs.size === ours.size ? 0 : Infinity;
  for (let i = 0; i < ours.size && err < Infinity; i++) err = Math.max(err, Math.abs(ours.data[i]! - theirs.data[i]!));
  if (!(err <= 1e-4)) {
    throw new FormatError(`${m.source}: the graph is not embedding -> recurrent layers -> linear head as this conversion reads it (outputs differ by ${err}); run it with importOnnx(...).run() instead`);
  }
}
