/**
 * The tensor operators of ONNX that recurrent models exported by this
 * library and by torch.onnx use around their LSTM/GRU/RNN nodes, on plain
 * arrays (float32 values; integer tensors carry a flag). Shapes follow the
 * ONNX operator specification (opset 14), broadcasting included.
 */
import { FormatError, formatShape } from '../../errors.js';

export interface Value {
  data: Float32Array;
  shape: number[];
  /** int64/int32 in the graph (indices, shapes) */
  int: boolean;
}

export const value = (data: Float32Array, shape: number[], int = false): Value => ({ data, shape, int });
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const strides = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
};
const axisOf = (axis: number, rank: number, where: string): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new FormatError(`${where}: axis ${axis} is out of range for rank ${rank}`);
  return a;
};

export function gather(data: Value, indices: Value, axis: number, where: string): Value {
  const a = axisOf(axis, data.shape.length, where);
  const n = data.shape[a]!;
  const outer = size(data.shape.slice(0, a));
  const inner = size(data.shape.slice(a + 1));
  const idx = Array.from(indices.data, (i) => {
    const k = i < 0 ? i + n : i;
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new FormatError(`${where}: index ${i} is out of range for a dimension of ${n}`);
    return k;
  });
  const out = new Float32Array(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    idx.forEach((k, j) => out.set(data.data.subarray((o * n + k) * inner, (o * n + k + 1) * inner), (o * idx.length + j) * inner));
  }
  return value(out, [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)], data.int);
}

export function transpose(x: Value, perm: number[] | undefined): Value {
  const r = x.shape.length;
  const p = perm ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  const shape = p.map((i) => x.shape[i]!);
  const inStrides = strides(x.shape);
  const out = new Float32Array(x.data.length);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < r; d++) src += idx[d]! * inStrides[p[d]!]!;
    out[o] = x.data[src]!;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return value(out, shape, x.int);
}

export function reshape(x: Value, shapeValue: Value, where: string): Value {
  const want = Array.from(shapeValue.data);
  const shape = want.map((d, i) => (d === 0 ? x.shape[i]! : d));
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const minus = shape.indexOf(-1);
  if (minus >= 0) shape[minus] = known > 0 ? x.data.length / known : 0;
  if (size(shape) !== x.data.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new FormatError(`${where}: cannot reshape ${formatShape(x.shape)} to ${formatShape(want)}`);
  }
  return value(x.data, shape, x.int);
}

export function squeeze(x: Value, axes: number[] | undefined, where: string): Value {
  const r = x.shape.length;
  const drop = new Set(axes ? axes.map((a) => axisOf(a, r, where)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (x.shape[a] !== 1) throw new FormatError(`${where}: cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return value(x.data, x.shape.filter((_, i) => !drop.has(i)), x.int);
}

export function unsqueeze(x: Value, axes: number[], where: string): Value {
  const r = x.shape.length + axes.length;
  const at = new Set(axes.map((a) => axisOf(a, r, where)));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(at.has(i) ? 1 : x.shape[k++]!);
  return value(x.data, shape, x.int);
}

export function concat(xs: Value[], axis: number, where: string): Value {
  const first = xs[0]!;
  const a = axisOf(axis, first.shape.length, where);
  const outer = size(first.shape.slice(0, a));
  const inners = xs.map((x) => size(x.shape.slice(a)));
  const shape = [...first.shape];
  shape[a] = xs.reduce((s, x) => s + x.shape[a]!, 0);
  const out = new Float32Array(size(shape));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    xs.forEach((x, j) => {
      out.set(x.data.subarray(o * inners[j]!, (o + 1) * inners[j]!), at);
      at += inners[j]!;
    });
  }
  return value(out, shape, first.int);
}

export function slice(x: Value, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined, where: string): Value {
  const r = x.shape.length;
  const begin = new Array<number>(r).fill(0);
  const step = new Array<number>(r).fill(1);
  const count = [...x.shape];
  (axes ?? starts.map((_, i) => i)).forEach((ax, i) => {
    const a = axisOf(ax, r, where);
    const n = x.shape[a]!;
    const s = steps?.[i] ?? 1;
    if (s === 0) throw new FormatError(`${where}: slice step 0`);
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    const b = s > 0 ? clamp(starts[i]!, 0, n) : clamp(starts[i]!, -1, n - 1);
    const e = s > 0 ? clamp(ends[i]!, 0, n) : clamp(ends[i]!, -1, n - 1);
    begin[a] = b;
    step[a] = s;
    count[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const inStrides = strides(x.shape);
  const out = new Float32Array(size(count));
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < r; d++) src += (begin[d]! + idx[d]! * step[d]!) * inStrides[d]!;
    out[o] = x.data[src]!;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < count[d]!) break;
      idx[d] = 0;
    }
  }
  return value(out, count, x.int);
}

/** Elementwise binary operator with numpy-style broadcasting. */
export function broadcast(a: Value, b: Value, f: (x: number, y: number) => number, where: string): Value {
  const r = Math.max(a.shape.length, b.shape.length);
  const pad = (s: number[]): number[] => [...new Array<number>(r - s.length).fill(1), ...s];
  const as = pad(a.shape);
  const bs = pad(b.shape);
  const shape = as.map((d, i) => {
    const e = bs[i]!;
    if (d !== e && d !== 1 && e !== 1) throw new FormatError(`${where}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
    return Math.max(d, e);
  });
  const aStr = strides(as).map((s, i) => (as[i] === 1 ? 0 : s));
  const bStr = strides(bs).map((s, i) => (bs[i] === 1 ? 0 : s));
  const out = new Float32Array(size(shape));
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < r; d++) {
      ia += idx[d]! * aStr[d]!;
      ib += idx[d]! * bStr[d]!;
    }
    out[o] = f(a.data[ia]!, b.data[ib]!);
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return value(out, shape, a.int && b.int);
}

