/**
 * ONNX protobuf messages, and helpers to build and read tensors and attributes.
 *
 * The messages are onnx_pb.ts, generated from onnx.proto for @bufbuild/protobuf
 * (scripts/gen-onnx-proto.sh). That runtime was chosen over protobufjs (which
 * the onnx-proto package pulls in, 22 MB with its own CLI, an install script
 * and @types/node) because it is maintained, has no dependencies and no install
 * script, is ESM with types, and reads int64 as bigint rather than through
 * `long`. It is an optional peer dependency: only `recurrent-nn/onnx` loads it.
 *
 * Reading checks every tensor's byte length against its dims before viewing
 * it, so a file that claims more than it holds is refused, not trusted.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FormatError, formatShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  type AttributeProto, AttributeProtoSchema, AttributeProto_AttributeType as AttrType, type ModelProto, ModelProtoSchema, type NodeProto, NodeProtoSchema,
  type TensorProto, TensorProtoSchema, TensorProto_DataLocation, TensorProto_DataType as DataType, type ValueInfoProto, ValueInfoProtoSchema,
  type GraphProto,
} from './onnx_pb.js';

export type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto };

/** A node as the importer reads it. */
export interface GraphNode {
  opType: string;
  name: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

/** A decoded graph. */
export interface Graph {
  nodes: GraphNode[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  /** the default-domain opset version (0 if absent) */
  opset: number;
}

export function graphOf(m: ModelProto, source: string): Graph {
  const g = m.graph;
  if (!g) throw new FormatError(`${source}: the model has no graph`);
  const opset = m.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    nodes: g.node.map((n) => ({ opType: n.opType, name: n.name, domain: n.domain, input: n.input, output: n.output, attribute: n.attribute })),
    initializers: g.initializer,
    inputs: g.input,
    outputs: g.output,
    opset: opset ? Number(opset.version) : 0,
  };
}

export const FLOAT: number = DataType.FLOAT;
export const INT64: number = DataType.INT64;
export const INT32: number = DataType.INT32;
const DOUBLE: number = DataType.DOUBLE;

/** Whether an element type (a TensorProto data type) holds integers the importer reads as int64. */
export function isIntegerType(t: number): boolean {
  return t === INT64 || t === INT32;
}

/** A float tensor initializer. */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  const f = Float32Array.from(data);
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: FLOAT, rawData: new Uint8Array(f.buffer) });
}

/** An int64 tensor initializer. */
export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  const b = BigInt64Array.from(data.map((v) => BigInt(v)));
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: INT64, rawData: new Uint8Array(b.buffer) });
}

type AttrValue = number | string | number[] | string[];

/** An attribute: integers, floats and strings, or lists of them. */
export function attribute(name: string, value: AttrValue, kind: 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings'): AttributeProto {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  switch (kind) {
    case 'int': return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(value as number) });
    case 'float': return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value as number });
    case 'string': return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: enc(value as string) });
    case 'ints': return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: (value as number[]).map(BigInt) });
    case 'floats': return create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: value as number[] });
    case 'strings': return create(AttributeProtoSchema, { name, type: AttrType.STRINGS, strings: (value as string[]).map(enc) });
  }
}

export function node(opType: string, inputs: string[], outputs: string[], name: string, attributes: AttributeProto[] = []): NodeProto {
  return create(NodeProtoSchema, { opType, input: inputs, output: outputs, name, attribute: attributes });
}

/** A graph input or output: element type and dims (numbers, or names for dynamic dims). */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType,
          shape: { dim: dims.map((d) => ({ value: typeof d === 'number' ? { case: 'dimValue' as const, value: BigInt(d) } : { case: 'dimParam' as const, value: d } })) },
        },
      },
    },
  });
}

/** A graph input or output's element type and dims (names for dynamic dims, '?' for unknown ones); null for a non-tensor. */
export function tensorTypeOf(v: ValueInfoProto): { elemType: number; dims: Array<number | string> } | null {
  const t = v.type?.value;
  if (t?.case !== 'tensorType') return null;
  const dims = (t.value.shape?.dim ?? []).map((d) => (d.value.case === 'dimParam' ? d.value.value : d.value.case === 'dimValue' ? Number(d.value.value) : '?'));
  return { elemType: t.value.elemType, dims };
}

