/**
 * Speech to text's machinery on sounds made here: each letter a..e is a tone
 * of its own pitch, held for a random time, with random pauses between, and
 * the Transcriber (MFCCs -> bidirectional LSTM -> CTC) learns to write the
 * letters down with no alignment given: only the recording and its letters.
 *
 *   npx tsx examples/ctc-tones.ts
 *
 * Prints the character error rate on recordings it never trained on, a few
 * transcripts, and the same recording decoded greedily and by beam search.
 * Then a unidirectional transcriber writes a recording down while it plays,
 * 100 ms at a time.
 */
import { Random, type TranscribedAudio, Transcriber } from 'recurrent-nn';

const RATE = 16000;
const LETTERS = 'abcde';
const rng = new Random(1);

/** A recording of `text`: each letter a tone (300 Hz for a, 600 for b, ...), pauses between, a little noise. */
function say(text: string): TranscribedAudio {
  const parts: number[] = [];
  const pause = (): void => {
    for (let i = 0, n = Math.round(RATE * (0.04 + 0.06 * rng.next())); i < n; i++) parts.push(0.01 * (rng.next() - 0.5));
  };
  pause();
  for (const ch of text) {
    const hz = 300 * (LETTERS.indexOf(ch) + 1);
    const n = Math.round(RATE * (0.08 + 0.08 * rng.next()));
    for (let i = 0; i < n; i++) parts.push(0.5 * Math.sin((2 * Math.PI * hz * i) / RATE) * Math.min(1, i / 80, (n - i) / 80));
    pause();
  }
  return { audio: { samples: Float32Array.from(parts), sampleRate: RATE, source: `"${text}"` }, text };
}

const word = (): string => Array.from({ length: 2 + rng.int(5) }, () => LETTERS[rng.int(LETTERS.length)]!).join('');
const train = Array.from({ length: 240 }, () => say(word()));
const test = Array.from({ length: 30 }, () => say(word()));

// Augmentation is for speech: a tone lives in one or two mel bands, which its band masks would erase.
const t = Transcriber.create(train.map((e) => e.text), { hiddenSize: 32, numLayers: 1 }, 0);
await t.train(train, test.slice(0, 10), { epochs: 12, patience: 12, augment: false }, {
  onProgress: (p) => console.log(`epoch ${p.epoch}: CTC loss ${p.loss.toFixed(3)}, validation character error rate ${(100 * p.valCer).toFixed(1)}%`),
});

const held = test.slice(10);
const r = t.evaluate(held);
console.log(`character error rate on ${held.length} new recordings: ${(100 * r.cer).toFixed(1)}%`);
held.slice(0, 4).forEach((e, i) => console.log(`  played ${e.text.padEnd(7)} heard ${r.transcripts[i]}`));
const [greedy] = t.transcribe([held[0]!.audio]);
const [beam] = t.transcribe([held[0]!.audio], { beam: 8 });
console.log(`greedy "${greedy}", beam search "${beam}"`);

// Streaming: read one way only, each frame normalised by those before it (the default when unidirectional).
const live = Transcriber.create(train.map((e) => e.text), { hiddenSize: 32, numLayers: 1, bidirectional: false }, 0);
await live.train(train, test.slice(0, 10), { epochs: 20, patience: 20, augment: false });
const playing = held[1]!;
const stream = live.stream(RATE);
const chunk = RATE / 10;
for (let at = 0; at < playing.audio.samples.length; at += chunk) {
  const sofar = stream.push(playing.audio.samples.subarray(at, at + chunk));
  console.log(`  ${((at + chunk) / RATE).toFixed(1)} s: "${sofar}"`);
}
console.log(`streamed "${stream.end()}" (played ${playing.text}); the whole recording at once: "${live.transcribe([playing.audio])[0]}"`);
