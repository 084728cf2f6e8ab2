// Register-blocked GEMM for WebAssembly SIMD (128-bit).
//
// C (M x N, row stride ldc) = [C +] op(A) (M x K) * B (K x N, row stride ldb)
// op(A) element (i, k) is at a + 4*(i*sai + k*sak): sai = lda, sak = 1 for A as
// stored; sai = 1, sak = lda for A transposed. B is always row-major (K x N):
// callers transpose weights once per call, not per step.
//
// The 4x8 tile keeps 8 accumulators in registers: V8 has ~15 vector registers
// and hoists every load in the loop body, so larger tiles spill (measured,
// ../shared/notes/kernels.md, the team notes beside this repository). Accumulate accumulator-first: add(acc, mul(a, b)).

// @ts-ignore: decorator
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// Blocking (GotoBLAS style): K in blocks of KC, M in blocks of MC. Each
// (MC x KC) block of op(A) is packed into 4-row panels, contiguous in k, so
// the micro-kernel reads A sequentially whatever its layout (transposed or
// not), and the block stays in L2 while every 8-column strip of B (KC x 8, in
// L1) passes over it.
const MC = 64;
const KC = 256;

/**
 * Per-instance scratch, set once by the host: the packed A block (MC*KC
 * floats) and, after it, a 32-byte tile. Each thread's instance has its own,
 * since all of them share one memory.
 */
let packA: usize = 0;
let TILE: usize = 0;

export function setScratch(ptr: usize): void {
  packA = ptr;
  TILE = ptr + (<usize>(MC * KC) << 2);
}

export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, sai: i32, sak: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: i32,
): void {
  if (K == 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, <usize>N << 2);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0 ? 1 : 0;
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = min(MC, M - i0);
      pack(mc, kc, a + ((<usize>i0 * sai + <usize>k0 * sak) << 2), sai, sak);
      block(mc, N, kc, b + ((<usize>k0 * ldb) << 2), ldb, c + ((<usize>i0 * ldc) << 2), ldc, acc);
    }
  }
}

/** Packs op(A)[0..mc, 0..kc] as panels of 4 rows: packA[(p*kc + k)*4 + r]; short panels padded with 0. */
function pack(mc: i32, kc: i32, a: usize, sai: i32, sak: i32): void {
  const sa = <usize>sai << 2;
  const sk = <usize>sak << 2;
  let dst = packA;
  for (let p = 0; p < mc; p += 4) {
    const rows = min(4, mc - p);
    const base = a + <usize>p * sa;
    if (rows == 4) {
      let src = base;
      for (let k = 0; k < kc; k++) {
        store<f32>(dst, load<f32>(src));
        store<f32>(dst, load<f32>(src + sa), 4);
        store<f32>(dst, load<f32>(src + 2 * sa), 8);
        store<f32>(dst, load<f32>(src + 3 * sa), 12);
        src += sk;
        dst += 16;
      }
    } else {
      let src = base;
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < 4; r++) store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(src + <usize>r * sa) : 0);
        src += sk;
        dst += 16;
      }
    }
  }
}

