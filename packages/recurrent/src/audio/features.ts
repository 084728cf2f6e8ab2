/**
 * Speech features: log-mel filterbank energies and MFCCs (the DCT of the
 * log-mel energies), from 25 ms Hann-windowed frames every 10 ms, with a
 * radix-2 FFT. Then per-utterance mean/variance normalisation, silence
 * trimmed at both ends, and a fixed number of frames by linear
 * interpolation in time, so utterances of any speed line up. Browser-safe.
 */
import { checkOptions, DataError, optionKeys, plural } from '../errors.js';

/** What one FFT size needs, computed once: the bit-reversal permutation and the twiddles of every stage. */
interface FftPlan {
  n: number;
  swaps: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

const fftPlans = new Map<number, FftPlan>();

function fftPlan(n: number): FftPlan {
  let plan = fftPlans.get(n);
  if (!plan) {
    const swaps: number[] = [];
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) swaps.push(i, j);
    }
    // twiddle k of the stage of length len is at (len/2 - 1) + k: n - 1 entries for all stages
    const cos = new Float64Array(n);
    const sin = new Float64Array(n);
    for (let len = 2; len <= n; len <<= 1) {
      for (let k = 0; k < len / 2; k++) {
        cos[len / 2 - 1 + k] = Math.cos((-2 * Math.PI * k) / len);
        sin[len / 2 - 1 + k] = Math.sin((-2 * Math.PI * k) / len);
      }
    }
    plan = { n, swaps: Uint32Array.from(swaps), cos, sin };
    fftPlans.set(n, plan);
  }
  return plan;
}

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array, plan: FftPlan): void {
  const { n, swaps, cos, sin } = plan;
  for (let s = 0; s < swaps.length; s += 2) {
    const i = swaps[s]!;
    const j = swaps[s + 1]!;
    const r = re[i]!;
    re[i] = re[j]!;
    re[j] = r;
    const m = im[i]!;
    im[i] = im[j]!;
    im[j] = m;
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len / 2;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[half - 1 + k]!;
        const wi = sin[half - 1 + k]!;
        const a = i + k;
        const b = a + half;
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

/** A (frames x features) matrix of one utterance, row by row. */
export interface Features {
  data: Float32Array;
  frames: number;
  features: number;
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/** The highest filter frequency when none is given (lowered to the Nyquist frequency of slower audio). */
export const DEFAULT_MAX_HZ = 8000;

/** How `mfcc` reads audio: frame length and hop, mel filters, coefficients kept, the highest frequency read, and a vocal-tract warp. */
export interface FeatureOptions {
  frameMs?: number;
  hopMs?: number;
  mels?: number;
  /** MFCCs kept (default 13); 0: the log-mel energies themselves */
  coefficients?: number;
  /** highest filter frequency (default min(DEFAULT_MAX_HZ, rate / 2)) */
  maxHz?: number;
  /**
   * Vocal tract length perturbation (Jaitly & Hinton 2013): the filterbank reads frequency f at
   * warp * f (1, the default, reads it as it is; 1.1 makes a voice sound as from a shorter vocal
   * tract), bending linearly above 85% of the band so the band's top stays where it is.
   */
  warp?: number;
  /** where the samples came from, for messages */
  source?: string;
}

/** Triangular mel filters as (first FFT bin, weights) each, the Hann window and the DCT, for one setting. */
interface FeaturePlan {
  frameLen: number;
  hop: number;
  fft: FftPlan;
  hann: Float64Array;
  filters: Array<{ first: number; weights: Float64Array }>;
  /** (C x M) DCT-II rows, scaled by sqrt(2 / M); empty for log-mel output */
  dct: Float64Array;
}

const featurePlans = new Map<string, FeaturePlan>();
const dctMatrices = new Map<string, Float64Array>();

/** (C x M) DCT-II rows, scaled by sqrt(2 / M). */
function dctMatrix(M: number, C: number): Float64Array {
  let dct = dctMatrices.get(`${M} ${C}`);
  if (!dct) {
    dct = new Float64Array(C * M);
    for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) dct[c * M + m] = Math.cos((Math.PI * c * (m + 0.5)) / M) * Math.sqrt(2 / M);
    dctMatrices.set(`${M} ${C}`, dct);
  }
  return dct;
}

function featurePlan(sampleRate: number, frameLen: number, hop: number, M: number, C: number, maxHz: number, warp: number): FeaturePlan {
  const key = [sampleRate, frameLen, hop, M, C, maxHz, warp].join(' ');
  let plan = featurePlans.get(key);
  if (plan) return plan;
  let n = 1;
  while (n < frameLen) n <<= 1;
  const knee = 0.85 * maxHz * Math.min(1, 1 / warp);
  const warped = (f: number): number => (f <= knee ? warp * f : warp * knee + ((maxHz - warp * knee) * (f - knee)) / (maxHz - knee));
  const edges = Array.from({ length: M + 2 }, (_, i) => warped(melToHz((hzToMel(maxHz) * i) / (M + 1))) * (n / sampleRate));
  const filters = Array.from({ length: M }, (_, m) => {
    const [lo, mid, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const first = Math.max(0, Math.ceil(lo));
    const last = Math.min(Math.floor(hi), n / 2);
    const weights = new Float64Array(Math.max(0, last - first + 1));
    for (let k = first; k <= last; k++) weights[k - first] = Math.max(0, k < mid ? (k - lo) / (mid - lo) : (hi - k) / (hi - mid));
    return { first, weights };
  });
  const dct = dctMatrix(M, C);
  const hann = Float64Array.from({ length: frameLen }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameLen - 1)));
  plan = { frameLen, hop, fft: fftPlan(n), hann, filters, dct };
  // A few settings are used at a time (one per sample rate and warp); keep the cache from growing without end.
  if (featurePlans.size > 256) featurePlans.clear();
  featurePlans.set(key, plan);
  return plan;
}

/** (frames x features) MFCCs or log-mel energies of a mono signal. */
export function mfcc(samples: Float32Array, sampleRate: number, o: FeatureOptions = {}): Features {
  checkOptions('mfcc', o, optionKeys<FeatureOptions>({ frameMs: true, hopMs: true, mels: true, coefficients: true, maxHz: true, warp: true, source: true }));
  const frameLen = Math.round((sampleRate * (o.frameMs ?? 25)) / 1000);
  const hop = Math.round((sampleRate * (o.hopMs ?? 10)) / 1000);
  const M = o.mels ?? 40;
  const C = o.coefficients ?? 13;
  const frames = samples.length >= frameLen ? 1 + Math.floor((samples.length - frameLen) / hop) : 0;
  if (frames === 0) {
    throw new DataError(`${o.source ?? 'the audio'}: ${plural(samples.length, 'sample')} (${((1000 * samples.length) / sampleRate).toFixed(1)} ms), shorter than one ${o.frameMs ?? 25} ms frame`);
  }
  const warp = o.warp ?? 1;
  if (!(warp > 0.5 && warp < 2)) throw new DataError(`warp must be between 0.5 and 2, got ${warp}`);
  if (o.maxHz !== undefined && !(o.maxHz >= 1000)) throw new DataError(`maxHz must be at least 1000 Hz, got ${o.maxHz}`);
  const plan = featurePlan(sampleRate, frameLen, hop, M, C, Math.min(o.maxHz ?? DEFAULT_MAX_HZ, sampleRate / 2), warp);
  const { hann, filters, dct } = plan;
  const F = C > 0 ? C : M;
  const out = new Float32Array(frames * F);
  const n = plan.fft.n;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const power = [new Float64Array(n / 2 + 1), new Float64Array(n / 2 + 1)];
  const logMel = new Float64Array(M);
  // Two real frames per complex FFT: frame f in the real part, frame f + 1 in the imaginary part,
  // told apart after by the symmetry of a real signal's spectrum (X[n-k] = conj X[k]).
  for (let f = 0; f < frames; f += 2) {
    const pair = Math.min(2, frames - f);
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < frameLen; i++) re[i] = samples[f * hop + i]! * hann[i]!;
    if (pair === 2) for (let i = 0; i < frameLen; i++) im[i] = samples[(f + 1) * hop + i]! * hann[i]!;
    fft(re, im, plan.fft);
    const [pa, pb] = power as [Float64Array, Float64Array];
    for (let k = 0; k <= n / 2; k++) {
      const j = (n - k) % n;
      const ar = (re[k]! + re[j]!) / 2;
      const ai = (im[k]! - im[j]!) / 2;
      const br = (im[k]! + im[j]!) / 2;
      const bi = (re[j]! - re[k]!) / 2;
      pa[k] = ar * ar + ai * ai;
      pb[k] = br * br + bi * bi;
    }
    for (let q = 0; q < pair; q++) {
      const p = power[q]!;
      const row = (f + q) * F;
      for (let m = 0; m < M; m++) {
        const { first, weights } = filters[m]!;
        let e = 0;
        for (let j = 0; j < weights.length; j++) e += weights[j]! * p[first + j]!;
        logMel[m] = Math.log(e + 1e-10);
      }
      if (C === 0) {
        for (let m = 0; m < M; m++) out[row + m] = logMel[m]!;
      } else {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let m = 0; m < M; m++) s += logMel[m]! * dct[c * M + m]!;
          out[row + c] = s;
        }
      }
    }
  }
  return { data: out, frames, features: F };
}

