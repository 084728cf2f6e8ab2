/**
 * Digit strings spoken by Debian's espeak-ng ("four one five two"), 3 to 10
 * digits, in many voices at several speeds and pitches, transcribed by the
 * CTC transcriber (tasks/speech/transcriber.ts). The voices are split as in
 * bench/spoken-digits.ts: two accents held out whole, and 20% of the other
 * voices held out for test, 10% for validation. `npm run bench:transcribe`
 * prints character and word error rates on both held-out sets and writes
 * bench/RESULTS-transcribe-<date>.txt.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../packages/recurrent/src/audio/wav.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { TextGenerator } from '../packages/recurrent/src/tasks/text/generator.js';
import { errorRates } from '../packages/recurrent/src/data/metrics.js';
import { type TranscribedAudio, Transcriber, normaliseTranscript, type TranscriberOptions, type TranscriberTrainOptions } from '../packages/recurrent/src/tasks/speech/transcriber.js';
import { DIGITS, SETTINGS, voiceSets } from './spoken-digits.js';

/** `count` digit strings of `min`..`max` digits, as words. */
export function digitStrings(count: number, min: number, max: number, rng: Random): string[] {
  return Array.from({ length: count }, () => Array.from({ length: min + rng.int(max - min + 1) }, () => DIGITS[rng.int(10)]!).join(' '));
}

/**
 * Each voice says the texts `textsFor` draws for it (new ones per voice, from the one seeded random
 * stream), each at a speed and pitch drawn from SETTINGS.
 */
export function speakTexts(voices: string[], textsFor: (rng: Random) => string[], seed: number): TranscribedAudio[] {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-spoken-texts-'));
  const rng = new Random(seed);
  const out: TranscribedAudio[] = [];
  for (const voice of voices) {
    for (const text of textsFor(rng)) {
      const [speed, pitch] = SETTINGS[rng.int(SETTINGS.length)]!;
      const file = join(dir, `${out.length}.wav`);
      execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', file, text]);
      out.push({ audio: parseWav(new Uint8Array(readFileSync(file)), file), text });
    }
  }
  return out;
}

/** Each voice says `perVoice` digit strings of digits[0]..digits[1] digits. */
export function speakStrings(voices: string[], perVoice: number, digits: [number, number], seed: number): TranscribedAudio[] {
  return speakTexts(voices, (rng) => digitStrings(perVoice, digits[0], digits[1], rng), seed);
}

/** A character language model of digit strings (never the test's strings), as `recurrent train` makes, in seconds. */
export async function digitLanguageModel(strings = 3000, digits: [number, number] = [3, 10]): Promise<TextGenerator> {
  const text = `${digitStrings(strings, digits[0], digits[1], new Random(42)).join('\n')}\n`;
  const g = TextGenerator.create(text, { hiddenSize: 64, numLayers: 1, embeddingSize: 16 }, 0);
  await g.train(text, { steps: 300, batch: 16, seqLen: 64 });
  return g;
}

export interface TranscribeExperiment {
  train: number;
  test: number;
  accentTest: number;
  voices: { cer: number; wer: number };
  accents: { cer: number; wer: number };
  epochs: number;
  transcriber: Transcriber;
  examples: Array<{ said: string; heard: string }>;
  /** the held-out voices' recordings, and the held-out accents' */
  testSet: TranscribedAudio[];
  accentSet: TranscribedAudio[];
}

