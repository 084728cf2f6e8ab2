/**
 * ONNX protobuf messages (the onnx-proto package: protobufjs code generated
 * from onnx.proto) and helpers to build and read tensors and attributes.
 * Reading checks every tensor's byte length against its dims before viewing
 * it, so a file that claims more than it holds is refused, not trusted.
 */
import onnxProto from 'onnx-proto';
import { FormatError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';

export const { onnx } = onnxProto;
export type ModelProto = InstanceType<typeof onnx.ModelProto>;
export type NodeProto = InstanceType<typeof onnx.NodeProto>;
export type TensorProto = InstanceType<typeof onnx.TensorProto>;
export type AttributeProto = InstanceType<typeof onnx.AttributeProto>;
export type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

/** A node with its optional protobuf fields filled in. */
export interface GraphNode {
  opType: string;
  name: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: IAttributeProto[];
}

/** A decoded graph with its optional fields filled in. */
export interface Graph {
  nodes: GraphNode[];
  initializers: ITensorProto[];
  inputs: IValueInfoProto[];
  outputs: IValueInfoProto[];
  /** the default-domain opset version (0 if absent) */
  opset: number;
}

export function graphOf(m: ModelProto, source: string): Graph {
  const g = m.graph;
  if (!g) throw new FormatError(`${source}: the model has no graph`);
  const opset = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    nodes: (g.node ?? []).map((n) => ({
      opType: n.opType ?? '', name: n.name ?? '', domain: n.domain ?? '', input: n.input ?? [], output: n.output ?? [], attribute: n.attribute ?? [],
    })),
    initializers: g.initializer ?? [],
    inputs: g.input ?? [],
    outputs: g.output ?? [],
    opset: opset ? toNumber((opset.version ?? 0) as number) : 0,
  };
}

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const INT32 = onnx.TensorProto.DataType.INT32;

/** A float tensor initializer. */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  const f = Float32Array.from(data);
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(f.buffer) });
}

/** An int64 tensor initializer. */
export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  const b = BigInt64Array.from(data.map((v) => BigInt(v)));
  return onnx.TensorProto.create({ name, dims, dataType: INT64, rawData: new Uint8Array(b.buffer) });
}

type AttrValue = number | string | number[] | string[];

/** An attribute: integers, floats and strings, or lists of them. */
export function attribute(name: string, value: AttrValue, kind: 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings'): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (kind) {
    case 'int': return onnx.AttributeProto.create({ name, type: T.INT, i: value as number });
    case 'float': return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value as number });
    case 'string': return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value as string) });
    case 'ints': return onnx.AttributeProto.create({ name, type: T.INTS, ints: value as number[] });
    case 'floats': return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: value as number[] });
    case 'strings': return onnx.AttributeProto.create({ name, type: T.STRINGS, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) });
  }
}

export function node(opType: string, inputs: string[], outputs: string[], name: string, attributes: AttributeProto[] = []): NodeProto {
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name, attribute: attributes });
}

/** A graph input or output: element type and dims (numbers, or names for dynamic dims). */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** The values of an attribute, by name, or undefined. */
export function attr(n: GraphNode, name: string): { i?: number; f?: number; s?: string; ints?: number[]; floats?: number[]; strings?: string[] } | undefined {
  const a = n.attribute.find((x) => x.name === name);
  if (!a) return undefined;
  // protobufjs leaves absent scalars at their defaults: read a field only for its attribute type.
  const T = onnx.AttributeProto.AttributeType;
  const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
  return {
    i: a.type === T.INT && a.i !== undefined && a.i !== null ? toNumber(a.i as number) : undefined,
    f: a.type === T.FLOAT ? a.f ?? undefined : undefined,
    s: a.type === T.STRING && a.s ? dec(a.s) : undefined,
    ints: a.type === T.INTS ? (a.ints ?? []).map((v) => toNumber(v as number)) : undefined,
    floats: a.type === T.FLOATS ? a.floats ?? [] : undefined,
    strings: a.type === T.STRINGS ? (a.strings ?? []).map(dec) : undefined,
  };
}

/** A tensor proto's values as float32 (from FLOAT, DOUBLE, INT64 or INT32 data), checked against its dims. */
export function readTensor(t: ITensorProto, where: string): { tensor: Tensor; isInteger: boolean } {
  const dims = (t.dims ?? []).map((d) => toNumber(d as number));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new FormatError(`${where}: tensor '${t.name}' has invalid dims [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  const type = t.dataType;
  const width = type === FLOAT || type === INT32 ? 4 : type === INT64 || type === onnx.TensorProto.DataType.DOUBLE ? 8 : 0;
  if (width === 0) throw new FormatError(`${where}: tensor '${t.name}' has data type ${type}; supported: float, double, int32, int64`);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw new FormatError(`${where}: tensor '${t.name}' keeps its data in an external file, which import does not read`);
  if (raw) {
    // Checked before anything is allocated: the dims alone are only a claim.
    if (raw.length !== count * width) throw new FormatError(`${where}: tensor '${t.name}' has dims [${dims.join(', ')}] (${count * width} bytes) but holds ${raw.length} bytes`);
    const out = new Float32Array(count);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      out[i] = type === FLOAT ? dv.getFloat32(i * 4, true) : type === INT32 ? dv.getInt32(i * 4, true) : type === INT64 ? Number(dv.getBigInt64(i * 8, true)) : dv.getFloat64(i * 8, true);
    }
    return { tensor: new Tensor(out, dims), isInteger: type === INT64 || type === INT32 };
  }
  const list: ArrayLike<number | { toNumber(): number }> = (type === FLOAT ? t.floatData : type === INT64 ? t.int64Data : type === INT32 ? t.int32Data : t.doubleData) ?? [];
  if (list.length !== count) throw new FormatError(`${where}: tensor '${t.name}' has dims [${dims.join(', ')}] (${count} values) but holds ${list.length}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = toNumber(list[i]!);
  return { tensor: new Tensor(out, dims), isInteger: type === INT64 || type === INT32 };
}

/** Decodes model bytes, turning protobuf's errors into a FormatError. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new FormatError(`${source}: not a readable ONNX model (${(e as Error).message})`);
  }
}

/**
 * A serialized TensorProto (the `input_0.pb` / `output_0.pb` files of ONNX's
 * own test data) as a tensor: float, double, int32 and int64, values as float32.
 */
export function decodeTensor(bytes: Uint8Array, source: string): { tensor: Tensor; isInteger: boolean; name: string } {
  let t: TensorProto;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new FormatError(`${source}: not a readable ONNX tensor (${(e as Error).message})`);
  }
  return { ...readTensor(t, source), name: t.name ?? '' };
}