/** MFCCs from log-mel energies (mfcc with coefficients 0): the first `C` DCT-II coefficients of each frame, as mfcc computes them. */
export function cepstra(x: Features, C: number): Features {
  const { data, frames, features: M } = x;
  const dct = dctMatrix(M, C);
  const out = new Float32Array(frames * C);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += data[f * M + m]! * dct[c * M + m]!;
      out[f * C + c] = s;
    }
  }
  return { data: out, frames, features: C };
}

/**
 * The span from the first to the last frame of speech, silence trimmed at both ends. A frame is
 * speech if its energy (the first coefficient: about 0.5 dB of mean log-mel energy a unit) is within
 * `drop` of the loudest frame and, with `floorMargin`, at least that far above the recording's floor
 * (its quietest tenth of frames: the room's or the synthesizer's noise). The floor is what makes a
 * wide `drop` safe: quiet consonants, 15-40 dB below the vowel in natural speech, stay, and a noisy
 * lead-in or tail does not.
 */
export function trimSilence(x: Features, drop = 8, floorMargin: number | null = null): Features {
  const { from, to } = speechSpan(x, drop, floorMargin);
  const F = x.features;
  return { data: x.data.slice(from * F, to * F), frames: to - from, features: F };
}

/** The frames trimSilence keeps: from `from` up to, not including, `to`. */
export function speechSpan(x: Features, drop = 8, floorMargin: number | null = null): { from: number; to: number } {
  const { data, frames, features: F } = x;
  const energy = Float32Array.from({ length: frames }, (_, f) => data[f * F]!);
  const sorted = Float32Array.from(energy).sort();
  let threshold = sorted[frames - 1]! - drop;
  // The floor raises the threshold, never past half the drop: a recording with no silence to
  // measure a floor on keeps what a drop of half as much would keep.
  if (floorMargin !== null) threshold = Math.max(threshold, Math.min(sorted[Math.floor(0.1 * (frames - 1))]! + floorMargin, sorted[frames - 1]! - drop / 2));
  let a = 0;
  let b = frames - 1;
  while (a < b && energy[a]! < threshold) a++;
  while (b > a && energy[b]! < threshold) b--;
  return { from: a, to: b + 1 };
}

