/**
 * Streaming transcription: a unidirectional transcriber with running
 * normalisation, fed a recording in chunks of random sizes, gives partial
 * transcripts that only grow, and at the end exactly the transcript of the
 * whole recording; it transcribes tones it never heard; running
 * normalisation is causal (a frame's features do not change with what comes
 * after); augmentation keeps to its options; what cannot stream says so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError, DataError, Random, Transcriber, type TranscribedAudio, augmentOptions, featureStats, maskFrames, mfcc, resample, runningNormalise, startRunningStats,
} from '../packages/recurrent/src/index.js';

const RATE = 16000;
const LETTERS = 'abcd';

/** `text` as tones, a pitch per letter, with pauses and a little noise (as examples/ctc-tones.ts makes them). */
function tones(text: string, rng: Random): TranscribedAudio {
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

const word = (rng: Random): string => Array.from({ length: 2 + rng.int(4) }, () => LETTERS[rng.int(LETTERS.length)]!).join('');

describe('streaming transcription', () => {
  it('chunks of any size: partial transcripts that grow, the whole recording\'s transcript at the end; a low error rate on new recordings', { timeout: 300_000 }, async () => {
    const rng = new Random(3);
    const train = Array.from({ length: 200 }, () => tones(word(rng), rng));
    const test = Array.from({ length: 20 }, () => tones(word(rng), rng));
    const t = Transcriber.create(train.map((e) => e.text), { hiddenSize: 32, numLayers: 1, bidirectional: false }, 0);
    assert.equal(t.options.normalise, 'running');
    // Speech's augmentation is off: a tone lives in one or two mel bands, which a band mask erases whole.
    await t.train(train, test.slice(0, 5), { epochs: 25, patience: 25, augment: false });
    const whole = t.transcribe(test.map((e) => e.audio));
    for (const [i, e] of test.entries()) {
      const s = t.stream(RATE);
      const partials: string[] = [];
      for (let at = 0; at < e.audio.samples.length;) {
        const n = 1 + rng.int(3000);
        partials.push(s.push(e.audio.samples.subarray(at, at + n)));
        at += n;
      }
      const final = s.end();
      assert.equal(final, whole[i], `recording ${i}: streamed "${final}", whole "${whole[i]}"`);
      partials.forEach((p, k) => assert.ok(final.startsWith(p) && (k === 0 || p.startsWith(partials[k - 1]!)), `partial "${p}" of "${final}"`));
      assert.throws(() => s.push(new Float32Array(10)), ConfigError);
    }
    const r = t.evaluate(test);
    console.log(`# streaming tones: CER ${(100 * r.cer).toFixed(1)}% on ${test.length} new recordings`);
    assert.ok(r.cer < 0.15, `CER ${r.cer}`);
    // Its files stream the same.
    const back = Transcriber.fromFiles(t.toFiles());
    const s = back.stream(RATE);
    s.push(test[0]!.audio.samples);
    assert.equal(s.end(), whole[0]);
  });

  it('what cannot stream says why', () => {
    const bi = Transcriber.create(['ab'], { hiddenSize: 4, numLayers: 1 }, 0);
    assert.throws(() => bi.stream(RATE), (e: Error) => e instanceof ConfigError && /unidirectional transcriber with running normalisation, this one is bidirectional/.test(e.message));
    const uni = Transcriber.create(['ab'], { hiddenSize: 4, numLayers: 1, bidirectional: false }, 0);
    assert.throws(() => uni.stream(RATE), (e: Error) => e instanceof DataError && /trained transcriber/.test(e.message));
    assert.throws(() => uni.transcribe([tones('ab', new Random(0)).audio]), (e: Error) => e instanceof DataError && /train it first/.test(e.message));
  });
});

describe('running normalisation', () => {
  it('causal: frame t does not change with the frames after it; over a long stationary signal it tends to zero mean, unit spread', () => {
    const rng = new Random(1);
    const x = Float32Array.from({ length: RATE * 3 }, () => 0.3 * rng.normal());
    const m = mfcc(x, RATE);
    const stats = featureStats([mfcc(Float32Array.from({ length: RATE }, () => 0.3 * rng.normal()), RATE)]);
    const all = runningNormalise(m, startRunningStats(stats));
    const firstHalf = runningNormalise({ data: m.data.slice(0, 100 * 13), frames: 100, features: 13 }, startRunningStats(stats));
    assert.deepEqual(firstHalf.data, all.data.slice(0, 100 * 13));
    // the last 100 frames: near zero mean and unit variance per coefficient (the prior's 100 frames a small share of 300)
    for (let c = 0; c < 13; c++) {
      const col = Array.from({ length: 100 }, (_, f) => all.data[(all.frames - 100 + f) * 13 + c]!);
      const mean = col.reduce((a, b) => a + b, 0) / 100;
      assert.ok(Math.abs(mean) < 0.5, `coefficient ${c}: mean ${mean}`);
    }
  });
});

describe('augmentation', () => {
  it('resampling by 1.25 makes 4/5 of the samples and raises a tone by 1.25; masks keep to their widths; bad options are named', () => {
    const hz = 500;
    const x = Float32Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 8000));
    const y = resample(x, 1.25);
    assert.equal(y.length, 6400);
    let crossings = 0;
    for (let i = 1; i < y.length; i++) if (y[i - 1]! < 0 && y[i]! >= 0) crossings++;
    assert.ok(Math.abs(crossings / (6400 / 8000) - hz * 1.25) < 5, `${crossings} upward crossings`);
    const a = augmentOptions({ timeMasks: 1, timeMaskWidth: 0.1 })!;
    const f = { data: new Float32Array(100 * 3).fill(1), frames: 100, features: 3 };
    maskFrames(f, a, new Random(2));
    const zeroRows = Array.from({ length: 100 }, (_, r) => f.data[r * 3] === 0).filter(Boolean).length;
    assert.ok(zeroRows <= 10, `${zeroRows} frames masked`);
    assert.equal(augmentOptions(false), null);
    assert.throws(() => augmentOptions({ speed: 0.9 }), (e: Error) => e instanceof ConfigError && /augment\.speed must be between 0 and 0\.5, got 0\.9/.test(e.message));
    assert.throws(() => augmentOptions({ noise: [30, 10] }), (e: Error) => e instanceof ConfigError && /augment\.noise/.test(e.message));
  });
});
