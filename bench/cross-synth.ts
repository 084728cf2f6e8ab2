/**
 * Spoken digits across synthesizers: trained on one (or two) of Debian's
 * speech synthesizers, tested on another never heard in training
 * (bench/synthesizers.ts). `npm run bench:speech-cross` prints each
 * accuracy and writes bench/RESULTS-speech-cross-<date>.txt. Arguments: the
 * recogniser's options and the training options as JSON, and the pairings to
 * run (`runs` below, counted from 0), e.g. `-- '{"maxHz":4000}' '{"epochs":20}' 3`, and how many
 * recognisers to train and average (1 by default: `-- '{}' '{"epochs":20}' 2,3 3` runs two pairings
 * with ensembles of three).
 */
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { type LabelledAudio, type SpeechOptions, SpokenWordEnsemble, type SpeechTrainOptions } from '../packages/recurrent/src/tasks/speech/recognizer.js';
import { DIGITS } from './spoken-digits.js';
import { type Delivery, SYNTHESIZERS, type SynthesizerName, synthesize } from './synthesizers.js';

/** espeak-ng: three speeds and pitches, as bench/spoken-digits.ts. The others: three speeds at the voice's own pitch, and two pitch shifts at its own speed. */
const OTHERS: Delivery[] = [{ speed: 0.8, pitch: 0 }, { speed: 1, pitch: 0 }, { speed: 1.25, pitch: 0 }, { speed: 1, pitch: -3 }, { speed: 1, pitch: 3 }];
const DELIVERIES: Record<SynthesizerName, Delivery[]> = {
  espeak: [{ speed: 0.75, pitch: -2.5 }, { speed: 0.9, pitch: 0 }, { speed: 1.1, pitch: 2.5 }],
  flite: OTHERS,
  festival: OTHERS,
};

/** Every digit from every voice of a synthesizer, labelled: espeak-ng's hundreds of voices at one delivery each, drawn; the others' few at every delivery. */
export function digitsOf(name: SynthesizerName): Array<LabelledAudio & { voice: string }> {
  const draw = name === 'espeak' ? new Random(7) : undefined;
  return synthesize(name, SYNTHESIZERS[name].voices, DIGITS, DELIVERIES[name], draw).map((e) => ({ audio: e.audio, label: e.text, voice: e.voice }));
}

/** Splits off a tenth of the voices (at least one) for validation. */
function splitVoices<T extends { voice: string }>(set: T[], seed: number): { train: T[]; val: T[] } {
  const voices = [...new Set(set.map((e) => e.voice))];
  new Random(seed).shuffle(voices);
  const val = new Set(voices.slice(0, Math.max(1, Math.round(voices.length / 10))));
  return { train: set.filter((e) => !val.has(e.voice)), val: set.filter((e) => val.has(e.voice)) };
}

/**
 * The synthesizers' training sets together, each small one repeated until it has at least a quarter
 * as many recordings as the largest: espeak-ng's thousands would otherwise drown a synthesizer of a
 * hundred. Augmentation, drawn anew for every example, makes the copies differ.
 */
function balanced<T>(sets: T[][], share = 0.25): T[] {
  const most = Math.max(...sets.map((s) => s.length));
  return sets.flatMap((s) => Array.from({ length: Math.max(1, Math.ceil((share * most) / s.length)) }, () => s).flat());
}

export interface CrossResult {
  trainedOn: SynthesizerName[];
  testedOn: SynthesizerName;
  accuracy: number;
  /** accuracy on each test voice (on espeak-ng, each accent) */
  perVoice: Record<string, number>;
  /** each test voice's mistakes, 'said->heard' -> count, most frequent first */
  mistakes: Record<string, Array<[string, number]>>;
  /** recognisers averaged */
  members: number;
  /** training recordings, each counted once (before the small synthesizers are repeated) */
  train: number;
  test: number;
  epochs: number;
  seconds: number;
}

