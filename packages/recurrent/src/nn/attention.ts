/**
 * Luong's global "dot" attention (Luong, Pham and Manning 2015), without
 * parameters: for every query q_t (a decoder output) over a memory m_s (the
 * encoder's outputs, or an image's grid of features)
 *   a_t = softmax_s(q_t . m_s)        (memory past each row's length masked)
 *   context_t = sum_s a_ts m_s
 * and the output is [context_t; q_t], for the caller's combining layer. The
 * products are the backend's GEMMs, one per batch row for each of them.
 * Forward and backward side by side; translation (models/seq2seq.ts) and
 * captioning (models/captioner.ts) share it.
 */
import { ShapeError } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

interface AttentionCache {
  B: number;
  S: number;
  T: number;
  H: number;
  memory: Float32Array; // (B,S,H)
  query: Float32Array; // (B,T,H)
  weights: Float32Array; // (B,T,S)
  lengths: Int32Array;
}

/** Attention's output, [context; query] per query, and the weights over the memory. */
export interface AttentionOutput {
  /** (B,T,2H): the context, then the query */
  output: Tensor;
  /** (B,T,S): each query's weights over the memory (zero past the row's length) */
  weights: Tensor;
}

export class DotAttention extends Module {
  /** query (B,T,H), memory (B,S,H) with each row's length (default: all S) -> [context; query] and the weights. */
  forward(query: Tensor, memory: Tensor, lengths: ArrayLike<number> | null = null): AttentionOutput {
    if (query.rank !== 3 || memory.rank !== 3) throw new ShapeError(`DotAttention.forward: query and memory must be (batch, steps, features), got [${query.shape.join(', ')}] and [${memory.shape.join(', ')}]`);
    const [B, T, H] = query.shape as [number, number, number];
    const [B2, S, H2] = memory.shape as [number, number, number];
    if (B !== B2 || H !== H2) throw new ShapeError(`DotAttention.forward: query [${query.shape.join(', ')}] and memory [${memory.shape.join(', ')}] differ in batch or features`);
    const lens = lengths ? Int32Array.from(lengths) : new Int32Array(B).fill(S);
    if (lens.length !== B) throw new ShapeError(`DotAttention.forward: ${lens.length} lengths for ${B} rows`);
    const q = query.data;
    const m = memory.data;
    const k = kernels();
    const weights = new Float32Array(B * T * S);
    const out = new Float32Array(B * T * 2 * H);
    for (let b = 0; b < B; b++) {
      const len = lens[b]!;
      if (len > 0) {
        // scores (T,len) = q_b (T,H) . m_b (len,H)^T, then a softmax along each row
        k.gemm(false, true, T, len, H, 1, q, b * T * H, H, m, b * S * H, H, 0, weights, b * T * S, S);
        for (let t = 0; t < T; t++) softmaxInPlace(weights, (b * T + t) * S, len);
        // context (T,H) = a_b (T,len) . m_b (len,H), into the first half of each output row
        k.gemm(false, false, T, H, len, 1, weights, b * T * S, S, m, b * S * H, H, 0, out, b * T * 2 * H, 2 * H);
      }
      for (let t = 0; t < T; t++) out.set(q.subarray((b * T + t) * H, (b * T + t + 1) * H), (b * T + t) * 2 * H + H);
    }
    this.pushCache({ B, S, T, H, memory: m, query: q, weights, lengths: lens } satisfies AttentionCache);
    return { output: new Tensor(out, [B, T, 2 * H]), weights: new Tensor(weights, [B, T, S]) };
  }

  /** d(loss)/d[context; query] (B,T,2H) -> the gradients of the query (B,T,H) and of the memory (B,S,H). */
  backward(gradOutput: Tensor): { gradQuery: Tensor; gradMemory: Tensor } {
    const { B, S, T, H, memory: enc, query: dec, weights: attn, lengths } = this.popCache<AttentionCache>();
    if (gradOutput.size !== B * T * 2 * H) throw new ShapeError(`DotAttention.backward: gradOutput must be [${B}, ${T}, ${2 * H}], got [${gradOutput.shape.join(', ')}]`);
    const g = gradOutput.data;
    const k = kernels();
    const gEnc = new Float32Array(B * S * H);
    const gDec = new Float32Array(B * T * H);
    const gA = new Float32Array(T * S);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      const row = b * T * 2 * H;
      // The query goes straight into the second half of [context; query].
      for (let t = 0; t < T; t++) gDec.set(g.subarray(row + t * 2 * H + H, row + (t + 1) * 2 * H), (b * T + t) * H);
      if (len === 0) continue;
      // context = a . m: d(a) = d(context) . m^T, d(m) += a^T . d(context)
      k.gemm(false, true, T, len, H, 1, g, row, 2 * H, enc, b * S * H, H, 0, gA, 0, S);
      k.gemm(true, false, len, H, T, 1, attn, b * T * S, S, g, row, 2 * H, 1, gEnc, b * S * H, H);
      // through the softmax: d(score) = a * (d(a) - sum(a * d(a)))
      for (let t = 0; t < T; t++) {
        const a = b * T * S + t * S;
        let dot = 0;
        for (let s = 0; s < len; s++) dot += attn[a + s]! * gA[t * S + s]!;
        for (let s = 0; s < len; s++) gA[t * S + s] = attn[a + s]! * (gA[t * S + s]! - dot);
      }
      // scores = q . m^T: d(q) += d(score) . m, d(m) += d(score)^T . q
      k.gemm(false, false, T, H, len, 1, gA, 0, S, enc, b * S * H, H, 1, gDec, b * T * H, H);
      k.gemm(true, false, len, H, T, 1, gA, 0, S, dec, b * T * H, H, 1, gEnc, b * S * H, H);
    }
    return { gradQuery: new Tensor(gDec, [B, T, H]), gradMemory: new Tensor(gEnc, [B, S, H]) };
  }
}

/** Softmax of x[at .. at+n) in place. */
function softmaxInPlace(x: Float32Array, at: number, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[at + i]! > max) max = x[at + i]!;
  let z = 0;
  for (let i = 0; i < n; i++) z += x[at + i] = Math.exp(x[at + i]! - max);
  for (let i = 0; i < n; i++) x[at + i]! /= z;
}
