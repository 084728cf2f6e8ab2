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

/**
 * gates (B,4H) pre-activations -> activations; c, tanhC, m = o*tanh(c) are (B,H).
 * With peepholes peep (3,H): i and f also see p_i*c_{t-1}, p_f*c_{t-1}, and o sees p_o*c_t.
 */
export function lstmForward(
  B: number, H: number, gates: Float32Array, gOff: number,
  cPrev: Float32Array, cPrevOff: number, c: Float32Array, cOff: number,
  tanhC: Float32Array, tcOff: number, m: Float32Array, mOff: number,
  peep: Float32Array | null = null,
): void {
  for (let b = 0; b < B; b++) {
    const g0 = gOff + b * 4 * H;
    const r = b * H;
    for (let j = 0; j < H; j++) {
      const cp = cPrev[cPrevOff + r + j]!;
      const ig = sigmoid(gates[g0 + j]! + (peep ? peep[j]! * cp : 0));
      const fg = sigmoid(gates[g0 + H + j]! + (peep ? peep[H + j]! * cp : 0));
      const gg = Math.tanh(gates[g0 + 2 * H + j]!);
      const ct = fg * cp + ig * gg;
      const og = sigmoid(gates[g0 + 3 * H + j]! + (peep ? peep[2 * H + j]! * ct : 0));
      gates[g0 + j] = ig;
      gates[g0 + H + j] = fg;
      gates[g0 + 2 * H + j] = gg;
      gates[g0 + 3 * H + j] = og;
      const tc = Math.tanh(ct);
      c[cOff + r + j] = ct;
      tanhC[tcOff + r + j] = tc;
      m[mOff + r + j] = og * tc;
    }
  }
}

/**
 * dm, dc (B,H) in; dc becomes dL/dc_{t-1}; dGates (B,4H) out. With peepholes,
 * the gradients of the peephole weights are dGates (i, f, o) times the cells
 * they saw: see peepholeGradients.
 */
export function lstmBackward(
  B: number, H: number, gates: Float32Array, gOff: number,
  cPrev: Float32Array, cPrevOff: number, tanhC: Float32Array, tcOff: number,
  dm: Float32Array, dmOff: number, dc: Float32Array, dcOff: number,
  dGates: Float32Array, dgOff: number, peep: Float32Array | null = null,
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
      const cp = cPrev[cPrevOff + r + j]!;
      const tc = tanhC[tcOff + r + j]!;
      const dmj = dm[dmOff + r + j]!;
      const dao = dmj * tc * og * (1 - og);
      // o saw c_t through its peephole, so c_t's gradient has a term through o.
      const dct = dc[dcOff + r + j]! + dmj * og * (1 - tc * tc) + (peep ? dao * peep[2 * H + j]! : 0);
      const dai = dct * gg * ig * (1 - ig);
      const daf = dct * cp * fg * (1 - fg);
      dGates[d0 + j] = dai;
      dGates[d0 + H + j] = daf;
      dGates[d0 + 2 * H + j] = dct * ig * (1 - gg * gg);
      dGates[d0 + 3 * H + j] = dao;
      dc[dcOff + r + j] = dct * fg + (peep ? dai * peep[j]! + daf * peep[H + j]! : 0);
    }
  }
}

/**
 * dPeep (3,H) += the peephole weights' gradients over N rows: i and f saw
 * c_{t-1}, o saw c_t = f*c_{t-1} + i*g (rebuilt from the activations).
 * dGates (N,4H) must be zero on inactive rows.
 */
export function peepholeGradients(N: number, H: number, act: Float32Array, cPrev: Float32Array, dGates: Float32Array, dPeep: Float32Array): void {
  for (let n = 0; n < N; n++) {
    const g0 = n * 4 * H;
    for (let j = 0; j < H; j++) {
      const cp = cPrev[n * H + j]!;
      const ct = act[g0 + H + j]! * cp + act[g0 + j]! * act[g0 + 2 * H + j]!;
      dPeep[j] += dGates[g0 + j]! * cp;
      dPeep[H + j] += dGates[g0 + H + j]! * cp;
      dPeep[2 * H + j] += dGates[g0 + 3 * H + j]! * ct;
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

/*
 * The GRU with the reset gate before the recurrent product (ONNX's default,
 * linear_before_reset=0): n = tanh(W_in x + b_in + W_hn (r*h) + b_hn). Its
 * step needs r before the product for n, so the step is two halves around a
 * second GEMM: gruResetForward, then (after gh_n = W_hn rh + b_hn) gruCandidateForward.
 */

/** gx, gh (B,3H): r and z from their pre-activations (written into gx); rh = r*hPrev (B,H). */
export function gruResetForward(
  B: number, H: number, gx: Float32Array, gxOff: number, gh: Float32Array, ghOff: number,
  hPrev: Float32Array, hPrevOff: number, rh: Float32Array, rhOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = gxOff + b * 3 * H;
    const h0 = ghOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const rg = sigmoid(gx[x0 + j]! + gh[h0 + j]!);
      gx[x0 + j] = rg;
      gx[x0 + H + j] = sigmoid(gx[x0 + H + j]! + gh[h0 + H + j]!);
      rh[rhOff + b * H + j] = rg * hPrev[hPrevOff + b * H + j]!;
    }
  }
}

/** n = tanh(gx_n + gh_n) (gh_n = W_hn rh + b_hn), written into gx; h = (1-z)*n + z*hPrev (B,H). */
export function gruCandidateForward(
  B: number, H: number, gx: Float32Array, gxOff: number, gh: Float32Array, ghOff: number,
  hPrev: Float32Array, hPrevOff: number, h: Float32Array, hOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = gxOff + b * 3 * H;
    const h0 = ghOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const zg = gx[x0 + H + j]!;
      const ng = Math.tanh(gx[x0 + 2 * H + j]! + gh[h0 + 2 * H + j]!);
      gx[x0 + 2 * H + j] = ng;
      h[hOff + b * H + j] = (1 - zg) * ng + zg * hPrev[hPrevOff + b * H + j]!;
    }
  }
}

/** act (B,3H) r,z,n; dh (B,H) in; the z and n blocks of dG (B,3H) and dhPrev = dh*z out. */
export function gruCandidateBackward(
  B: number, H: number, act: Float32Array, actOff: number, hPrev: Float32Array, hPrevOff: number,
  dh: Float32Array, dhOff: number, dG: Float32Array, dgOff: number, dhPrev: Float32Array, dhPrevOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const a0 = actOff + b * 3 * H;
    const d0 = dgOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const zg = act[a0 + H + j]!;
      const ng = act[a0 + 2 * H + j]!;
      const d = dh[dhOff + b * H + j]!;
      dG[d0 + H + j] = d * (hPrev[hPrevOff + b * H + j]! - ng) * zg * (1 - zg);
      dG[d0 + 2 * H + j] = d * (1 - zg) * (1 - ng * ng);
      dhPrev[dhPrevOff + b * H + j] = d * zg;
    }
  }
}

/** drh = dL/d(r*h) (B,H) in: the r block of dG out, and dhPrev += drh*r. */
export function gruResetBackward(
  B: number, H: number, act: Float32Array, actOff: number, hPrev: Float32Array, hPrevOff: number,
  drh: Float32Array, dG: Float32Array, dgOff: number, dhPrev: Float32Array, dhPrevOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const a0 = actOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const rg = act[a0 + j]!;
      const d = drh[b * H + j]!;
      dG[dgOff + b * 3 * H + j] = d * hPrev[hPrevOff + b * H + j]! * rg * (1 - rg);
      dhPrev[dhPrevOff + b * H + j] += d * rg;
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