/** Trains `members` recognisers on the synthesizers `trainOn` (validating on a tenth of their voices), tests on every recording of `testOn`. */
export async function crossExperiment(data: Record<SynthesizerName, Array<LabelledAudio & { voice: string }>>, trainOn: SynthesizerName[], testOn: SynthesizerName, options: SpeechOptions = {}, train: SpeechTrainOptions = {}, members = 1): Promise<CrossResult> {
  const t0 = performance.now();
  const parts = trainOn.map((n, i) => splitVoices(data[n], i));
  const r = await SpokenWordEnsemble.train(DIGITS, balanced(parts.map((p) => p.train)), parts.flatMap((p) => p.val), members, options, train, {
    seed: 0, onProgress: (p) => console.error(`  ${members > 1 ? `model ${p.member + 1}/${members}, ` : ''}epoch ${p.epoch}: loss ${p.loss.toFixed(3)}, validation accuracy ${(100 * p.valAccuracy).toFixed(1)}%`),
  });
  const heard = r.predict(data[testOn].map((e) => e.audio));
  // Per voice; espeak-ng's hundreds of voices per accent (the part before the '+').
  const group = (voice: string): string => (testOn === 'espeak' ? voice.split('+')[0]! : voice);
  const perVoice: Record<string, number> = {};
  const mistakes: Record<string, Array<[string, number]>> = {};
  for (const v of new Set(data[testOn].map((e) => group(e.voice)))) {
    const mine = data[testOn].flatMap((e, i) => (group(e.voice) === v ? [heard[i] === e.label] : []));
    perVoice[v] = mine.filter(Boolean).length / mine.length;
    const counts = new Map<string, number>();
    data[testOn].forEach((e, i) => {
      if (group(e.voice) === v && heard[i] !== e.label) counts.set(`${e.label}->${heard[i]}`, (counts.get(`${e.label}->${heard[i]}`) ?? 0) + 1);
    });
    mistakes[v] = [...counts].sort((a, b) => b[1] - a[1]);
  }
  return {
    trainedOn: trainOn, testedOn: testOn, mistakes, accuracy: heard.filter((l, i) => l === data[testOn][i]!.label).length / heard.length, perVoice, train: parts.reduce((s, p) => s + p.train.length, 0),
    test: data[testOn].length, members, epochs: Math.max(...r.members.map((m) => m.history.length)), seconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rawOutput } = await import('./raw-output.js');
  const out = rawOutput('speech-cross', 'npm run bench:speech-cross');
  await setBackend('wasm', { threads: 'auto' });
  const options = JSON.parse(process.argv[2] ?? '{}') as SpeechOptions;
  const trainOptions = JSON.parse(process.argv[3] ?? '{}') as SpeechTrainOptions;
  const names: SynthesizerName[] = ['espeak', 'flite', 'festival'];
  const data = Object.fromEntries(names.map((n) => [n, digitsOf(n)])) as Record<SynthesizerName, Array<LabelledAudio & { voice: string }>>;
  out.line(names.map((n) => `${n}: ${SYNTHESIZERS[n].voices.length} voices, ${data[n].length} recordings`).join('; '));
  const runs: Array<[SynthesizerName[], SynthesizerName]> = [[['espeak'], 'flite'], [['espeak'], 'festival'], [['espeak', 'flite'], 'festival'], [['espeak', 'festival'], 'flite'], [['flite', 'festival'], 'espeak']];
  const only = process.argv[4]?.split(',').map(Number);
  const members = Number(process.argv[5] ?? 1);
  for (const [trainOn, testOn] of runs.filter((_, i) => !only || only.includes(i))) {
    const r = await crossExperiment(data, trainOn, testOn, options, trainOptions, members);
    out.line(`trained on ${r.trainedOn.join(' + ')} (${r.train} recordings, ${r.members > 1 ? `${r.members} models averaged, at most ` : ''}${r.epochs} epochs, ${r.seconds.toFixed(0)} s): ${(100 * r.accuracy).toFixed(1)}% on ${r.testedOn} (${r.test} recordings; ${Object.entries(r.perVoice).map(([v, a]) => `${v} ${(100 * a).toFixed(0)}%`).join(', ')})`);
    // The weak voices' commonest confusions: which words a voice says unlike the training synthesizers.
    for (const [v, a] of Object.entries(r.perVoice)) {
      if (a < 0.9 && testOn !== 'espeak') out.line(`  ${v} mistakes (said->heard): ${r.mistakes[v]!.slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }
    await out.save();
  }
}
