/**
 * Fused element-wise gate math for one time step, plain TypeScript.
 * Shapes in comments: B = batch, H = hidden size. Gate blocks within a row
 * follow PyTorch's order (LSTM i,f,g,o; GRU r,z,n).
 */

export function sigmoid(x: number): number {
  // Written so that neither branch overflows for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** gates (B,4H) pre-activations -> activations; c, tanhC, m = o*tanh(c) are (B,H). */
export function lstmForward(
  B: number, H: number, gates: Float32Array, gOff: number,
  cPrev: Float32Array, cPrevOff: number, c: Float32Array, cOff: number,
  tanhC: Float32Array, tcOff: number, m: Float32Array, mOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const g0 = gOff + b * 4 * H;
    const r = b * H;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(gates[g0 + j]!);
      const fg = sigmoid(gates[g0 + H + j]!);
      const gg = Math.tanh(gates[g0 + 2 * H + j]!);
      const og = sigmoid(gates[g0 + 3 * H + j]!);
      gates[g0 + j] = ig;
      gates[g0 + H + j] = fg;
      gates[g0 + 2 * H + j] = gg;
      gates[g0 + 3 * H + j] = og;
      const ct = fg * cPrev[cPrevOff + r + j]! + ig * gg;
      const tc = Math.tanh(ct);
      c[cOff + r + j] = ct;
      tanhC[tcOff + r + j] = tc;
      m[mOff + r + j] = og * tc;
    }
  }
}

/** dm, dc (B,H) in; dc becomes dL/dc_{t-1}; dGates (B,4H) out. */
export function lstmBackward(
  B: number, H: number, gates: Float32Array, gOff: number,
  cPrev: Float32Array, cPrevOff: number, tanhC: Float32Array, tcOff: number,
  dm: Float32Array, dmOff: number, dc: Float32Array, dcOff: number,
  dGates: Float32Array, dgOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const g0 = gOff + b * 4 * H;
    const d0 = dgOff + b * 4 * H;
    const r = b * H;
    for (let j = 0; j < H; j++) {
      const ig = gates[g0 + j]!;
      const fg = gates[g0 + H + j]!;
      const gg = gates[g0 + 2 * H + j]!;
      const og = gates[g0 + 3 * H + j]!;
      const tc = tanhC[tcOff + r + j]!;
      const dmj = dm[dmOff + r + j]!;
      const dct = dc[dcOff + r + j]! + dmj * og * (1 - tc * tc);
      dGates[d0 + j] = dct * gg * ig * (1 - ig);
      dGates[d0 + H + j] = dct * cPrev[cPrevOff + r + j]! * fg * (1 - fg);
      dGates[d0 + 2 * H + j] = dct * ig * (1 - gg * gg);
      dGates[d0 + 3 * H + j] = dmj * tc * og * (1 - og);
      dc[dcOff + r + j] = dct * fg;
    }
  }
}

/** gx (B,3H) input pre-activations -> r,z,n; gh (B,3H) recurrent pre-activations; h (B,H) out. */
export function gruForward(
  B: number, H: number, gx: Float32Array, gxOff: number, gh: Float32Array, ghOff: number,
  hPrev: Float32Array, hPrevOff: number, h: Float32Array, hOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = gxOff + b * 3 * H;
    const h0 = ghOff + b * 3 * H;
    const r0 = b * H;
    for (let j = 0; j < H; j++) {
      const rg = sigmoid(gx[x0 + j]! + gh[h0 + j]!);
      const zg = sigmoid(gx[x0 + H + j]! + gh[h0 + H + j]!);
      const ng = Math.tanh(gx[x0 + 2 * H + j]! + rg * gh[h0 + 2 * H + j]!);
      gx[x0 + j] = rg;
      gx[x0 + H + j] = zg;
      gx[x0 + 2 * H + j] = ng;
      h[hOff + r0 + j] = (1 - zg) * ng + zg * hPrev[hPrevOff + r0 + j]!;
    }
  }
}

/** act (B,3H) r,z,n; dh (B,H) in; dGx, dGh (B,3H) and dhPrev = dh*z (B,H) out. */
export function gruBackward(
  B: number, H: number, act: Float32Array, actOff: number, gh: Float32Array, ghOff: number,
  hPrev: Float32Array, hPrevOff: number, dh: Float32Array, dhOff: number,
  dGx: Float32Array, dgxOff: number, dGh: Float32Array, dghOff: number,
  dhPrev: Float32Array, dhPrevOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const a0 = actOff + b * 3 * H;
    const h0 = ghOff + b * 3 * H;
    const dx0 = dgxOff + b * 3 * H;
    const dh0 = dghOff + b * 3 * H;
    const r0 = b * H;
    for (let j = 0; j < H; j++) {
      const rg = act[a0 + j]!;
      const zg = act[a0 + H + j]!;
      const ng = act[a0 + 2 * H + j]!;
      const d = dh[dhOff + r0 + j]!;
      const dan = d * (1 - zg) * (1 - ng * ng);
      const daz = d * (hPrev[hPrevOff + r0 + j]! - ng) * zg * (1 - zg);
      const dar = dan * gh[h0 + 2 * H + j]! * rg * (1 - rg);
      dGx[dx0 + j] = dar;
      dGx[dx0 + H + j] = daz;
      dGx[dx0 + 2 * H + j] = dan;
      dGh[dh0 + j] = dar;
      dGh[dh0 + H + j] = daz;
      dGh[dh0 + 2 * H + j] = dan * rg;
      dhPrev[dhPrevOff + r0 + j] = d * zg;
    }
  }
}

export function rnnForward(n: number, relu: boolean, pre: Float32Array, preOff: number, h: Float32Array, hOff: number): void {
  if (relu) for (let i = 0; i < n; i++) { const v = pre[preOff + i]!; h[hOff + i] = v > 0 ? v : 0; }
  else for (let i = 0; i < n; i++) h[hOff + i] = Math.tanh(pre[preOff + i]!);
}

export function rnnBackward(n: number, relu: boolean, h: Float32Array, hOff: number, dh: Float32Array, dhOff: number, dPre: Float32Array, dpOff: number): void {
  if (relu) for (let i = 0; i < n; i++) dPre[dpOff + i] = h[hOff + i]! > 0 ? dh[dhOff + i]! : 0;
  else for (let i = 0; i < n; i++) { const v = h[hOff + i]!; dPre[dpOff + i] = dh[dhOff + i]! * (1 - v * v); }
}
