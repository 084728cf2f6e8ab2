/**
 * The WebAssembly backend's KernelStepper: a stack of layers and its head run
 * one step at a time by assembly/step.ts, for decoding. Everything a step
 * touches (the packed weights, the biases, the state, the input and the
 * logits) lives in one lasting block of wasm memory, laid out once, so a step
 * is one call with no copy in or out and no allocation. With a second thread
 * and enough work per step, each thread owns half of every layer's hidden
 * units and half of the head's columns (as assembly/units.ts does for a
 * whole sequence at batch 1).
 */
import { ConfigError } from '../../errors.js';
import { gateCount } from '../cell-kinds.js';
import type { KernelStepper, StepperSpec } from '../types.js';
import type { Arena } from './arena.js';
import { packedSize } from './pack-cache.js';
import { KERNEL_PARAMS } from './binary.js';

/** What the stepper needs of the backend that makes it. */
export interface StepperHost {
  arena: Arena;
  memory: WebAssembly.Memory;
  packBT(w: number, ldw: number, K: number, N: number, dst: number): void;
  /** c (M x N) = a (M x K) * b packed by packBT */
  gemmPacked(M: number, N: number, K: number, a: number, lda: number, pb: number, c: number, ldc: number): void;
  /** kind codes of assembly/kinds.ts */
  kindCode(kind: StepperSpec['layers'][number]['kind']): number;
  /** whether a second thread can take half of each step */
  canSplit: boolean;
  /** runs one stackStep call per part (the second on the worker) */
  run(calls: number[][]): void;
  /** multiply-adds per step from which a step is split (the backend's UNIT_SPLIT_MIN) */
  splitMin: number;
}

/** i32 per layer descriptor (assembly/step.ts DESC_INTS). */
const DESC_INTS = 16;
/** The barrier's flags (assembly/units.ts: 132 bytes). */
const SYNC_INTS = 36;
/**
 * The first layer looks its input product up by token when the table is at
 * most this many times the size of W_ih (which it replaces in each step's
 * reads): a character vocabulary, not a word one.
 */
const TABLE_MAX_RATIO = 4;

// A stepper dropped without dispose() gives its memory back when collected.
const unreleased = new FinalizationRegistry<() => void>((free) => free());

/** Rounded up to whole 16-byte groups, so every block is aligned for SIMD. */
function aligned(n: number): number {
  return (n + 3) & ~3;
}

/** Halves of [0, n) on 8-column borders (one part: all of it). */
function halves(n: number, parts: number): Array<[number, number]> {
  if (parts === 1) return [[0, n]];
  const half = Math.min(n, Math.round(n / 16) * 8);
  return [[0, half], [half, n]];
}

