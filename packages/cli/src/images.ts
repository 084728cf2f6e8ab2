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

/** The most pixels an image may have (4096 x 4096, 64 MiB as RGBA): its header is read first, so a file that claims more is refused before anything is decoded. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** A PNG's (IHDR) or JPEG's (its first SOF segment) width and height, read from the header alone; null where the header has none. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    return bytes.length >= 24 ? { width: view.getUint32(16), height: view.getUint32(20) } : null;
  }
  // JPEG: markers FF xx with a 2-byte length, until a start of frame (C0-CF but C4, C8, CC) gives the size.
  for (let at = 2; at + 9 <= bytes.length;) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}

/** A PNG or JPEG file's pixels; anything else (or a damaged file, or one larger than MAX_IMAGE_PIXELS) is one clear UsageError naming it. */
export function decodeImage(bytes: Uint8Array, name: string): RgbaImage {
  const require = createRequire(import.meta.url);
  const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const size = isPng || isJpeg ? imageSize(bytes) : null;
  if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
    throw new UsageError(`${name}: the image is ${size.width} x ${size.height} pixels; the most this reads is ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} pixels (4096 x 4096): scale it down first`);
  }
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