/** Trains on the training voices' strings; error rates on held-out voices and held-out accents. */
export async function transcribeExperiment(perVoice: number, options: TranscriberOptions = {}, train: TranscriberTrainOptions = {}, digits: [number, number] = [3, 10]): Promise<TranscribeExperiment> {
  const voices = voiceSets(0);
  const test = speakStrings(voices.test, Math.max(2, Math.round(perVoice / 3)), digits, 1);
  const val = speakStrings(voices.val, Math.max(2, Math.round(perVoice / 3)), digits, 2);
  const trainSet = speakStrings(voices.train, perVoice, digits, 3);
  const accentTest = speakStrings(voices.accents, Math.max(1, Math.round(perVoice / 6)), digits, 4);
  const t = Transcriber.create(trainSet.map((e) => e.text), options, 0);
  await t.train(trainSet, val, train, { seed: 0, onProgress: (p) => console.error(`epoch ${p.epoch}: loss ${p.loss.toFixed(3)}, validation CER ${(100 * p.valCer).toFixed(1)}% (${p.seconds.toFixed(0)} s)`) });
  const v = t.evaluate(test);
  const a = t.evaluate(accentTest);
  return {
    train: trainSet.length, test: test.length, accentTest: accentTest.length, voices: { cer: v.cer, wer: v.wer }, accents: { cer: a.cer, wer: a.wer },
    epochs: t.history.length, transcriber: t, examples: test.slice(0, 5).map((e, i) => ({ said: e.text, heard: v.transcripts[i]! })), testSet: test, accentSet: accentTest,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rawOutput } = await import('./raw-output.js');
  const out = rawOutput('transcribe', 'npm run bench:transcribe');
  await setBackend('wasm', { threads: 'auto' });
  const t0 = performance.now();
  const perVoice = Number(process.argv[2] ?? 24);
  const r = await transcribeExperiment(perVoice, JSON.parse(process.argv[3] ?? '{}'), JSON.parse(process.argv[4] ?? '{}'));
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const lm = await digitLanguageModel();
  const decoding = { beam: 8, lm: { model: lm.model, vocab: lm.vocab } };
  const accentSet = r.accentSet;
  const fusedVoices = r.transcriber.evaluate(r.testSet, decoding);
  const fusedAccents = r.transcriber.evaluate(accentSet, decoding);
  const beamOnly = r.transcriber.evaluate(r.testSet, { beam: 8 });
  [
    `digit strings of 3-10 digits spoken by espeak-ng; ${r.train} training recordings, ${r.test} from held-out voices of the trained accents, ${r.accentTest} from the accents held out whole`,
    `${r.epochs} epochs, ${((performance.now() - t0) / 1000).toFixed(0)} s in all (synthesis included)`,
    `held-out voices: CER ${pct(r.voices.cer)}, WER ${pct(r.voices.wer)} (greedy)`,
    `held-out accents: CER ${pct(r.accents.cer)}, WER ${pct(r.accents.wer)} (greedy)`,
    `held-out voices, beam 8 without a language model: CER ${pct(beamOnly.cer)}, WER ${pct(beamOnly.wer)}`,
    `with a character language model of digit strings (1 x 64 LSTM, 300 steps; beam 8, weight 0.5): held-out voices CER ${pct(fusedVoices.cer)}, WER ${pct(fusedVoices.wer)}; held-out accents CER ${pct(fusedAccents.cer)}, WER ${pct(fusedAccents.wer)}`,
    ...r.examples.map((e) => `  said "${e.said}", heard "${e.heard}"`),
  ].forEach(out.line);
  if (!r.transcriber.options.bidirectional) {
    // Streaming: every held-out recording fed in 100 ms chunks; the time each chunk takes, and the transcripts at the end.
    const ms: number[] = [];
    const heard = r.testSet.map((e) => {
      const s = r.transcriber.stream(e.audio.sampleRate);
      const chunk = Math.round(e.audio.sampleRate / 10);
      for (let at = 0; at < e.audio.samples.length; at += chunk) {
        const t1 = performance.now();
        s.push(e.audio.samples.subarray(at, at + chunk));
        ms.push(performance.now() - t1);
      }
      return s.end();
    });
    ms.sort((a, b) => a - b);
    const streamed = errorRates(r.testSet.map((e) => normaliseTranscript(e.text)), heard);
    out.line(`streaming in 100 ms chunks (${ms.length} chunks): held-out voices CER ${pct(streamed.cer)}, WER ${pct(streamed.wer)}; per chunk ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(1)} ms on average, ${ms[Math.floor(0.95 * ms.length)]!.toFixed(1)} ms at the 95th percentile, ${ms[ms.length - 1]!.toFixed(1)} ms at most (single thread, one stream)`);
  }
  await out.save();
}
