/**
 * The speech synthesizers Debian ships, behind one call: espeak-ng (formant
 * synthesis, many accents and voice variants), flite (CMU's small engine:
 * diphone and statistical voices) and festival (diphone voices and an HTS
 * voice). A recogniser trained on some of them and tested on another hears a
 * source of speech it never heard: the benches' stand-in for a new speaker,
 * microphone and room.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Audio, parseWav } from '../packages/recurrent/src/audio/wav.js';
import type { Random } from '../packages/recurrent/src/tensor/random.js';

export type SynthesizerName = 'espeak' | 'flite' | 'festival';

/** How to say it: a speed (1 is the voice's own; 1.25 is a quarter faster) and a pitch shift in semitones. */
export interface Delivery {
  speed: number;
  pitch: number;
}

export interface Synthesizer {
  name: SynthesizerName;
  /** the commands that must be installed */
  commands: string[];
  /** its English voices */
  voices: string[];
  /** writes each text, said by `voice` as `how` says, to its file */
  say(voice: string, how: Delivery, items: Array<{ text: string; file: string }>): void;
}

const ESPEAK_ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-029', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'];
let variants: string[] | null = null;

/** espeak-ng's voice variants, as `espeak-ng --voices=variant` lists them ("!v/klatt2" -> "klatt2"). */
function espeakVariants(): string[] {
  variants ??= execFileSync('espeak-ng', ['--voices=variant'], { encoding: 'utf8' }).split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/)[4] ?? '').filter((f) => f.startsWith('!v/')).map((f) => f.slice(3)).sort();
  return variants;
}

/**
 * Each file's pitch moved by `semitones` with sox, its tempo kept (flite and festival take a pitch
 * only in hertz, and their voices' own pitches differ: a female voice forced to a male pitch is no
 * longer the voice).
 */
function shiftPitch(items: Array<{ file: string }>, semitones: number): void {
  if (semitones === 0) return;
  for (const { file } of items) {
    execFileSync('sox', [file, `${file}.pitched.wav`, 'pitch', String(Math.round(100 * semitones))]);
    renameSync(`${file}.pitched.wav`, file);
  }
}

const FLITE_VOICES = ['kal16', 'awb', 'rms', 'slt', 'kal'];
const FESTIVAL_VOICES = ['kal_diphone', 'ked_diphone', 'cmu_us_slt_arctic_hts'];

export const SYNTHESIZERS: Record<SynthesizerName, Synthesizer> = {
  espeak: {
    name: 'espeak', commands: ['espeak-ng'],
    // every English accent with every voice variant espeak-ng has (about a hundred: its Klatt synthesizers, whispers, croaks, ...)
    get voices(): string[] {
      return ESPEAK_ACCENTS.flatMap((a) => espeakVariants().map((v) => `${a}+${v}`));
    },
    say: (voice, how, items) => {
      // espeak's speed is words per minute (175 its own), its pitch 0-99 (50 its own; about 6 units a semitone here)
      for (const { text, file } of items) execFileSync('espeak-ng', ['-v', voice, '-s', String(Math.round(175 * how.speed)), '-p', String(Math.max(0, Math.min(99, Math.round(50 + 6 * how.pitch)))), '-w', file, text]);
    },
  },
  flite: {
    name: 'flite', commands: ['flite', 'sox'], voices: FLITE_VOICES,
    say: (voice, how, items) => {
      for (const { text, file } of items) execFileSync('flite', ['-voice', voice, '--setf', `duration_stretch=${(1 / how.speed).toFixed(3)}`, '-t', text, '-o', file]);
      shiftPitch(items, how.pitch);
    },
  },
  festival: {
    name: 'festival', commands: ['festival', 'sox'], voices: FESTIVAL_VOICES,
    say: (voice, how, items) => {
      // One festival process for the lot: starting one per utterance takes half a second each.
      const quote = (s: string): string => `"${s.replace(/["\\]/g, '')}"`;
      const script = [`(voice_${voice})`, `(Parameter.set 'Duration_Stretch ${(1 / how.speed).toFixed(3)})`,
        ...items.map(({ text, file }) => `(utt.save.wave (utt.synth (Utterance Text ${quote(text)})) ${quote(file)} 'riff)`)].join('\n');
      const path = `${items[0]!.file}.scm`;
      writeFileSync(path, script);
      execFileSync('festival', ['-b', path]);
      shiftPitch(items, how.pitch);
    },
  },
};

/** Whether a synthesizer's commands are installed. */
export function installed(name: SynthesizerName): boolean {
  try {
    execFileSync('which', SYNTHESIZERS[name].commands, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Each text in each voice at each delivery (or, with `draw`, at one delivery drawn for each voice), read back as audio. */
export function synthesize(name: SynthesizerName, voices: string[], texts: string[], deliveries: Delivery[], draw?: Random): Array<{ audio: Audio; text: string; voice: string }> {
  const s = SYNTHESIZERS[name];
  const dir = mkdtempSync(join(tmpdir(), `recurrent-${name}-`));
  const out: Array<{ audio: Audio; text: string; voice: string }> = [];
  for (const voice of voices) {
    for (const how of draw ? [deliveries[draw.int(deliveries.length)]!] : deliveries) {
      const items = texts.map((text, i) => ({ text, file: join(dir, `${out.length + i}.wav`) }));
      s.say(voice, how, items);
      for (const { text, file } of items) out.push({ audio: parseWav(new Uint8Array(readFileSync(file)), `${name} ${voice} "${text}"`), text, voice });
    }
  }
  return out;
}
