/**
 * Recurrent weights kept packed in WebAssembly memory across inference
 * calls. The kernels pack W_ih and W_hh (transposed into 8-column strips)
 * before the time loop; at batch 1 and few steps (generating text one token
 * at a time) that costs as much as the steps themselves. An entry keeps a
 * bit-exact copy of the weights it packed: a call whose weights still match
 * it reuses the packs (one SIMD compare over the weights, which the call
 * copies in anyway), any other repacks. So an entry is never stale, however
 * the weights were changed. Training calls, whose weights change every step,
 * do not use it.
 */
import type { Arena } from './arena.js';

/** Floats that assembly/gemm.ts packB / packBT need for a (K x N) matrix: strips of 8 columns. */
export function packedSize(K: number, N: number): number {
  return Math.ceil(N / 8) * 8 * K;
}

export interface PackEntry {
  /** the weights last packed, concatenated */
  raw: number;
  rawFloats: number;
  /** one pack per thread part */
  packed: number[];
  packFloats: number[];
  /** whether `packed` holds the packs of `raw` */
  valid: boolean;
}

/** At most this much memory for lasting blocks; past it, calls pack as before. */
const MAX_BYTES = 256 * 2 ** 20;

export class PackCache {
  private readonly entries = new WeakMap<Float32Array, Map<string, PackEntry>>();
  // When a model's weights are collected, their entries' memory serves later entries.
  private readonly registry = new FinalizationRegistry<Map<string, PackEntry>>((byLayout) => {
    for (const e of byLayout.values()) {
      this.arena.release(e.raw, e.rawFloats);
      e.packed.forEach((p, i) => this.arena.release(p, e.packFloats[i]!));
    }
  });

  constructor(
    private readonly arena: Arena,
    private readonly equalBytes: (a: number, b: number, bytes: number) => number,
  ) {}

  /**
   * The entry for weights identified by `anchor` (their W_hh) in a layout
   * (kind, sizes, thread parts), made if new; null past the memory budget.
   * Call right after `arena.reset()`, before the call allocates.
   */
  lookup(anchor: Float32Array, layout: string, rawFloats: number, packFloats: number[]): PackEntry | null {
    let byLayout = this.entries.get(anchor);
    const found = byLayout?.get(layout);
    if (found) return found;
    const bytes = 4 * (rawFloats + packFloats.reduce((a, b) => a + b, 0));
    if (this.arena.lastingBytes + bytes > MAX_BYTES) return null;
    const entry: PackEntry = {
      raw: this.arena.allocLasting(rawFloats), rawFloats,
      packed: packFloats.map((n) => this.arena.allocLasting(n)), packFloats, valid: false,
    };
    if (!byLayout) {
      byLayout = new Map();
      this.entries.set(anchor, byLayout);
      this.registry.register(anchor, byLayout);
    }
    byLayout.set(layout, entry);
    return entry;
  }

  /**
   * Whether the entry's packs belong to the weights now at `ptrs` (arena
   * copies, `lengths` floats each). If not, records them as the entry's
   * weights; the caller packs into entry.packed and then calls `packed`.
   */
  matches(entry: PackEntry, ptrs: number[], lengths: number[]): boolean {
    let off = entry.raw;
    let same = entry.valid;
    for (let i = 0; i < ptrs.length && same; i++) {
      same = this.equalBytes(ptrs[i]!, off, lengths[i]! * 4) === 1;
      off += lengths[i]! * 4;
    }
    if (same) return true;
    entry.valid = false;
    off = entry.raw;
    for (let i = 0; i < ptrs.length; i++) {
      this.arena.f32(off, lengths[i]!).set(this.arena.f32(ptrs[i]!, lengths[i]!));
      off += lengths[i]! * 4;
    }
    return false;
  }

  /** The call packed the entry's weights into entry.packed. */
  packed(entry: PackEntry): void {
    entry.valid = true;
  }
}
