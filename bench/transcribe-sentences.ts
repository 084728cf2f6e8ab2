/**
 * Sentences from a small grammar (times, dates and spoken commands: "set an
 * alarm for quarter past seven", "the twenty third of november", "turn off
 * the kitchen lights") spoken by espeak-ng in many voices, transcribed by the
 * CTC transcriber greedily and with a character language model of the same
 * grammar (other sentences) fused into the beam search: the language model's
 * gain. Voices split as in bench/spoken-digits.ts. `npm run
 * bench:transcribe-sentences [-- PER_VOICE [EPOCHS]]` prints the error rates
 * and writes bench/RESULTS-transcribe-sentences-<date>.txt.
 */
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { TextGenerator } from '../packages/recurrent/src/tasks/text/generator.js';
import { Transcriber } from '../packages/recurrent/src/tasks/speech/transcriber.js';
import { voiceSets } from './spoken-digits.js';
import { speakTexts } from './transcribe-digits.js';

const HOURS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth',
  'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth', 'twentieth',
  ...['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'].map((o) => `twenty ${o}`), 'thirtieth', 'thirty first'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const ROOMS = ['kitchen', 'bedroom', 'living room', 'hall', 'garden', 'office'];
const DEVICES = ['lights', 'heating', 'radio', 'fan', 'television'];

/** One sentence of the grammar. */
export function sentence(rng: Random): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  const time = (): string => pick([
    () => `${pick(HOURS)} o'clock`, () => `half past ${pick(HOURS)}`, () => `quarter past ${pick(HOURS)}`,
    () => `quarter to ${pick(HOURS)}`, () => `${pick(HOURS)} ${pick(['fifteen', 'thirty', 'forty five', 'twenty', 'ten'])}`,
  ])();
  const date = (): string => pick([() => `the ${pick(ORDINALS)} of ${pick(MONTHS)}`, () => `${pick(MONTHS)} the ${pick(ORDINALS)}`])();
  return pick([
    () => `set an alarm for ${time()}`,
    () => `wake me at ${time()}`,
    () => `remind me on ${date()}`,
    () => `book a table for ${pick(HOURS)} at ${time()}`,
    () => `turn ${pick(['on', 'off'])} the ${pick(ROOMS)} ${pick(DEVICES)}`,
    () => `the meeting is on ${date()} at ${time()}`,
    () => `what is the weather on ${date()}`,
  ])();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rawOutput } = await import('./raw-output.js');
  const out = rawOutput('transcribe-sentences', 'npm run bench:transcribe-sentences');
  await setBackend('wasm', { threads: 'auto' });
  const t0 = performance.now();
  const perVoice = Number(process.argv[2] ?? 12);
  const epochs = Number(process.argv[3] ?? 40);
  const voices = voiceSets(0);
  const make = (vs: string[], n: number, seed: number) => speakTexts(vs, (rng) => Array.from({ length: n }, () => sentence(rng)), seed);
  const test = make(voices.test, 4, 1);
  const val = make(voices.val, 4, 2);
  const train = make(voices.train, perVoice, 3);
  const accents = make(voices.accents, 2, 4);
  const t = Transcriber.create(train.map((e) => e.text), {}, 0);
  await t.train(train, val, { epochs }, { seed: 0, onProgress: (p) => console.error(`epoch ${p.epoch}: loss ${p.loss.toFixed(3)}, validation CER ${(100 * p.valCer).toFixed(1)}% (${p.seconds.toFixed(0)} s)`) });
  // The language model reads other sentences of the grammar, never the test's.
  const lmRng = new Random(42);
  const text = `${Array.from({ length: 4000 }, () => sentence(lmRng)).join('\n')}\n`;
  const g = TextGenerator.create(text, { hiddenSize: 128, numLayers: 1, embeddingSize: 16 }, 0);
  await g.train(text, { steps: 600, batch: 16, seqLen: 64 });
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `sentences of times, dates and commands spoken by espeak-ng; ${train.length} training recordings, ${test.length} from held-out voices of the trained accents, ${accents.length} from the accents held out whole`,
    `${t.history.length} epochs, language model validation loss ${g.history.at(-1)?.valLoss?.toFixed(3)} nats/char; ${((performance.now() - t0) / 1000).toFixed(0)} s in all`,
  ];
  for (const [name, set] of [['held-out voices', test], ['held-out accents', accents]] as const) {
    const greedy = t.evaluate(set);
    const beam = t.evaluate(set, { beam: 8 });
    const fused = t.evaluate(set, { beam: 8, lm: { model: g.model, vocab: g.vocab } });
    lines.push(`${name}: greedy CER ${pct(greedy.cer)} WER ${pct(greedy.wer)}; beam 8 CER ${pct(beam.cer)} WER ${pct(beam.wer)}; beam 8 + LM CER ${pct(fused.cer)} WER ${pct(fused.wer)}`);
    if (name === 'held-out voices') set.slice(0, 4).forEach((e, i) => lines.push(`  said "${e.text}", greedy "${greedy.transcripts[i]}", with the LM "${fused.transcripts[i]}"`));
  }
  lines.forEach(out.line);
  await out.save();
}
