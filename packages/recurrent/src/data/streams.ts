/**
 * Token streams for truncated BPTT: the training ids are cut into B
 * contiguous streams, read T tokens at a time, so chunk k of every stream
 * continues chunk k-1 and the carried state means something.
 */
import { ConfigError, plural } from '../errors.js';
import type { IndexTensor } from '../tensor/tensor.js';

/** One truncated-BPTT chunk: input ids (B, T), next-token targets, and whether each stream starts afresh. */
export interface Chunk {
  inputs: IndexTensor;
  /** next-token targets, (B*T) */
  targets: Int32Array;
}

/** A token sequence cut into B parallel streams read T tokens at a time, so each chunk continues the last (the state carries across chunks). */
export class TokenStreams {
  /** tokens per stream (the last stream position is a target only) */
  readonly streamLength: number;
  /** chunks per pass over the data */
  readonly chunksPerEpoch: number;

  constructor(
    private readonly ids: Int32Array,
    readonly batch: number,
    readonly seqLen: number,
  ) {
    this.streamLength = Math.floor(ids.length / batch);
    this.chunksPerEpoch = Math.floor((this.streamLength - 1) / seqLen);
    if (this.chunksPerEpoch < 1) {
      throw new ConfigError(`the training text has ${plural(ids.length, 'token')}: too few for ${batch} streams of ${seqLen + 1} tokens; ` +
        'use a smaller --batch or --seq-len, or more text');
    }
  }

  /** Chunk number k (any k >= 0: epochs wrap around). */
  chunk(k: number): Chunk {
    const { batch: B, seqLen: T } = this;
    const start = (k % this.chunksPerEpoch) * T;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const base = b * this.streamLength + start;
      inputs.set(this.ids.subarray(base, base + T), b * T);
      targets.set(this.ids.subarray(base + 1, base + T + 1), b * T);
    }
    return { inputs: { data: inputs, shape: [B, T] }, targets };
  }

  /** Whether chunk k starts a new pass (the carried state should be reset). */
  startsEpoch(k: number): boolean {
    return k % this.chunksPerEpoch === 0;
  }
}