/** MatMul: (..., M, K) x (K, N), or batched with equal batch dims; 1-D operands as numpy. */
export function matmul(a: Value, b: Value, where: string): Value {
  if (b.shape.length !== 2 || a.shape.length < 1) {
    if (a.shape.length === b.shape.length && a.shape.length > 2) return batchedMatmul(a, b, where);
    throw new FormatError(`${where}: MatMul of ${formatShape(a.shape)} and ${formatShape(b.shape)} is not supported (the second operand must be a matrix)`);
  }
  const [K, N] = b.shape as [number, number];
  const aK = a.shape[a.shape.length - 1]!;
  if (aK !== K) throw new FormatError(`${where}: MatMul inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  const M = a.data.length / K;
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = a.data[m * K + k]!;
      if (av === 0) continue;
      for (let n = 0; n < N; n++) out[m * N + n]! += av * b.data[k * N + n]!;
    }
  }
  return value(out, [...a.shape.slice(0, -1), N]);
}

function batchedMatmul(a: Value, b: Value, where: string): Value {
  const r = a.shape.length;
  const [M, K] = a.shape.slice(r - 2) as [number, number];
  const [K2, N] = b.shape.slice(r - 2) as [number, number];
  const batch = a.shape.slice(0, r - 2);
  if (K !== K2 || batch.some((d, i) => d !== b.shape[i])) throw new FormatError(`${where}: MatMul of ${formatShape(a.shape)} and ${formatShape(b.shape)}: batch or inner dimensions differ`);
  const nb = size(batch);
  const out = new Float32Array(nb * M * N);
  for (let p = 0; p < nb; p++) {
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) {
        const av = a.data[p * M * K + m * K + k]!;
        for (let n = 0; n < N; n++) out[p * M * N + m * N + n]! += av * b.data[p * K * N + k * N + n]!;
      }
    }
  }
  return value(out, [...batch, M, N]);
}

/** Gemm: alpha * A' B' + beta * C, A' and B' optionally transposed, C broadcast. */
export function gemm(a: Value, b: Value, c: Value | null, o: { alpha: number; beta: number; transA: boolean; transB: boolean }, where: string): Value {
  const A = o.transA ? transpose(a, [1, 0]) : a;
  const B = o.transB ? transpose(b, [1, 0]) : b;
  let y = matmul(A, B, where);
  if (o.alpha !== 1) y = value(y.data.map((v) => v * o.alpha), y.shape);
  if (c) y = broadcast(y, c, (u, v) => u + o.beta * v, where);
  return y;
}
