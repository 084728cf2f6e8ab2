/**
 * The data movement of 2-D convolution and pooling, in plain TypeScript: a
 * convolution is im2col, then one GEMM (the backend's), and its input
 * gradient is a GEMM, then col2im. Max pooling keeps the index of each
 * window's maximum for its backward. Every backend shares these; only the
 * GEMM between them differs.
 */

/** One image plane's geometry for a window sliding over it (PyTorch's Conv2d / MaxPool2d arguments, each [h, w]). */
export interface Window2d {
  /** channels, height, width of the input */
  C: number;
  H: number;
  W: number;
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
}

/** Output height and width: floor((H + 2p - d(k-1) - 1) / s) + 1. */
export function windowOutput(g: Window2d): [number, number] {
  const o = (n: number, i: 0 | 1): number => Math.floor((n + 2 * g.padding[i] - g.dilation[i] * (g.kernel[i] - 1) - 1) / g.stride[i]) + 1;
  return [o(g.H, 0), o(g.W, 1)];
}

/**
 * x is one image (C,H,W) at xOff; writes cols (C*kh*kw, Ho*Wo): row (c,i,j) holds the input under
 * kernel tap (i,j) of channel c at every output position, zero where it falls in the padding.
 */
export function im2col(g: Window2d, x: Float32Array, xOff: number, cols: Float32Array): void {
  const [Ho, Wo] = windowOutput(g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  let r = 0;
  for (let c = 0; c < g.C; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, r++) {
        const row = r * Ho * Wo;
        for (let oy = 0; oy < Ho; oy++) {
          const y = oy * sh - ph + i * dh;
          const at = row + oy * Wo;
          if (y < 0 || y >= g.H) {
            cols.fill(0, at, at + Wo);
            continue;
          }
          const src = xOff + (c * g.H + y) * g.W;
          for (let ox = 0; ox < Wo; ox++) {
            const xx = ox * sw - pw + j * dw;
            cols[at + ox] = xx >= 0 && xx < g.W ? x[src + xx]! : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each entry of cols (C*kh*kw, Ho*Wo) back to the input position it was read from, in dx (C,H,W) at dxOff. */
export function col2im(g: Window2d, cols: Float32Array, dx: Float32Array, dxOff: number): void {
  const [Ho, Wo] = windowOutput(g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  let r = 0;
  for (let c = 0; c < g.C; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, r++) {
        const row = r * Ho * Wo;
        for (let oy = 0; oy < Ho; oy++) {
          const y = oy * sh - ph + i * dh;
          if (y < 0 || y >= g.H) continue;
          const dst = dxOff + (c * g.H + y) * g.W;
          const at = row + oy * Wo;
          for (let ox = 0; ox < Wo; ox++) {
            const xx = ox * sw - pw + j * dw;
            if (xx >= 0 && xx < g.W) dx[dst + xx] += cols[at + ox]!;
          }
        }
      }
    }
  }
}

/**
 * Max pooling of N images (N,C,H,W) -> y (N,C,Ho,Wo); argmax gets, per output, the flat index in x of
 * the value chosen. Padding counts as -Infinity; of equal values the first in the window wins, and a NaN
 * wins over any number (PyTorch's rule, so ReLU's zeros send their gradient where PyTorch's do).
 */
export function maxPool2d(N: number, g: Window2d, x: Float32Array, y: Float32Array, argmax: Int32Array): void {
  const [Ho, Wo] = windowOutput(g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  let o = 0;
  for (let p = 0; p < N * g.C; p++) {
    const plane = p * g.H * g.W;
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++, o++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < kh; i++) {
          const yy = oy * sh - ph + i * dh;
          if (yy < 0 || yy >= g.H) continue;
          for (let j = 0; j < kw; j++) {
            const xx = ox * sw - pw + j * dw;
            if (xx < 0 || xx >= g.W) continue;
            const idx = plane + yy * g.W + xx;
            const v = x[idx]!;
            if (at < 0 || v > best || Number.isNaN(v)) {
              best = v;
              at = idx;
              if (Number.isNaN(v)) break;
            }
          }
          if (Number.isNaN(best)) break;
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** Max pooling's backward: each output's gradient goes to the input it took (dx is added to). */
export function maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  for (let o = 0; o < dy.length; o++) {
    const at = argmax[o]!;
    if (at >= 0) dx[at] += dy[o]!;
  }
}
