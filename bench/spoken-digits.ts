/**
 * Spoken digits "zero".."nine" from Debian's espeak-ng, in many voices
 * (accents x voice variants), speeds and pitches. Two held-out sets: whole
 * accents never trained on (none of their voices), and, among the other
 * accents, voices never trained on (their accent and their variant were each
 * heard in other voices). `npm run bench:speech` prints both accuracies and
 * writes them to bench/RESULTS-speech-<date>.txt.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../packages/recurrent/src/audio/wav.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { type LabelledAudio, SpokenWordRecognizer } from '../packages/recurrent/src/tasks/speech/recognizer.js';

export const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-029', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'];
const VARIANTS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5'];

/** Accents held out whole: none of their voices is trained on. */
export const HELD_OUT_ACCENTS = 2;

/** The split, shuffled with `seed`: whole accents held out, then voices (accent+variant) of the others. */
export function voiceSplit(seed: number): { heldOutAccents: string[]; voices: string[] } {
  const rng = new Random(seed);
  const accents = [...ACCENTS];
  rng.shuffle(accents);
  const heldOutAccents = accents.slice(0, HELD_OUT_ACCENTS);
  const voices = accents.slice(HELD_OUT_ACCENTS).flatMap((a) => VARIANTS.map((v) => `${a}+${v}`));
  rng.shuffle(voices);
  return { heldOutAccents, voices };
}

/** The voices of each set: 20% of the trained accents' voices for test, 10% for validation, the rest for training, and every voice of the accents held out whole. */
export function voiceSets(seed: number): { test: string[]; val: string[]; train: string[]; accents: string[]; heldOutAccents: string[] } {
  const { heldOutAccents, voices: v } = voiceSplit(seed);
  const nTest = Math.round(v.length * 0.2);
  const nVal = Math.round(v.length * 0.1);
  return {
    test: v.slice(0, nTest), val: v.slice(nTest, nTest + nVal), train: v.slice(nTest + nVal),
    accents: heldOutAccents.flatMap((a) => VARIANTS.map((x) => `${a}+${x}`)), heldOutAccents,
  };
}

/** Every digit in every voice at each (words-per-minute, pitch) setting, as WAVs read back. */
export function speak(voiceList: string[], settings: Array<[number, number]>): Array<LabelledAudio & { voice: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-digits-'));
  const out: Array<LabelledAudio & { voice: string }> = [];
  for (const voice of voiceList) {
    for (const [speed, pitch] of settings) {
      for (const d of DIGITS) {
        const file = join(dir, `${voice}-${speed}-${pitch}-${d}.wav`);
        execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', file, d]);
        out.push({ audio: parseWav(new Uint8Array(readFileSync(file)), file), label: d, voice });
      }
    }
  }
  return out;
}

export interface SpokenDigitsResult {
  /** accuracy on held-out voices of the trained accents */
  accuracy: number;
  /** accuracy on the accents held out whole */
  accentAccuracy: number;
  heldOutAccents: string[];
  train: number;
  test: number;
  accentTest: number;
  heldOutVoices: number;
  epochs: number;
  recognizer: SpokenWordRecognizer;
}

/** The README's experiment: two accents held out whole; of the others' voices, 20% held out for test, 10% for validation. */
export async function spokenDigitsExperiment(settings: Array<[number, number]>, options: Parameters<typeof SpokenWordRecognizer.create>[1] = {}): Promise<SpokenDigitsResult> {
  const sets = voiceSets(0);
  const { heldOutAccents } = sets;
  const test = speak(sets.test, settings);
  const val = speak(sets.val, settings);
  const train = speak(sets.train, settings);
  const accentTest = speak(sets.accents, settings);
  const r = SpokenWordRecognizer.create(DIGITS, options, 0);
  await r.train(train, val, { epochs: 40 }, { seed: 0 });
  return {
    accuracy: r.accuracy(test), accentAccuracy: r.accuracy(accentTest), heldOutAccents, train: train.length, test: test.length,
    accentTest: accentTest.length, heldOutVoices: sets.test.length, epochs: r.history.length, recognizer: r,
  };
}

export const SETTINGS: Array<[number, number]> = [[130, 35], [160, 50], [190, 65]];

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rawOutput } = await import('./raw-output.js');
  const out = rawOutput('speech', 'npm run bench:speech');
  await setBackend('wasm', { threads: 'auto' });
  const t0 = performance.now();
  const r = await spokenDigitsExperiment(SETTINGS, JSON.parse(process.argv[2] ?? '{}'));
  [
    `${ACCENTS.length} accents x ${VARIANTS.length} variants, ${SETTINGS.length} speed/pitch settings; accents held out whole: ${r.heldOutAccents.join(', ')}`,
    `${r.train} training recordings; ${r.test} test recordings from ${r.heldOutVoices} held-out voices of the trained accents; ${r.accentTest} from the held-out accents`,
    `${r.epochs} epochs, ${((performance.now() - t0) / 1000).toFixed(0)} s in all`,
    `accuracy on held-out voices: ${(100 * r.accuracy).toFixed(1)}%`,
    `accuracy on held-out accents: ${(100 * r.accentAccuracy).toFixed(1)}%`,
  ].forEach(out.line);
  await out.save();
}