export function createStepper(host: StepperHost, spec: StepperSpec): KernelStepper {
  const { arena, memory } = host;
  const B = spec.batch;
  const L = spec.layers.length;
  const V = spec.head.V;
  if (!(Number.isInteger(B) && B >= 1)) throw new ConfigError(`stepper: batch must be a positive integer, got ${B}`);
  if (L === 0) throw new ConfigError('stepper: a stack needs at least one layer');
  spec.layers.forEach((l, i) => {
    if (i > 0 && l.I !== spec.layers[i - 1]!.H) throw new ConfigError(`stepper: layer ${i} takes ${l.I} inputs but layer ${i - 1} gives ${spec.layers[i - 1]!.H}`);
  });
  const P = spec.layers[L - 1]!.H;
  if (spec.head.weight.length !== V * P) throw new ConfigError(`stepper: the head's weight must be (${V}, ${P}), got ${spec.head.weight.length} values`);
  const work = spec.layers.reduce((s, l) => s + B * gateCount(l.kind) * l.H * (l.I + l.H), 0);
  const parts = host.canSplit && work >= host.splitMin && spec.layers.every((l) => l.H % 8 === 0 && l.H >= 16) ? 2 : 1;

  // The layout: every block's float offset within one lasting allocation.
  let size = 0;
  const take = (n: number): number => {
    const at = size;
    size += aligned(n);
    return at;
  };
  const descAt = Array.from({ length: parts }, () => take(L * DESC_INTS));
  const syncAt = take(SYNC_INTS);
  const I0 = spec.layers[0]!.I;
  const emb = spec.embedding ?? null;
  if (emb && emb.weight.length !== emb.count * I0) throw new ConfigError(`stepper: the embedding must be (${emb.count}, ${I0}), got ${emb.weight.length} values`);
  const useTable = emb !== null && emb.count <= TABLE_MAX_RATIO * I0;
  const xAt = take(B * I0);
  const tokensAt = take(B);
  const layerAt = spec.layers.map((l) => {
    const G = gateCount(l.kind);
    const units = halves(l.H, parts);
    return {
      units,
      pIh: units.map(([j0, j1]) => take(G * packedSize(l.I, j1 - j0))),
      pHh: units.map(([j0, j1]) => take(G * packedSize(l.H, j1 - j0))),
      bIh: l.weights.bIh ? take(G * l.H) : -1,
      bHh: l.weights.bHh ? take(G * l.H) : -1,
      hbuf: take(2 * B * l.H),
      c: l.kind === 'LSTM' ? take(B * l.H) : -1,
      gates: units.map(([j0, j1]) => take(B * G * (j1 - j0))),
      gh: units.map(([j0, j1]) => (l.kind === 'GRU' ? take(B * G * (j1 - j0)) : -1)),
      table: units.map(([j0, j1]) => (l === spec.layers[0] && useTable ? take(emb!.count * G * (j1 - j0)) : -1)),
    };
  });
  const cols = halves(V, parts);
  const headAt = cols.map(([v0, v1]) => (v1 > v0 ? take(packedSize(P, v1 - v0)) : -1));
  const bHeadAt = spec.head.bias ? take(V) : -1;
  const logitsAt = take(B * V);

  arena.reset();
  const base = arena.allocLasting(size);
  const addr = (at: number): number => (at < 0 ? 0 : base + 4 * at);
  const f32 = (at: number, n: number): Float32Array => arena.f32(addr(at), n);

  // Pack every weight once, from copies in the per-call area.
  spec.layers.forEach((l, li) => {
    const a = layerAt[li]!;
    const G = gateCount(l.kind);
    const wIh = arena.put(l.weights.wIh);
    const wHh = arena.put(l.weights.wHh);
    a.units.forEach(([j0, j1], p) => {
      const hw = j1 - j0;
      if (parts === 1) {
        host.packBT(wIh, l.I, l.I, G * l.H, addr(a.pIh[p]!));
        host.packBT(wHh, l.H, l.H, G * l.H, addr(a.pHh[p]!));
        return;
      }
      // hw is a multiple of 8: the G packed blocks side by side are one packed (K x G*hw) matrix.
      for (let g = 0; g < G; g++) {
        host.packBT(wIh + 4 * (g * l.H + j0) * l.I, l.I, l.I, hw, addr(a.pIh[p]!) + 4 * g * packedSize(l.I, hw));
        host.packBT(wHh + 4 * (g * l.H + j0) * l.H, l.H, l.H, hw, addr(a.pHh[p]!) + 4 * g * packedSize(l.H, hw));
      }
    });
    if (li === 0 && useTable) {
      // Every token's input product, by the same product a step would run on its embedding row.
      const e = arena.put(emb!.weight);
      a.units.forEach(([j0, j1], p) => host.gemmPacked(emb!.count, G * (j1 - j0), l.I, e, l.I, addr(a.pIh[p]!), addr(a.table[p]!), G * (j1 - j0)));
    }
    if (l.weights.bIh) f32(a.bIh, G * l.H).set(l.weights.bIh);
    if (l.weights.bHh) f32(a.bHh, G * l.H).set(l.weights.bHh);
    arena.reset();
  });
  const wHead = arena.put(spec.head.weight);
  cols.forEach(([v0, v1], p) => {
    if (v1 > v0) host.packBT(wHead + 4 * v0 * P, P, P, v1 - v0, addr(headAt[p]!));
  });
  arena.reset();
  if (spec.head.bias) f32(bHeadAt, V).set(spec.head.bias);
  // Zero state; descriptors for each thread.
  layerAt.forEach((a, li) => {
    const H = spec.layers[li]!.H;
    f32(a.hbuf, 2 * B * H).fill(0);
    if (a.c >= 0) f32(a.c, B * H).fill(0);
  });
  for (let p = 0; p < parts; p++) {
    const d = arena.i32(addr(descAt[p]!), L * DESC_INTS);
    spec.layers.forEach((l, li) => {
      const a = layerAt[li]!;
      const [j0, j1] = a.units[p]!;
      d.set([host.kindCode(l.kind), l.I, l.H, j0, j1, addr(a.pIh[p]!), addr(a.pHh[p]!), addr(a.bIh), addr(a.bHh),
        addr(a.hbuf), addr(a.c), addr(a.gates[p]!), addr(a.gh[p]!), addr(a.table[p]!)], li * DESC_INTS);
    });
  }

  const PARITY = (KERNEL_PARAMS.stackStep as readonly string[]).indexOf('parity');
  const calls = cols.map(([v0, v1], p) => {
    const named: Record<string, number> = {
      layers: L, desc: addr(descAt[p]!), B, x: addr(xAt), tokens: addr(tokensAt), parity: 0, P, pHead: addr(headAt[p]!), bHead: addr(bHeadAt),
      logits: addr(logitsAt), V, v0, v1, sync: addr(syncAt), self: p, parts,
    };
    return (KERNEL_PARAMS.stackStep as readonly string[]).map((k) => named[k]!);
  });
  let parity = 0;
  let disposed = false;

  // Views, made again only when the memory has grown (a grown memory detaches them).
  let buffer: ArrayBufferLike | null = null;
  let views: { x: Float32Array; tokens: Int32Array; logits: Float32Array; sync: Int32Array; h: Float32Array[][]; c: Array<Float32Array | null> } | null = null;
  const fresh = (): NonNullable<typeof views> => {
    if (disposed) throw new ConfigError('stepper: used after dispose()');
    if (views && buffer === memory.buffer) return views;
    buffer = memory.buffer;
    views = {
      x: f32(xAt, B * I0),
      tokens: arena.i32(addr(tokensAt), B),
      logits: f32(logitsAt, B * V),
      sync: arena.i32(addr(syncAt), SYNC_INTS),
      h: layerAt.map((a, li) => [0, 1].map((k) => f32(a.hbuf + k * B * spec.layers[li]!.H, B * spec.layers[li]!.H))),
      c: layerAt.map((a, li) => (a.c >= 0 ? f32(a.c, B * spec.layers[li]!.H) : null)),
    };
    return views;
  };
  const layer = (l: number): number => {
    if (!(Number.isInteger(l) && l >= 0 && l < L)) throw new ConfigError(`stepper: layer must be in [0, ${L}), got ${l}`);
    return l;
  };

  const stepper: KernelStepper = {
    batch: B,
    threads: parts,
    input: () => {
      if (emb) throw new ConfigError('stepper: a stepper with an embedding takes tokens(), not input()');
      return fresh().x;
    },
    tokens: () => {
      if (!emb) throw new ConfigError('stepper: a stepper without an embedding takes input(), not tokens()');
      return fresh().tokens;
    },
    logits: () => fresh().logits,
    h: (l) => fresh().h[layer(l)]![parity]!,
    c: (l) => fresh().c[layer(l)]!,
    step(): void {
      const v = fresh();
      if (emb) {
        for (let b = 0; b < B; b++) {
          const id = v.tokens[b]!;
          if (!(id >= 0 && id < emb.count)) throw new ConfigError(`stepper: token ids must be in [0, ${emb.count}), got ${id}`);
          // Without the table, the embedding row is the first layer's input.
          if (!useTable) for (let j = 0; j < I0; j++) v.x[b * I0 + j] = emb.weight[id * I0 + j]!;
        }
      }
      v.sync.fill(0);
      for (const c of calls) c[PARITY] = parity;
      host.run(calls);
      parity = 1 - parity;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      unreleased.unregister(stepper);
      arena.release(base, size);
    },
  };
  unreleased.register(stepper, () => arena.release(base, size), stepper);
  return stepper;
}
