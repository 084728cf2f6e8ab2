/**
 * Luong's global "dot" attention (Luong, Pham and Manning 2015), without
 * parameters: for every query q_t (a decoder output) over a memory m_s (the
 * encoder's outputs, or an image's grid of features)
 *   a_t = softmax_s(q_t . m_s)        (memory past each row's length masked)
 *   context_t = sum_s a_ts m_s
 * and the output is [context_t; q_t], for the caller's combining layer.
 * Forward and backward side by side; translation (models/seq2seq.ts) and
 * captioning (models/captioner.ts) share it.
 */
import { ShapeError } from '../errors.js';
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
    const weights = new Float32Array(B * T * S);
    const out = new Float32Array(B * T * 2 * H);
    for (let b = 0; b < B; b++) {
      const len = lens[b]!;
      for (let t = 0; t < T; t++) {
        const d = q.subarray((b * T + t) * H, (b * T + t + 1) * H);
        const a = weights.subarray((b * T + t) * S, (b * T + t + 1) * S);
        let max = -Infinity;
        for (let s = 0; s < len; s++) {
          let v = 0;
          const e = (b * S + s) * H;
          for (let h = 0; h < H; h++) v += d[h]! * m[e + h]!;
          a[s] = v;
          if (v > max) max = v;
        }
        let z = 0;
        for (let s = 0; s < len; s++) z += a[s] = Math.exp(a[s]! - max);
        const row = (b * T + t) * 2 * H;
        for (let s = 0; s < len; s++) {
          a[s]! /= z;
          const e = (b * S + s) * H;
          for (let h = 0; h < H; h++) out[row + h]! += a[s]! * m[e + h]!;
        }
        out.set(d, row + H);
      }
    }
    this.pushCache({ B, S, T, H, memory: m, query: q, weights, lengths: lens } satisfies AttentionCache);
    return { output: new Tensor(out, [B, T, 2 * H]), weights: new Tensor(weights, [B, T, S]) };
  }

  /** d(loss)/d[context; query] (B,T,2H) -> the gradients of the query (B,T,H) and of the memory (B,S,H). */
  backward(gradOutput: Tensor): { gradQuery: Tensor; gradMemory: Tensor } {
    const { B, S, T, H, memory: enc, query: dec, weights: attn, lengths } = this.popCache<AttentionCache>();
    if (gradOutput.size !== B * T * 2 * H) throw new ShapeError(`DotAttention.backward: gradOutput must be [${B}, ${T}, ${2 * H}], got [${gradOutput.shape.join(', ')}]`);
    const g = gradOutput.data;
    const gEnc = new Float32Array(B * S * H);
    const gDec = new Float32Array(B * T * H);
    const gA = new Float32Array(S);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * 2 * H;
        const a = attn.subarray((b * T + t) * S, (b * T + t + 1) * S);
        const d = (b * T + t) * H;
        // The query goes straight into the second half of [context; query].
        for (let h = 0; h < H; h++) gDec[d + h]! += g[row + H + h]!;
        // context = sum_s a_s m_s
        let dot = 0;
        for (let s = 0; s < len; s++) {
          const e = (b * S + s) * H;
          let v = 0;
          for (let h = 0; h < H; h++) {
            v += g[row + h]! * enc[e + h]!;
            gEnc[e + h]! += a[s]! * g[row + h]!;
          }
          gA[s] = v;
          dot += a[s]! * v;
        }
        // softmax, then scores = q . m
        for (let s = 0; s < len; s++) {
          const gs = a[s]! * (gA[s]! - dot);
          const e = (b * S + s) * H;
          for (let h = 0; h < H; h++) {
            gDec[d + h]! += gs * enc[e + h]!;
            gEnc[e + h]! += gs * dec[d + h]!;
          }
        }
      }
    }
    return { gradQuery: new Tensor(gDec, [B, T, H]), gradMemory: new Tensor(gEnc, [B, S, H]) };
  }
}
