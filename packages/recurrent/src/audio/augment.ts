/**
 * Training-time augmentation of speech, drawn anew for every example each
 * epoch, so a recogniser learns the words and not the one voice or
 * synthesizer it heard:
 * - speed perturbation (Ko et al. 2015): resampled by a factor near 1, which
 *   moves tempo, pitch and formants together;
 * - vocal tract length perturbation (Jaitly & Hinton 2013): the mel
 *   filterbank reads a warped frequency axis (features.ts `warp`);
 * - additive white noise at a signal-to-noise ratio drawn from a range;
 * - SpecAugment (Park et al. 2019): bands of the log-mel spectrum and runs of
 *   frames masked.
 * Browser-safe.
 */
import { ConfigError } from '../errors.js';
import type { Random } from '../tensor/random.js';
import { type Features, cepstra, mfcc } from './features.js';

/** Training-time augmentation of audio (all optional; `AUGMENT_DEFAULTS` fills them): speed and pitch warps, added noise, and SpecAugment-style band and time masks. */
export interface AugmentOptions {
  /** largest relative change of speed: 0.1 resamples by a factor in [0.9, 1.1]; 0: off */
  speed?: number;
  /** largest vocal tract length warp: 0.1 reads the spectrum warped by [0.9, 1.1]; 0: off */
  warp?: number;
  /** signal-to-noise ratios of the added white noise, in dB ([low, high]); null: none */
  noise?: readonly [number, number] | null;
  /** how many bands of the log-mel spectrum to mask */
  bandMasks?: number;
  /** widest band mask, in mel bands (of 40) */
  bandMaskWidth?: number;
  /** how many runs of frames to mask */
  timeMasks?: number;
  /** widest time mask, as a fraction of the utterance's frames */
  timeMaskWidth?: number;
}

/** On by default when training a recogniser or a transcriber; `augment: false` turns it off. */
export const AUGMENT_DEFAULTS: Readonly<Required<AugmentOptions>> = {
  speed: 0.1, warp: 0.1, noise: [15, 40], bandMasks: 2, bandMaskWidth: 6, timeMasks: 2, timeMaskWidth: 0.08,
};

/** The options filled in and checked: each number where it makes sense, named in the error if not. */
export function augmentOptions(o: AugmentOptions | boolean | undefined): Required<AugmentOptions> | null {
  if (o === false) return null;
  const a = { ...AUGMENT_DEFAULTS, ...(o === true || o === undefined ? {} : o) };
  const check = (name: string, v: number, lo: number, hi: number): void => {
    if (!(v >= lo && v <= hi)) throw new ConfigError(`augment.${name} must be between ${lo} and ${hi}, got ${v}`);
  };
  check('speed', a.speed, 0, 0.5);
  check('warp', a.warp, 0, 0.4);
  check('bandMasks', a.bandMasks, 0, 10);
  check('bandMaskWidth', a.bandMaskWidth, 0, 40);
  check('timeMasks', a.timeMasks, 0, 10);
  check('timeMaskWidth', a.timeMaskWidth, 0, 0.5);
  if (a.noise && !(a.noise.length === 2 && a.noise[0] <= a.noise[1])) throw new ConfigError(`augment.noise must be [low, high] dB with low <= high, got ${JSON.stringify(a.noise)}`);
  return a;
}

/** Samples resampled by `factor` (linear interpolation): 1.1 is 10% faster and higher. */
export function resample(samples: Float32Array, factor: number): Float32Array {
  const n = Math.max(1, Math.floor(samples.length / factor));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const pos = i * factor;
    const j = Math.floor(pos);
    const w = pos - j;
    out[i] = samples[j]! * (1 - w) + (samples[Math.min(j + 1, samples.length - 1)] ?? 0) * w;
  }
  return out;
}

/** White Gaussian noise added at `snrDb` below the signal's mean power. */
export function addNoise(samples: Float32Array, snrDb: number, rng: Random): Float32Array {
  let power = 0;
  for (const s of samples) power += s * s;
  const sd = Math.sqrt(power / samples.length / 10 ** (snrDb / 10));
  return samples.map((s) => s + sd * rng.normal());
}

/** One draw of the waveform perturbations: the samples to featurise and the warp to read them with. */
export function perturbAudio(samples: Float32Array, a: Required<AugmentOptions>, rng: Random): { samples: Float32Array; warp: number } {
  let x = a.speed > 0 ? resample(samples, 1 + rng.uniform(-a.speed, a.speed)) : samples;
  if (a.noise) x = addNoise(x, rng.uniform(a.noise[0], a.noise[1]), rng);
  return { samples: x, warp: a.warp > 0 ? 1 + rng.uniform(-a.warp, a.warp) : 1 };
}

/** Up to `count` runs of at most `width` of `size` places (frames or bands), each handed to `each`. */
function maskRuns(size: number, count: number, width: number, rng: Random, each: (from: number, to: number) => void): void {
  for (let k = 0; k < count; k++) {
    const w = rng.int(Math.min(width, size) + 1);
    if (w === 0) continue;
    const from = rng.int(size - w + 1);
    each(from, from + w);
  }
}

/** Bands of a log-mel spectrogram masked in place, each to its mean over the utterance (zero once normalised). */
export function maskBands(x: Features, a: Required<AugmentOptions>, rng: Random): void {
  const { data, frames, features: M } = x;
  maskRuns(M, a.bandMasks, a.bandMaskWidth, rng, (from, to) => {
    for (let m = from; m < to; m++) {
      let mean = 0;
      for (let f = 0; f < frames; f++) mean += data[f * M + m]!;
      mean /= frames;
      for (let f = 0; f < frames; f++) data[f * M + m] = mean;
    }
  });
}

/** Runs of frames of normalised features set to zero (the mean) in place. */
export function maskFrames(x: Features, a: Required<AugmentOptions>, rng: Random): void {
  const { data, frames, features: F } = x;
  maskRuns(frames, a.timeMasks, Math.round(a.timeMaskWidth * frames), rng, (from, to) => data.fill(0, from * F, to * F));
}

/**
 * MFCCs of one augmented draw of a recording: speed and noise perturbed, read through a warped
 * filterbank, bands masked before the DCT (as `mfcc` would give them without augmentation; `maxHz`
 * as `mfcc` takes it).
 */
export function augmentedMfcc(audio: { samples: Float32Array; sampleRate: number; source?: string }, coefficients: number, a: Required<AugmentOptions>, rng: Random, maxHz?: number): Features {
  const { samples, warp } = perturbAudio(audio.samples, a, rng);
  const mel = mfcc(samples, audio.sampleRate, { coefficients: 0, warp, maxHz, source: audio.source ?? 'the audio' });
  maskBands(mel, a, rng);
  return cepstra(mel, coefficients);
}