/** C[0..mc, 0..N] (+)= packed A (mc x kc) * B (kc x N). */
function block(mc: i32, N: i32, kc: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  const panelBytes = <usize>kc << 4;
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const bj = b + (<usize>j << 2);
    for (let p = 0; p < mc; p += 4) {
      const rows = min(4, mc - p);
      const cj = c + <usize>p * sc + (<usize>j << 2);
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      if (accumulate) {
        c00 = v128.load(cj); c01 = v128.load(cj, 16);
        if (rows > 1) { c10 = v128.load(cj + sc); c11 = v128.load(cj + sc, 16); }
        if (rows > 2) { c20 = v128.load(cj + 2 * sc); c21 = v128.load(cj + 2 * sc, 16); }
        if (rows > 3) { c30 = v128.load(cj + 3 * sc); c31 = v128.load(cj + 3 * sc, 16); }
      }
      let pa = packA + (<usize>(p >> 2)) * panelBytes;
      let pb = bj;
      for (let k = 0; k < kc; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(pa);
        const x1 = v128.load32_splat(pa, 4);
        const x2 = v128.load32_splat(pa, 8);
        const x3 = v128.load32_splat(pa, 12);
        c00 = madd(c00, x0, b0); c01 = madd(c01, x0, b1);
        c10 = madd(c10, x1, b0); c11 = madd(c11, x1, b1);
        c20 = madd(c20, x2, b0); c21 = madd(c21, x2, b1);
        c30 = madd(c30, x3, b0); c31 = madd(c31, x3, b1);
        pa += 16;
        pb += sb;
      }
      v128.store(cj, c00); v128.store(cj, c01, 16);
      if (rows > 1) { v128.store(cj + sc, c10); v128.store(cj + sc, c11, 16); }
      if (rows > 2) { v128.store(cj + 2 * sc, c20); v128.store(cj + 2 * sc, c21, 16); }
      if (rows > 3) { v128.store(cj + 3 * sc, c30); v128.store(cj + 3 * sc, c31, 16); }
    }
  }
  for (; j + 4 <= N; j += 4) {
    const bj = b + (<usize>j << 2);
    for (let p = 0; p < mc; p += 4) {
      const rows = min(4, mc - p);
      const cj = c + <usize>p * sc + (<usize>j << 2);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      if (accumulate) {
        c0 = v128.load(cj);
        if (rows > 1) c1 = v128.load(cj + sc);
        if (rows > 2) c2 = v128.load(cj + 2 * sc);
        if (rows > 3) c3 = v128.load(cj + 3 * sc);
      }
      let pa = packA + (<usize>(p >> 2)) * panelBytes;
      let pb = bj;
      for (let k = 0; k < kc; k++) {
        const b0 = v128.load(pb);
        c0 = madd(c0, v128.load32_splat(pa), b0);
        c1 = madd(c1, v128.load32_splat(pa, 4), b0);
        c2 = madd(c2, v128.load32_splat(pa, 8), b0);
        c3 = madd(c3, v128.load32_splat(pa, 12), b0);
        pa += 16;
        pb += sb;
      }
      v128.store(cj, c0);
      if (rows > 1) v128.store(cj + sc, c1);
      if (rows > 2) v128.store(cj + 2 * sc, c2);
      if (rows > 3) v128.store(cj + 3 * sc, c3);
    }
  }
  for (; j < N; j++) {
    for (let i = 0; i < mc; i++) {
      const pc = c + <usize>i * sc + (<usize>j << 2);
      let s: f32 = accumulate ? load<f32>(pc) : 0;
      let pa = packA + (<usize>(i >> 2)) * panelBytes + (<usize>(i & 3) << 2);
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < kc; k++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += 16;
        pb += sb;
      }
      store<f32>(pc, s);
    }
  }
}

/**
 * Packs B (K x N, row stride ldb) into strips of 8 columns, each contiguous in
 * k: dst[(s*K + k)*8 + col], the last strip padded with zeros. For a matrix
 * used by many products (a recurrent weight, once per step), so each strip is
 * read sequentially. dst needs ceil(N/8)*8*K floats.
 */
export function packB(b: usize, ldb: i32, K: i32, N: i32, dst: usize): void {
  const strips = (N + 7) >> 3;
  for (let s = 0; s < strips; s++) {
    const j0 = s << 3;
    const cols = min(8, N - j0);
    let out = dst + ((<usize>s * K) << 5);
    for (let k = 0; k < K; k++) {
      const row = b + ((<usize>k * ldb + j0) << 2);
      if (cols == 8) {
        v128.store(out, v128.load(row));
        v128.store(out, v128.load(row, 16), 16);
      } else {
        for (let c = 0; c < 8; c++) store<f32>(out + (<usize>c << 2), c < cols ? load<f32>(row + (<usize>c << 2)) : 0);
      }
      out += 32;
    }
  }
}

/**
 * Packs B = W^T, with W (N x K, row stride ldw) as stored (a PyTorch weight),
 * into the same strips as packB, without transposing W first.
 */
export function packBT(w: usize, ldw: i32, K: i32, N: i32, dst: usize): void {
  const strips = (N + 7) >> 3;
  const sw = <usize>ldw << 2;
  for (let s = 0; s < strips; s++) {
    const j0 = s << 3;
    const cols = min(8, N - j0);
    const out0 = dst + ((<usize>s * K) << 5);
    for (let c = 0; c < 8; c++) {
      let out = out0 + (<usize>c << 2);
      if (c < cols) {
        let src = w + <usize>(j0 + c) * sw;
        for (let k = 0; k < K; k++) {
          store<f32>(out, load<f32>(src));
          src += 4;
          out += 32;
        }
      } else {
        for (let k = 0; k < K; k++) {
          store<f32>(out, 0);
          out += 32;
        }
      }
    }
  }
}

