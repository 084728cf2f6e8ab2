/**
 * safetensors, read and written: 8-byte little-endian header length N, N bytes
 * of JSON ({name: {dtype, shape, data_offsets}, __metadata__: {..strings}}),
 * then the raw little-endian data. The reader trusts nothing in the header: it
 * checks every length and offset against the bytes actually present before it
 * allocates or reads anything.
 */
import { DTypeError, FormatError } from '../errors.js';
import { Tensor, sizeOf } from '../tensor/tensor.js';

/** The safetensors element types this library reads. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<DType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** One stored tensor: its dtype, shape and raw bytes (a view into the file). */
export interface StoredTensor {
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
}

/** A parsed safetensors file: tensor names, shapes and data types, values read on demand as float32. */
export class SafetensorsFile {
  constructor(
    readonly tensors: ReadonlyMap<string, StoredTensor>,
    readonly metadata: Readonly<Record<string, string>>,
    /** where this came from, for messages */
    readonly source = 'safetensors',
  ) {}

  /** Whether the file holds a tensor of that name. */
  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The tensors' names, in the file's order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  private get(name: string): StoredTensor {
    const t = this.tensors.get(name);
    if (!t) throw new FormatError(`${this.source}: no tensor '${name}' (it has: ${this.names().join(', ') || 'none'})`);
    return t;
  }

  /** The tensor as float32 (converting F64, F16, BF16 and integer types). */
  float32(name: string): Tensor {
    const t = this.get(name);
    const n = sizeOf(t.shape);
    const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    const out = new Float32Array(n);
    switch (t.dtype) {
      case 'F32': for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true); break;
      case 'F64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true); break;
      case 'F16': for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true)); break;
      case 'BF16': {
        const tmp = new DataView(new ArrayBuffer(4));
        for (let i = 0; i < n; i++) { tmp.setUint32(0, dv.getUint16(i * 2, true) << 16); out[i] = tmp.getFloat32(0); }
        break;
      }
      default: {
        const ints = this.integers(name);
        for (let i = 0; i < n; i++) out[i] = ints[i]!;
      }
    }
    return new Tensor(out, t.shape);
  }

  /** The tensor as 32-bit integers (from I64, I32, I16, I8, U8, BOOL); values beyond int32 throw. */
  integers(name: string): Int32Array {
    const t = this.get(name);
    const n = sizeOf(t.shape);
    const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let v: number;
      switch (t.dtype) {
        case 'I64': {
          const big = dv.getBigInt64(i * 8, true);
          if (big > 2147483647n || big < -2147483648n) throw new FormatError(`${this.source}: '${name}'[${i}] = ${big} does not fit in int32`);
          v = Number(big);
          break;
        }
        case 'I32': v = dv.getInt32(i * 4, true); break;
        case 'I16': v = dv.getInt16(i * 2, true); break;
        case 'I8': v = dv.getInt8(i); break;
        case 'U8': case 'BOOL': v = dv.getUint8(i); break;
        default: throw new DTypeError(`${this.source}: '${name}' has dtype ${t.dtype}, expected an integer dtype (I64, I32, I16, I8, U8, BOOL)`);
      }
      out[i] = v;
    }
    return out;
  }

  /** A tensor's shape; a FormatError if there is no such tensor. */
  shape(name: string): number[] {
    return [...this.get(name).shape];
  }

  /** A tensor's data type; a FormatError if there is no such tensor. */
  dtype(name: string): DType {
    return this.get(name).dtype;
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Largest header accepted: 100 MB, as the reference implementation. */
const MAX_HEADER = 100_000_000;

/** Parses safetensors bytes; every problem is a FormatError saying what and where. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (bytes.byteLength < 8) throw new FormatError(`${source}: file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.byteLength - 8)) {
    throw new FormatError(`${source}: header length ${headerLen} points past the end of the file (${bytes.byteLength - 8} bytes follow the length)`);
  }
  if (headerLen > BigInt(MAX_HEADER)) throw new FormatError(`${source}: header length ${headerLen} exceeds the ${MAX_HEADER}-byte limit`);
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new FormatError(`${source}: header (bytes 8..${8 + n}) is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new FormatError(`${source}: header must be a JSON object`);
  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Object.values(entry).some((v) => typeof v !== 'string')) {
        throw new FormatError(`${source}: __metadata__ must map names to strings`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const where = `${source}: tensor '${name}'`;
    if (typeof entry !== 'object' || entry === null) throw new FormatError(`${where}: entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) throw new FormatError(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(BYTES).join(', ')})`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new FormatError(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      throw new FormatError(`${where}: data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) throw new FormatError(`${where}: data_offsets [${begin}, ${end}] lie outside the ${dataLen} data bytes`);
    const want = (shape as number[]).reduce((a, d) => a * d, 1) * BYTES[dtype as DType];
    if (want !== end - begin) throw new FormatError(`${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${want} bytes, data_offsets give ${end - begin}`);
    tensors.set(name, { dtype: dtype as DType, shape: shape as number[], bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return new SafetensorsFile(tensors, metadata, source);
}

/** A tensor to write: float32 by default, or integer ids as I64. */
export type WritableTensor = Tensor | { dtype: 'I64' | 'I32'; shape: readonly number[]; data: ArrayLike<number> };

/** Serialises tensors (in the given order) and string metadata to safetensors bytes. */
export function serializeSafetensors(tensors: Record<string, WritableTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const parts: Array<{ dtype: DType; data: ArrayLike<number>; start: number }> = [];
  for (const [name, t] of Object.entries(tensors)) {
    const dtype: DType = t instanceof Tensor ? 'F32' : t.dtype;
    const n = t instanceof Tensor ? t.size : sizeOf(t.shape);
    if (t.data.length !== n) throw new FormatError(`serializeSafetensors: '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const len = n * BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + len] };
    parts.push({ dtype, data: t.data, start: offset });
    offset += len;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8 !== 0) json += ' ';
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  const base = 8 + head.length;
  for (const p of parts) {
    for (let i = 0; i < p.data.length; i++) {
      const at = base + p.start + i * BYTES[p.dtype];
      if (p.dtype === 'F32') dv.setFloat32(at, p.data[i]!, true);
      else if (p.dtype === 'I32') dv.setInt32(at, p.data[i]!, true);
      else dv.setBigInt64(at, BigInt(p.data[i]!), true);
    }
  }
  return out;
}
