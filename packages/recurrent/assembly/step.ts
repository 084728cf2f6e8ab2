// One decoding step of a whole stack of unidirectional layers and its linear
// head, for a batch of B rows (1 for sampling, the beam's width for beam
// search), split by hidden units across threads like units.ts: each thread
// owns units [j0, j1) of every layer and columns [v0, v1) of the head, and
// waits at a barrier after each layer for the other thread's half of that
// layer's new state, which the next layer (and the head) read whole. The
// weights stay packed across calls (src/kernels/wasm/stepper.ts packs them
// once), so a step streams each weight once and allocates nothing.
//
// Layer l's descriptor: DESC_INTS i32 at desc + 4*DESC_INTS*l (written by
// stepper.ts): kind, I, H, j0, j1, then byte addresses: pIh (this thread's
// rows of W_ih, packed as one (I x G*hw) matrix), pHh (likewise (H x G*hw)),
// bIh, bHh (whole, or 0), hbuf (two (B,H) buffers: a step reads buffer
// `parity` and writes the other, so a thread never overwrites what the other
// still reads), c (B,H), gates (B,G*hw) and gh (B,G*hw, GRU) of this thread.
// x (B,I0) is the first layer's input; logits (B,V), bias bHead (V). The
// first layer's descriptor may instead name a table (14th entry): its input
// product for every token id, (ids, G*hw) for this thread's units, made by
// the same product from the embedding rows; the step then reads row
// tokens[b] of it instead of multiplying (an embedding followed by a linear
// map is a lookup).

import { addRowVector, gemmPacked } from './gemm';
import { GRU, LSTM } from './kinds';
import { barrier, cellUnits, recurrentUnits } from './units';

const DESC_INTS = 16;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function stackStep(
  layers: i32, desc: usize, B: i32, x: usize, tokens: usize, parity: i32,
  P: i32, pHead: usize, bHead: usize, logits: usize, V: i32, v0: i32, v1: i32,
  sync: usize, self: i32, parts: i32,
): void {
  let input = x;
  for (let l = 0; l < layers; l++) {
    const d = desc + (<usize>(l * DESC_INTS) << 2);
    const kind = load<i32>(d);
    const I = load<i32>(d, 4);
    const H = load<i32>(d, 8);
    const j0 = load<i32>(d, 12);
    const j1 = load<i32>(d, 16);
    const pIh = <usize>load<u32>(d, 20);
    const pHh = <usize>load<u32>(d, 24);
    const bIh = <usize>load<u32>(d, 28);
    const bHh = <usize>load<u32>(d, 32);
    const hbuf = <usize>load<u32>(d, 36);
    const c = <usize>load<u32>(d, 40);
    const gates = <usize>load<u32>(d, 44);
    const gh = <usize>load<u32>(d, 48);
    const table = <usize>load<u32>(d, 52);
    const G = kind == LSTM ? 4 : kind == GRU ? 3 : 1;
    const hw = j1 - j0;
    const GW = G * hw;
    const hin = at(hbuf, parity * B * H);
    const hout = at(hbuf, (1 - parity) * B * H);
    // The same order of sums as directionForward: input product, biases, then the recurrent product.
    if (table) {
      for (let b = 0; b < B; b++) memory.copy(at(gates, b * GW), at(table, load<i32>(tokens + (<usize>b << 2)) * GW), <usize>GW << 2);
    } else {
      gemmPacked(B, GW, I, input, I, pIh, gates, GW, 0);
    }
    for (let g = 0; g < G; g++) {
      const gcol = at(gates, g * hw);
      if (bIh) addRowVector(B, hw, at(bIh, g * H + j0), gcol, GW);
      if (bHh && kind != GRU) addRowVector(B, hw, at(bHh, g * H + j0), gcol, GW);
    }
    recurrentUnits(kind, B, H, j0, hw, hin, pHh, bHh, gates, gh);
    for (let b = 0; b < B; b++) {
      cellUnits(kind, at(gates, b * GW), kind == GRU ? at(gh, b * GW) : 0, at(hin, b * H), at(hout, b * H), at(c, b * H), j0, j1);
    }
    barrier(sync, self, parts, l + 1);
    input = hout;
  }
  const vw = v1 - v0;
  if (vw > 0) {
    gemmPacked(B, vw, P, input, P, pHead, at(logits, v0), V, 0);
    if (bHead) addRowVector(B, vw, at(bHead, v0), at(logits, v0), V);
  }
}
