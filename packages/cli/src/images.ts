/**
 * Image files for the captioner: PNG (pngjs) and JPEG (jpeg-js) decoded to
 * RGBA pixels, and SVG rendered by resvg, to pixels or to a PNG file's bytes.
 */
import { createRequire } from 'node:module';
import type { RgbaImage } from 'recurrent-nn';
import { UsageError } from './errors.js';

interface Rendered {
  width: number;
  height: number;
  pixels: Uint8Array;
  asPng(): Uint8Array;
}
type ResvgClass = new (svg: string, o: object) => { render(): Rendered };

let resvg: ResvgClass | null = null;

/** Renders SVG with resvg; `zoom` scales it, `fonts` loads the system's fonts (for text). */
export function renderSvg(svg: string, options: { zoom?: number; fonts?: boolean } = {}): Rendered {
  resvg ??= (createRequire(import.meta.url)('@resvg/resvg-js') as { Resvg: ResvgClass }).Resvg;
  return new resvg(svg, { font: { loadSystemFonts: options.fonts ?? false }, fitTo: { mode: 'zoom', value: options.zoom ?? 1 } }).render();
}

/** SVG as RGBA pixels at its own size. */
export function svgToImage(svg: string): RgbaImage {
  const r = renderSvg(svg);
  return { width: r.width, height: r.height, data: new Uint8Array(r.pixels) };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG or JPEG file's pixels; anything else (or a damaged file) is one clear UsageError naming it. */
export function decodeImage(bytes: Uint8Array, name: string): RgbaImage {
  const require = createRequire(import.meta.url);
  const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const { PNG } = require('pngjs') as typeof import('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const jpeg = require('jpeg-js') as typeof import('jpeg-js');
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    throw new UsageError(`${name}: cannot decode this ${isPng ? 'PNG' : 'JPEG'} image: ${(e as Error).message}`);
  }
  throw new UsageError(`${name}: expected a PNG or JPEG image, got ${bytes.length === 0 ? 'an empty file' : `a file starting with bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`}`);
}
