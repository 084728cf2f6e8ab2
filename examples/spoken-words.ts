/**
 * Spoken words from WAV files: Debian's espeak-ng says four words in a
 * dozen voices, a recogniser (MFCCs -> bidirectional GRU) learns them, and
 * three recognisers trained from different seeds are averaged: where the
 * members go wrong on different recordings of voices none of them heard,
 * the average is right more often (npm run bench:speech-cross measures it
 * across synthesizers).
 *
 *   apt-get install espeak-ng
 *   npx tsx examples/spoken-words.ts
 *
 * Prints each member's accuracy and the ensemble's on the held-out voices,
 * and the ensemble's probabilities for one recording.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LabelledAudio, SpokenWordEnsemble, parseWav } from 'recurrent-nn';

const WORDS = ['zero', 'one', 'two', 'three'];
const dir = mkdtempSync(join(tmpdir(), 'spoken-words-'));

/** Every word in every voice, at two speeds (words per minute), as WAV files read back. */
function say(voices: string[]): LabelledAudio[] {
  return voices.flatMap((voice) => [140, 190].flatMap((speed) => WORDS.map((word) => {
    const file = join(dir, `${voice}-${speed}-${word}.wav`);
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', file, word]);
    return { audio: parseWav(readFileSync(file), file), label: word };
  })));
}

const train = say(['en-us+m1', 'en-us+m3', 'en-us+f1', 'en-us+f3', 'en-gb+m2', 'en-gb+f2', 'en-gb-scotland+m4', 'en-029+f4']);
const val = say(['en-us+m5']);
const test = say(['en-gb+m7', 'en-gb-x-rp+f5', 'en-us+klatt2', 'en-gb-x-gbclan+m6', 'en-029+f1']);

const ensemble = await SpokenWordEnsemble.train(WORDS, train, val, 3, { hiddenSize: 32 }, { epochs: 15 }, {
  seed: 1, onMember: (i, m) => console.log(`member ${i + 1}: ${(100 * m.accuracy(test)).toFixed(1)}% on ${test.length} recordings from 5 voices never trained on`),
});
console.log(`ensemble of 3: ${(100 * ensemble.accuracy(test)).toFixed(1)}% on the same recordings`);
const p = ensemble.predictProbabilities([test[2]!.audio])[0]!;
console.log(`"${test[2]!.label}" said by en-gb+m7: ${ensemble.labels.map((w, k) => `${w} ${p[k]!.toFixed(3)}`).join(', ')}`);
