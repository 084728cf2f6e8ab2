import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Random, Tensor } from '../packages/recurrent/src/node.js';

export function randomTensor(shape: number[], rng: Random, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
  return new Tensor(data, shape);
}

/** sum(a * b) in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export interface GradCheckTarget {
  name: string;
  /** the values that are perturbed (a parameter's data or an input's data) */
  values: Float32Array;
  /** the analytic gradient computed by backward */
  grad: Float32Array;
}

/**
 * Central finite differences on up to `samples` random entries of each target.
 * `loss` must recompute the scalar loss from the current values.
 */
export function gradCheck(targets: GradCheckTarget[], loss: () => number, options: { eps?: number; samples?: number; atol?: number; rtol?: number; seed?: number } = {}): void {
  const eps = options.eps ?? 1e-2;
  const samples = options.samples ?? 12;
  const atol = options.atol ?? 3e-4;
  const rtol = options.rtol ?? 3e-3;
  const rng = new Random(options.seed ?? 99);
  let checked = 0;
  for (const t of targets) {
    assert.equal(t.grad.length, t.values.length, `${t.name}: gradient has the wrong size`);
    const picks = t.values.length <= samples ? [...t.values.keys()] : Array.from({ length: samples }, () => rng.int(t.values.length));
    for (const i of picks) {
      const orig = t.values[i]!;
      t.values[i] = orig + eps;
      const up = loss();
      t.values[i] = orig - eps;
      const down = loss();
      t.values[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const analytic = t.grad[i]!;
      const tol = atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic));
      assert.ok(Math.abs(numeric - analytic) <= tol,
        `${t.name}[${i}]: finite difference ${numeric.toExponential(4)} vs backward ${analytic.toExponential(4)}`);
      checked++;
    }
  }
  assert.ok(checked > 0, 'gradCheck checked nothing');
}

/** A WAV file: RIFF header, `fmt ` (format 1 is PCM) and `data` holding `payload`. */
export function wav(format: number, channels: number, bits: number, payload: Uint8Array, rate = 8000): Uint8Array {
  const b = new Uint8Array(44 + payload.length);
  const dv = new DataView(b.buffer);
  b.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
  dv.setUint32(4, 36 + payload.length, true);
  b.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
  dv.setUint32(16, 16, true);
  dv.setUint16(20, format, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, rate, true);
  dv.setUint32(28, rate * channels * bits / 8, true);
  dv.setUint16(32, channels * bits / 8, true);
  dv.setUint16(34, bits, true);
  b.set([...'data'].map((c) => c.charCodeAt(0)), 36);
  dv.setUint32(40, payload.length, true);
  b.set(payload, 44);
  return b;
}

/** A 16-bit PCM mono WAV of `samples` (in [-1, 1]). */
export function pcm16(samples: ArrayLike<number>, rate = 8000): Uint8Array {
  const s16 = Int16Array.from(samples, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767));
  return wav(1, 1, 16, new Uint8Array(s16.buffer), rate);
}

/** Whether Debian's espeak-ng (installed by .ci/run) is on the PATH. */
export const hasEspeak = ((): boolean => {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