/** The samples under frames `from` up to `to` of mfcc's framing (frames of `frameMs` every `hopMs`) at this rate. */
export function framesToSamples(span: { from: number; to: number }, sampleRate: number, frameMs = 25, hopMs = 10): { start: number; end: number } {
  const hop = Math.round((sampleRate * hopMs) / 1000);
  return { start: span.from * hop, end: (span.to - 1) * hop + Math.round((sampleRate * frameMs) / 1000) };
}

/**
 * Per-feature mean/variance normalisation over the utterance (cepstral mean
 * and variance normalisation: a constant channel, a microphone's or a
 * synthesizer's colouring, is a constant offset of the cepstrum, and goes).
 */
export function normaliseFeatures(x: Features): Features {
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
export function normaliseFrames(x: Features, T: number): Float32Array {
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
export function withDeltas(x: Features): Features {
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

/** What running normalisation has seen so far: a frame count and each feature's sum and sum of squares, prior included. */
export interface RunningStats {
  count: number;
  sum: Float64Array;
  sumSq: Float64Array;
}

/** Each feature's mean and standard deviation over many utterances: the prior of running normalisation. */
export interface FeatureStats {
  mean: number[];
  std: number[];
}

/** The mean and standard deviation of each feature over every frame of these utterances. */
export function featureStats(xs: Features[]): FeatureStats {
  const F = xs[0]?.features ?? 0;
  const sum = new Float64Array(F);
  const sumSq = new Float64Array(F);
  let n = 0;
  for (const x of xs) {
    for (let i = 0; i < x.frames * F; i++) {
      sum[i % F] += x.data[i]!;
      sumSq[i % F] += x.data[i]! ** 2;
    }
    n += x.frames;
  }
  const mean = Array.from(sum, (s) => s / Math.max(n, 1));
  return { mean, std: Array.from(sumSq, (s, c) => Math.sqrt(Math.max(s / Math.max(n, 1) - mean[c]! ** 2, 1e-8))) };
}

/**
 * The state running normalisation starts from: the prior counted as `weight`
 * frames (100: a second of audio), so the first frames are normalised by
 * what utterances are like and later ones more and more by this one's own.
 */
export function startRunningStats(prior: FeatureStats, weight = 100): RunningStats {
  return {
    count: weight,
    sum: Float64Array.from(prior.mean, (m) => m * weight),
    sumSq: Float64Array.from(prior.mean, (m, c) => (m * m + prior.std[c]! ** 2) * weight),
  };
}

/**
 * Causal mean/variance normalisation: frame t by the mean and variance of the
 * prior and frames 0..t, never a later one, so a stream can be normalised as
 * it arrives (`state` carries on from one call to the next) and gives the
 * same features as the whole utterance at once.
 */
export function runningNormalise(x: Features, state: RunningStats): Features {
  const { data, frames, features: F } = x;
  const out = new Float32Array(frames * F);
  for (let f = 0; f < frames; f++) {
    state.count++;
    for (let c = 0; c < F; c++) {
      const v = data[f * F + c]!;
      state.sum[c] += v;
      state.sumSq[c] += v * v;
      const mean = state.sum[c]! / state.count;
      const sd = Math.sqrt(Math.max(state.sumSq[c]! / state.count - mean * mean, 1e-8));
      out[f * F + c] = (v - mean) / sd;
    }
  }
  return { data: out, frames, features: F };
}