/** A whole model, ready to serialize. */
export function modelBytes(init: { producerName: string; producerVersion: string; opset: number; graph: Pick<GraphProto, 'name' | 'node' | 'initializer' | 'input' | 'output'> }): Uint8Array {
  const m = create(ModelProtoSchema, {
    irVersion: 7n, producerName: init.producerName, producerVersion: init.producerVersion,
    opsetImport: [{ domain: '', version: BigInt(init.opset) }], graph: init.graph,
  });
  return toBinary(ModelProtoSchema, m);
}

/** The values of an attribute, by name, or undefined. */
export function attr(n: GraphNode, name: string): { i?: number; f?: number; s?: string; ints?: number[]; floats?: number[]; strings?: string[] } | undefined {
  const a = n.attribute.find((x) => x.name === name);
  if (!a) return undefined;
  // Absent scalars read as their defaults: read a field only for its attribute type.
  const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
  return {
    i: a.type === AttrType.INT ? Number(a.i) : undefined,
    f: a.type === AttrType.FLOAT ? a.f : undefined,
    s: a.type === AttrType.STRING ? dec(a.s) : undefined,
    ints: a.type === AttrType.INTS ? a.ints.map(Number) : undefined,
    floats: a.type === AttrType.FLOATS ? a.floats : undefined,
    strings: a.type === AttrType.STRINGS ? a.strings.map(dec) : undefined,
  };
}

/** A tensor proto's values as float32 (from FLOAT, DOUBLE, INT64 or INT32 data), checked against its dims. */
export function readTensor(t: TensorProto, where: string): { tensor: Tensor; isInteger: boolean } {
  const dims = t.dims.map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new FormatError(`${where}: tensor '${t.name}' has invalid dims ${formatShape(dims)}`);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData.length ? t.rawData : null;
  const type = t.dataType;
  const width = type === FLOAT || type === INT32 ? 4 : type === INT64 || type === DOUBLE ? 8 : 0;
  if (width === 0) throw new FormatError(`${where}: tensor '${t.name}' has data type ${type}; supported: float, double, int32, int64`);
  if (t.dataLocation === TensorProto_DataLocation.EXTERNAL) throw new FormatError(`${where}: tensor '${t.name}' keeps its data in an external file, which import does not read`);
  if (raw) {
    // Checked before anything is allocated: the dims alone are only a claim.
    if (raw.length !== count * width) throw new FormatError(`${where}: tensor '${t.name}' has dims ${formatShape(dims)} (${count * width} bytes) but holds ${raw.length} bytes`);
    const out = new Float32Array(count);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      out[i] = type === FLOAT ? dv.getFloat32(i * 4, true) : type === INT32 ? dv.getInt32(i * 4, true) : type === INT64 ? Number(dv.getBigInt64(i * 8, true)) : dv.getFloat64(i * 8, true);
    }
    return { tensor: new Tensor(out, dims), isInteger: isIntegerType(type) };
  }
  const list: ArrayLike<number | bigint> = type === FLOAT ? t.floatData : type === INT64 ? t.int64Data : type === INT32 ? t.int32Data : t.doubleData;
  if (list.length !== count) throw new FormatError(`${where}: tensor '${t.name}' has dims ${formatShape(dims)} (${count} values) but holds ${list.length}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Number(list[i]!);
  return { tensor: new Tensor(out, dims), isInteger: isIntegerType(type) };
}

/** Decodes model bytes, turning protobuf's errors into a FormatError. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  try {
    return fromBinary(ModelProtoSchema, bytes);
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
    t = fromBinary(TensorProtoSchema, bytes);
  } catch (e) {
    throw new FormatError(`${source}: not a readable ONNX tensor (${(e as Error).message})`);
  }
  return { ...readTensor(t, source), name: t.name };
}
