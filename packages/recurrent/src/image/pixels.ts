/**
 * Images as the captioner reads them: RGBA bytes (what PNG and JPEG decoders
 * and resvg give, and a browser canvas' ImageData) composited over white,
 * resized to the model's square input by averaging the source pixels each
 * target pixel covers, as planar float RGB (3, size, size) in [-1, 1].
 */
import { DataError } from '../errors.js';

/** Decoded pixels: width x height RGBA, row-major, 4 bytes a pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** The image (any size and aspect; stretched to a square) as (3, size, size) floats in [-1, 1]. */
export function imageToPlanes(img: RgbaImage, size: number, where = 'image'): Float32Array {
  const { width: W, height: H, data } = img;
  if (!(Number.isInteger(W) && Number.isInteger(H) && W > 0 && H > 0)) throw new DataError(`${where}: expected a width and height of at least one pixel, got ${W}x${H}`);
  if (data.length !== W * H * 4) throw new DataError(`${where}: expected ${W * H * 4} bytes of RGBA for ${W}x${H} pixels, got ${data.length}`);
  const out = new Float32Array(3 * size * size);
  const sx = W / size;
  const sy = H / size;
  for (let ty = 0; ty < size; ty++) {
    const y0 = ty * sy;
    const y1 = y0 + sy;
    for (let tx = 0; tx < size; tx++) {
      const x0 = tx * sx;
      const x1 = x0 + sx;
      // Each source pixel weighs by how much of it the target pixel covers (at least the nearest one when enlarging).
      const acc = [0, 0, 0];
      let total = 0;
      for (let y = Math.floor(y0); y < Math.min(H, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(W, Math.ceil(x1)); x++) {
          const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          if (w <= 0) continue;
          const at = (y * W + x) * 4;
          const alpha = data[at + 3]! / 255;
          for (let c = 0; c < 3; c++) acc[c]! += w * (alpha * data[at + c]! + (1 - alpha) * 255);
          total += w;
        }
      }
      for (let c = 0; c < 3; c++) out[(c * size + ty) * size + tx] = (acc[c]! / total / 255) * 2 - 1;
    }
  }
  return out;
}
