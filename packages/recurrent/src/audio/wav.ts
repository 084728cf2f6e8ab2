/**
 * WAV files: RIFF/WAVE with PCM samples (8, 16, 24 or 32-bit integers, or
 * 32-bit float), any number of channels, mixed down to mono floats in [-1, 1].
 * Every length is checked against the bytes there are. Browser-safe.
 */
import { FormatError } from '../errors.js';

/** Decoded audio: mono samples in [-1, 1] and their sample rate. */
export interface Audio {
  sampleRate: number;
  /** mono samples in [-1, 1] */
  samples: Float32Array;
  /** where it came from (a file name), for messages */
  source?: string;
}

/** Reads a RIFF/WAVE file of PCM (8, 16, 24 or 32-bit) or float samples into mono `Audio`; anything else is a FormatError naming `source`. */
export function parseWav(bytes: Uint8Array, source = 'audio.wav'): Audio {
  if (bytes.length === 0) throw new FormatError(`${source} is empty (expected a WAV file)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new FormatError(`${source} is not a WAV file (no RIFF/WAVE header)`);
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let data: Uint8Array | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = dv.getUint32(at + 4, true);
    const body = at + 8;
    // Streams written before their length was known say 0 or too much: read what is there.
    const end = Math.min(bytes.length, size === 0 || size === 0xffffffff ? bytes.length : body + size);
    if (id === 'fmt ') {
      if (end - body < 16) throw new FormatError(`${source}: the fmt chunk is ${end - body} bytes, expected at least 16`);
      let format = dv.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && end - body >= 26) format = dv.getUint16(body + 24, true);
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      data = bytes.subarray(body, end);
    }
    at = end + ((end - body) % 2);
  }
  if (!fmt) throw new FormatError(`${source}: no fmt chunk`);
  if (fmt.format !== 1 && fmt.format !== 3) throw new FormatError(`${source} is not PCM (format code ${fmt.format}; expected 1, integer PCM, or 3, float PCM)`);
  if (fmt.format === 3 && fmt.bits !== 32) throw new FormatError(`${source}: float PCM with ${fmt.bits} bits; expected 32`);
  if (fmt.format === 1 && ![8, 16, 24, 32].includes(fmt.bits)) throw new FormatError(`${source}: ${fmt.bits}-bit PCM is not supported (8, 16, 24 or 32)`);
  if (fmt.channels < 1 || fmt.rate < 1) throw new FormatError(`${source}: ${fmt.channels} channels at ${fmt.rate} Hz`);
  if (!data || data.length === 0) throw new FormatError(`${source} has no samples (empty data chunk)`);
  const width = fmt.bits / 8;
  const frames = Math.floor(data.length / (width * fmt.channels));
  if (frames === 0) throw new FormatError(`${source} has no whole sample frame`);
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (o: number): number => {
    if (fmt!.format === 3) return d.getFloat32(o, true);
    switch (fmt!.bits) {
      case 8: return (d.getUint8(o) - 128) / 128;
      case 16: return d.getInt16(o, true) / 32768;
      case 24: return ((d.getUint8(o) | (d.getUint8(o + 1) << 8) | (d.getInt8(o + 2) << 16))) / 8388608;
      default: return d.getInt32(o, true) / 2147483648;
    }
  };
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < fmt.channels; c++) s += read((i * fmt.channels + c) * width);
    samples[i] = s / fmt.channels;
  }
  return { sampleRate: fmt.rate, samples, source };
}