/**
 * C (M x N) (+)= A (M x K, row stride lda) * B, with B packed by packB. For
 * the small per-step products of a recurrence (M = batch). A is packed in
 * 4-row panels per K block like gemm.
 */
export function gemmPacked(M: i32, N: i32, K: i32, a: usize, lda: i32, pb: usize, c: usize, ldc: i32, accumulate: i32): void {
  const sc = <usize>ldc << 2;
  const strips = (N + 7) >> 3;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0 ? 1 : 0;
    const M4 = M & ~3;
    for (let i0 = 0; i0 < M4; i0 += MC) {
      const mc = min(MC, M4 - i0);
      pack(mc, kc, a + ((<usize>i0 * lda + k0) << 2), lda, 1);
      const c0 = c + <usize>i0 * sc;
      for (let s = 0; s < strips; s++) {
        const j = s << 3;
        const cols = min(8, N - j);
        const bs = pb + ((<usize>s * K + k0) << 5);
        for (let p = 0; p < mc; p += 4) {
          const cj = c0 + <usize>p * sc + (<usize>j << 2);
          let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
          let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
          let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
          let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
          if (acc) {
            c00 = loadRow(cj, cols, 0); c01 = loadRow(cj, cols, 4);
            c10 = loadRow(cj + sc, cols, 0); c11 = loadRow(cj + sc, cols, 4);
            c20 = loadRow(cj + 2 * sc, cols, 0); c21 = loadRow(cj + 2 * sc, cols, 4);
            c30 = loadRow(cj + 3 * sc, cols, 0); c31 = loadRow(cj + 3 * sc, cols, 4);
          }
          let pa = packA + (<usize>(p >> 2)) * (<usize>kc << 4);
          let q = bs;
          for (let k = 0; k < kc; k++) {
            const b0 = v128.load(q);
            const b1 = v128.load(q, 16);
            const x0 = v128.load32_splat(pa);
            const x1 = v128.load32_splat(pa, 4);
            const x2 = v128.load32_splat(pa, 8);
            const x3 = v128.load32_splat(pa, 12);
            c00 = madd(c00, x0, b0); c01 = madd(c01, x0, b1);
            c10 = madd(c10, x1, b0); c11 = madd(c11, x1, b1);
            c20 = madd(c20, x2, b0); c21 = madd(c21, x2, b1);
            c30 = madd(c30, x3, b0); c31 = madd(c31, x3, b1);
            pa += 16;
            q += 32;
          }
          storeRow(cj, cols, c00, c01);
          storeRow(cj + sc, cols, c10, c11);
          storeRow(cj + 2 * sc, cols, c20, c21);
          storeRow(cj + 3 * sc, cols, c30, c31);
        }
      }
    }
    // Leftover rows (all of them at batch 1): a matrix-vector product over
    // three strips at a time, A read in place.
    for (let i = M4; i < M; i++) {
      const ai = a + ((<usize>i * lda + k0) << 2);
      const ci = c + <usize>i * sc;
      let s = 0;
      for (; s + 3 <= strips; s += 3) {
        const j = s << 3;
        const cols3 = min(8, N - j - 16);
        const q0 = pb + ((<usize>s * K + k0) << 5);
        const sb = (<usize>K) << 5;
        const cj = ci + (<usize>j << 2);
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let a4 = f32x4.splat(0), a5 = f32x4.splat(0);
        if (acc) {
          a0 = v128.load(cj); a1 = v128.load(cj, 16); a2 = v128.load(cj, 32); a3 = v128.load(cj, 48);
          a4 = loadRow(cj + 64, cols3, 0); a5 = loadRow(cj + 64, cols3, 4);
        }
        let pa = ai;
        let qa = q0;
        for (let k = 0; k < kc; k++) {
          const x = v128.load32_splat(pa);
          a0 = madd(a0, x, v128.load(qa)); a1 = madd(a1, x, v128.load(qa, 16));
          a2 = madd(a2, x, v128.load(qa + sb)); a3 = madd(a3, x, v128.load(qa + sb, 16));
          a4 = madd(a4, x, v128.load(qa + 2 * sb)); a5 = madd(a5, x, v128.load(qa + 2 * sb, 16));
          pa += 4;
          qa += 32;
        }
        storeRow(cj, 8, a0, a1);
        storeRow(cj + 32, 8, a2, a3);
        storeRow(cj + 64, cols3, a4, a5);
      }
      for (; s + 2 <= strips; s += 2) {
        const j = s << 3;
        const cols2 = min(8, N - j - 8);
        const q0 = pb + ((<usize>s * K + k0) << 5);
        const q1 = q0 + ((<usize>K) << 5);
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        if (acc) {
          a0 = v128.load(ci + (<usize>j << 2)); a1 = v128.load(ci + (<usize>j << 2), 16);
          a2 = loadRow(ci + (<usize>(j + 8) << 2), cols2, 0); a3 = loadRow(ci + (<usize>(j + 8) << 2), cols2, 4);
        }
        let pa = ai;
        let qa = q0;
        let qb = q1;
        for (let k = 0; k < kc; k++) {
          const x = v128.load32_splat(pa);
          a0 = madd(a0, x, v128.load(qa)); a1 = madd(a1, x, v128.load(qa, 16));
          a2 = madd(a2, x, v128.load(qb)); a3 = madd(a3, x, v128.load(qb, 16));
          pa += 4;
          qa += 32;
          qb += 32;
        }
        storeRow(ci + (<usize>j << 2), 8, a0, a1);
        storeRow(ci + (<usize>(j + 8) << 2), cols2, a2, a3);
      }
      for (; s < strips; s++) {
        const j = s << 3;
        const cols = min(8, N - j);
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
        if (acc) { a0 = loadRow(ci + (<usize>j << 2), cols, 0); a1 = loadRow(ci + (<usize>j << 2), cols, 4); }
        let pa = ai;
        let qa = pb + ((<usize>s * K + k0) << 5);
        for (let k = 0; k < kc; k++) {
          const x = v128.load32_splat(pa);
          a0 = madd(a0, x, v128.load(qa)); a1 = madd(a1, x, v128.load(qa, 16));
          pa += 4;
          qa += 32;
        }
        storeRow(ci + (<usize>j << 2), cols, a0, a1);
      }
    }
  }
}

