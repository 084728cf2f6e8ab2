/**
 * Speech to text with CTC: a small transcriber trained on digit strings
 * spoken by espeak-ng (installed by .ci/run) transcribes voices it never
 * heard with a low word error rate; its files load back to the same
 * transcripts; bad input is one clear message. The per-frame model's
 * gradient, with padded sequences, by finite differences.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataError, Random, SequenceTagger, Tensor, Transcriber, editDistance, errorRates, normaliseTranscript, saveModelFiles, saveTextModel } from '../packages/recurrent/src/node.js';
import { digitLanguageModel, transcribeExperiment } from '../bench/transcribe-digits.js';
import { cliIn, oneLineError } from './cli-helpers.js';
import { dot, gradCheck, randomTensor, wav, hasEspeak } from './helpers.js';

describe('error rates', () => {
  it('edit distance, CER and WER', () => {
    assert.equal(editDistance(Array.from('kitten'), Array.from('sitting')), 3);
    assert.equal(editDistance([], ['a']), 1);
    const r = errorRates(['one two three', 'four'], ['one too three', 'four five']);
    assert.equal(r.wer, 2 / 4);
    assert.equal(r.cer, (1 + 5) / (13 + 4));
    assert.equal(normaliseTranscript('  Four\tOne  five\n'), 'four one five');
  });
});

describe('SequenceTagger', () => {
  it('gradient by finite differences, padded steps reading nothing', () => {
    const rng = new Random(3);
    const m = new SequenceTagger({ inputSize: 3, numClasses: 4, hiddenSize: 5, numLayers: 2, mode: 'GRU' }, rng);
    const x = randomTensor([2, 6, 3], rng);
    const r = randomTensor([2, 6, 4], rng);
    const lengths = [6, 4];
    const loss = () => {
      const out = m.forward(x, lengths);
      m.clearCache();
      // Padded steps' scores (the head's bias alone) do not depend on the input.
      return dot(out.data, r.data);
    };
    m.zeroGrad();
    m.forward(x, lengths);
    const dx = m.backward(r);
    for (let t = 4; t < 6; t++) for (let i = 0; i < 3; i++) assert.equal(dx.data[(6 + t) * 3 + i], 0);
    gradCheck([
      { name: 'x', values: x.data, grad: dx.data },
      ...m.namedParameters().map(([name, p]) => ({ name, values: p.data, grad: p.grad })),
    ], loss, { eps: 1e-2, samples: 8 });
    const out = new Tensor(m.forward(x, lengths).data, [2, 6, 4]);
    assert.deepEqual(out.shape, [2, 6, 4]);
  });
});

describe('transcribing digit strings (espeak-ng)', () => {
  it('a small CTC transcriber: WER under 15% on voices never trained on; its files give the same transcripts', { timeout: 600_000 }, async () => {
    assert.ok(hasEspeak, 'espeak-ng is missing: apt-get install espeak-ng (.ci/run does)');
    // Augmentation (the default) needs more epochs than these 15 to pay off; this test keeps to its budget.
    const r = await transcribeExperiment(5, { hiddenSize: 64 }, { epochs: 15, patience: 15, augment: false }, [3, 6]);
    console.log(`# transcribing 3-6 digit strings, ${r.train} training recordings, ${r.epochs} epochs: held-out voices CER ${(100 * r.voices.cer).toFixed(1)}%, WER ${(100 * r.voices.wer).toFixed(1)}%; held-out accents CER ${(100 * r.accents.cer).toFixed(1)}%, WER ${(100 * r.accents.wer).toFixed(1)}%`);
    assert.ok(r.voices.wer < 0.15, `WER on held-out voices ${r.voices.wer}`);
    assert.ok(r.accents.wer < 0.3, `WER on held-out accents ${r.accents.wer}`);
    const t = r.transcriber;
    const back = Transcriber.fromFiles(t.toFiles());
    const audio = r.testSet.slice(0, 8).map((e) => e.audio);
    assert.deepEqual(back.transcribe(audio), t.transcribe(audio));

    // Shallow fusion of a character language model of digit strings (never the test's): fewer word errors.
    const lm = await digitLanguageModel(3000, [3, 6]);
    const fused = t.evaluate(r.testSet, { beam: 8, lm: { model: lm.model, vocab: lm.vocab } });
    console.log(`# with a character language model (beam 8, weight 0.5): CER ${(100 * fused.cer).toFixed(1)}%, WER ${(100 * fused.wer).toFixed(1)}%`);
    assert.ok(fused.wer <= r.voices.wer && fused.wer < 0.05, `WER with the language model ${fused.wer}, greedy ${r.voices.wer}`);
    // A model folder and the language model through the command line.
    const work = mkdtempSync(join(tmpdir(), 'recurrent-transcribe-lm-'));
    await saveModelFiles(join(work, 'model'), t.toFiles());
    await saveTextModel(join(work, 'lm'), lm);
    const wavFile = join(work, 'said.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', wavFile, 'four one five']);
    const c = cliIn(work)('transcribe', 'model', 'said.wav', '--lm', 'lm', '--beam', '4');
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /^[a-z' ]+\tsaid\.wav\n$/);
  });

  it('bad input: a character outside the alphabet, audio too short for its transcript, no transcripts', async () => {
    const t = Transcriber.create(['one two'], { hiddenSize: 8, numLayers: 1 });
    assert.throws(() => t.encode('one 2', 'a.wav'), (e: Error) => e instanceof DataError && /a\.wav: "2" is not in the model's alphabet " enotw"/.test(e.message));
    assert.throws(() => Transcriber.create(['', '  ']), /a transcriber needs transcripts with at least one character, got none/);
    // A tenth of a second of tone cannot hold "one two" (7 steps at 20 ms need 0.14 s).
    const rate = 16000;
    const tone = Float32Array.from({ length: rate / 10 }, (_, i) => Math.sin((2 * Math.PI * 300 * i) / rate));
    await assert.rejects(t.train([{ audio: { samples: tone, sampleRate: rate, source: 'short.wav' }, text: 'one two' }], []),
      /short\.wav: \d+ steps of audio \(0\.\d+ s after trimming silence\) cannot be aligned to its 7-step transcript "one two"/);
  });
});

describe('recurrent transcribe', () => {
  it('train on a folder with transcripts.tsv, then transcribe WAV files; bad folders are one line with nothing written', { timeout: 300_000 }, () => {
    assert.ok(hasEspeak, 'espeak-ng is missing');
    const work = mkdtempSync(join(tmpdir(), 'recurrent-transcribe-'));
    const cli = cliIn(work);
    const dir = join(work, 'said');
    mkdirSync(dir);
    const texts = ['one two', 'two one', 'one one two', 'two two', 'one', 'two', 'two one one', 'one two two'];
    const lines = texts.flatMap((text, i) => ['en-us', 'en-gb'].map((voice) => {
      const name = `${i}-${voice}.wav`;
      execFileSync('espeak-ng', ['-v', voice, '-w', join(dir, name), text]);
      return `${name}\t${text}`;
    }));
    writeFileSync(join(dir, 'transcripts.tsv'), `${lines.join('\n')}\n`);
    const r = cli('transcribe', 'train', 'said', '--hidden', '16', '--layers', '1', '--epochs', '3', '--val-fraction', '0.2');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /validation: character error rate \d+\.\d%, word error rate \d+\.\d% on 3 held-out recordings \(13 trained on\); saved to runs\/said-transcribe\//);
    assert.match(r.stderr, /epoch 3\/3: loss /);
    const p = cli('transcribe', 'runs/said-transcribe', join('said', '0-en-us.wav'), join('said', '1-en-gb.wav'));
    assert.equal(p.status, 0, p.stderr);
    const out = p.stdout.trim().split('\n');
    assert.equal(out.length, 2);
    assert.match(out[0]!, /^[a-z' ]*\tsaid\/0-en-us\.wav$/);

    // Bad input: one line each, no model folder written.
    const bad = (name: string, tsv: string | null, pattern: RegExp, files: Record<string, Uint8Array> = {}): void => {
      const d = join(work, name);
      mkdirSync(d);
      if (tsv !== null) writeFileSync(join(d, 'transcripts.tsv'), tsv);
      for (const [f, bytes] of Object.entries(files)) writeFileSync(join(d, f), bytes);
      oneLineError(cli('transcribe', 'train', name), pattern);
      assert.equal(existsSync(join(work, 'runs', `${name}-transcribe`)), false);
    };
    const tone = new Int16Array(1600).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
    const short = wav(1, 1, 16, new Uint8Array(tone.buffer), 16000);
    bad('none', null, /none: no transcripts\.tsv \(expected lines of "file\.wav<TAB>transcript"\)/);
    bad('empty', '\n\n', /empty\/transcripts\.tsv has only whitespace/);
    bad('notab', 'a.wav one two\n', /notab\/transcripts\.tsv: line 1 has no tab/);
    bad('missing', 'a.wav\tone\n', /missing\/transcripts\.tsv: line 1: a\.wav is not a file in missing/);
    bad('digits', 'a.wav\tcall 911\nb.wav\tone\n', /digits\/a\.wav's transcript: "9" is not in the model's alphabet/, { 'a.wav': short, 'b.wav': short });
    bad('short', 'a.wav\tone two three four five six\nb.wav\tone\n', /short\/a\.wav: \d+ steps of audio \(.* s after trimming silence\) cannot be aligned to its \d+-step transcript/, { 'a.wav': short, 'b.wav': short });
    oneLineError(cli('transcribe', 'runs/said-transcribe'), /give a model folder and WAV files/);
  });
});
