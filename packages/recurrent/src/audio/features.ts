/**
 * Speech features: log-mel filterbank energies and MFCCs (the DCT of the
 * log-mel energies), from 25 ms Hann-windowed frames every 10 ms, with a
 * radix-2 FFT. Then per-utterance mean/variance normalisation, silence
 * trimmed at both ends, and a fixed number of frames by linear
 * interpolation in time, so utterances of any speed line up. Browser-safe.
 */
import { DataError, plural } from '../errors.js';

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a]! += xr;
        im[a]! += xi;
      }
    }
  }
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

export interface FeatureOptions {
  frameMs?: number;
  hopMs?: number;
  mels?: number;
  /** MFCCs kept (default 13); 0: the log-mel energies themselves */
  coefficients?: number;
  /** highest filter frequency (default min(8000, rate / 2)) */
  maxHz?: number;
  /** where the samples came from, for messages */
  source?: string;
}

/** (frames x features) MFCCs or log-mel energies of a mono signal. */
export function mfcc(samples: Float32Array, sampleRate: number, o: FeatureOptions = {}): { data: Float32Array; frames: number; features: number } {
  const frameLen = Math.round((sampleRate * (o.frameMs ?? 25)) / 1000);
  const hop = Math.round((sampleRate * (o.hopMs ?? 10)) / 1000);
  const M = o.mels ?? 40;
  const C = o.coefficients ?? 13;
  let n = 1;
  while (n < frameLen) n <<= 1;
  const frames = samples.length >= frameLen ? 1 + Math.floor((samples.length - frameLen) / hop) : 0;
  if (frames === 0) {
    throw new DataError(`${o.source ?? 'the audio'}: ${plural(samples.length, 'sample')} (${((1000 * samples.length) / sampleRate).toFixed(1)} ms), shorter than one ${o.frameMs ?? 25} ms frame`);
  }
  const maxHz = Math.min(o.maxHz ?? 8000, sampleRate / 2);
  const edges = Array.from({ length: M + 2 }, (_, i) => melToHz((hzToMel(maxHz) * i) / (M + 1)) * (n / sampleRate));
  const hann = Float64Array.from({ length: frameLen }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameLen - 1)));
  const F = C > 0 ? C : M;
  const out = new Float32Array(frames * F);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const logMel = new Float64Array(M);
  for (let f = 0; f < frames; f++) {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < frameLen; i++) re[i] = samples[f * hop + i]! * hann[i]!;
    fft(re, im);
    for (let m = 0; m < M; m++) {
      const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
      let e = 0;
      for (let k = Math.ceil(lo); k <= Math.floor(hi) && k <= n / 2; k++) {
        const w = k < mid ? (k - lo) / (mid - lo) : (hi - k) / (hi - mid);
        if (w > 0) e += w * (re[k]! * re[k]! + im[k]! * im[k]!);
      }
      logMel[m] = Math.log(e + 1e-10);
    }
    if (C === 0) {
      for (let m = 0; m < M; m++) out[f * F + m] = logMel[m]!;
    } else {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += logMel[m]! * Math.cos((Math.PI * c * (m + 0.5)) / M);
        out[f * F + c] = s * Math.sqrt(2 / M);
      }
    }
  }
  return { data: out, frames, features: F };
}

/** Frames whose energy (first coefficient) is within `db` of the loudest; the span from the first to the last of them. */
export function trimSilence(x: { data: Float32Array; frames: number; features: number }, drop = 8): { data: Float32Array; frames: number; features: number } {
  const { data, frames, features: F } = x;
  let max = -Infinity;
  for (let f = 0; f < frames; f++) max = Math.max(max, data[f * F]!);
  let a = 0;
  let b = frames - 1;
  while (a < b && data[a * F]! < max - drop) a++;
  while (b > a && data[b * F]! < max - drop) b--;
  return { data: data.slice(a * F, (b + 1) * F), frames: b - a + 1, features: F };
}

/**
 * Per-feature mean/variance normalisation over the utterance (cepstral mean
 * and variance normalisation: a constant channel, a microphone's or a
 * synthesizer's colouring, is a constant offset of the cepstrum, and goes).
 */
export function normaliseFeatures(x: { data: Float32Array; frames: number; features: number }): { data: Float32Array; frames: number; features: number } {
  const { data, frames, features: F } = x;
  const out = new Float32Array(frames * F);
  for (let c = 0; c < F; c++) {
    let mean = 0;
    for (let f = 0; f < frames; f++) mean += data[f * F + c]!;
    mean /= frames;
    let v = 0;
    for (let f = 0; f < frames; f++) v += (data[f * F + c]! - mean) ** 2;
    const sd = Math.sqrt(v / frames) || 1;
    for (let f = 0; f < frames; f++) out[f * F + c] = (data[f * F + c]! - mean) / sd;
  }
  return { data: out, frames, features: F };
}

/** Per-feature mean/variance normalisation (normaliseFeatures), then `T` frames by linear interpolation in time. */
export function normaliseFrames(x: { data: Float32Array; frames: number; features: number }, T: number): Float32Array {
  const { data, frames, features: F } = normaliseFeatures(x);
  const out = new Float32Array(T * F);
  for (let c = 0; c < F; c++) {
    for (let t = 0; t < T; t++) {
      const pos = frames === 1 || T === 1 ? 0 : (t * (frames - 1)) / (T - 1);
      const i = Math.floor(pos);
      const w = pos - i;
      const a = data[i * F + c]!;
      const b = data[Math.min(i + 1, frames - 1) * F + c]!;
      out[t * F + c] = a + w * (b - a);
    }
  }
  return out;
}

/** Each frame followed by its change over time, (x[t+1] - x[t-1]) / 2 at the edges clamped: (frames x 2F). */
export function withDeltas(x: { data: Float32Array; frames: number; features: number }): { data: Float32Array; frames: number; features: number } {
  const { data, frames: T, features: C } = x;
  const out = new Float32Array(T * 2 * C);
  for (let t = 0; t < T; t++) {
    const prev = Math.max(t - 1, 0);
    const next = Math.min(t + 1, T - 1);
    for (let c = 0; c < C; c++) {
      out[t * 2 * C + c] = data[t * C + c]!;
      out[t * 2 * C + C + c] = (data[next * C + c]! - data[prev * C + c]!) / 2;
    }
  }
  return { data: out, frames: T, features: 2 * C };
}