// A partial 8-wide tile (the last strip when N % 8 != 0) goes through the
// 32-byte TILE bounce buffer: only the valid columns of C are read and written.

// @ts-ignore: decorator
@inline function loadRow(p: usize, cols: i32, from: i32): v128 {
  if (cols == 8) return v128.load(p + (<usize>from << 2));
  memory.fill(TILE, 0, 32);
  memory.copy(TILE, p, <usize>cols << 2);
  return v128.load(TILE + (<usize>from << 2));
}

// @ts-ignore: decorator
@inline function storeRow(p: usize, cols: i32, lo: v128, hi: v128): void {
  if (cols == 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  v128.store(TILE, lo);
  v128.store(TILE, hi, 16);
  memory.copy(p, TILE, <usize>cols << 2);
}

/** dst (cols x rows) = transpose of src (rows x cols). */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(src + ((<usize>r * cols + c) << 2)));
    }
  }
}

/** dst (B,A,C) = src (A,B,C) with the first two axes swapped (time-major <-> batch-first). */
export function swapAxes01(src: usize, A: i32, B: i32, C: i32, dst: usize): void {
  const row = <usize>C << 2;
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) memory.copy(dst + <usize>(b * A + a) * row, src + <usize>(a * B + b) * row, row);
  }
}

/** 1 if the two byte ranges are bit for bit the same, else 0. */
export function equalBytes(a: usize, b: usize, bytes: i32): i32 {
  let i = 0;
  for (; i + 16 <= bytes; i += 16) if (v128.any_true(v128.xor(v128.load(a + <usize>i), v128.load(b + <usize>i)))) return 0;
  for (; i < bytes; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return 0;
  return 1;
}

/** Adds bias (N) to every row of C (M x N, row stride ldc). */
export function addRowVector(M: i32, N: i32, bias: usize, c: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    const row = c + ((<usize>i * ldc) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) v128.store(row + (<usize>j << 2), f32x4.add(v128.load(row + (<usize>j << 2)), v128.load(bias + (<usize>j << 2))));
    for (; j < N; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) + load<f32>(bias + (<usize>j << 2)));
  }
}

/** out[j] += sum_i A[i, j] for A (M x N, row stride lda). */
export function sumRows(M: i32, N: i32, a: usize, lda: i32, out: usize): void {
  for (let i = 0; i < M; i++) {
    const row = a + ((<usize>i * lda) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) v128.store(out + (<usize>j << 2), f32x4.add(v128.load(out + (<usize>j << 2)), v128.load(row + (<usize>j << 2))));
    for (; j < N; j++) store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) + load<f32>(row + (<usize>j << 2)));
  }
}
