import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextGenerator, Vocabulary, tokenize } from '../packages/recurrent/src/node.js';
import { loadCorpus } from '../packages/cli/src/corpora.js';

const TEXT = 'the whale, the sea; and the ship.\nCall me Ishmael. Some years ago, never mind how long precisely, having little money in my purse.\n'.repeat(30);

function roundTrip(g: TextGenerator, resume: boolean): TextGenerator {
  return TextGenerator.fromFiles(g.toFiles(), 'mem', { resume });
}

describe('TextGenerator', () => {
  it('resumes exactly: 3 + 3 steps equal 6 uninterrupted steps (dropout, 2 layers, carried state)', async () => {
    const opts = { cell: 'LSTM' as const, hiddenSize: 16, numLayers: 2, embeddingSize: 8, dropout: 0.3 };
    const train = { batch: 4, seqLen: 12, evalEvery: 3, lr: 0.01 };
    const a = TextGenerator.create(TEXT, opts, 7);
    await a.train(TEXT, { ...train, steps: 6 });
    const b1 = TextGenerator.create(TEXT, opts, 7);
    await b1.train(TEXT, { ...train, steps: 3 });
    const b2 = roundTrip(b1, true);
    assert.equal(b2.step, 3);
    await b2.train(TEXT, { steps: 3 });
    assert.equal(b2.step, 6);
    const wa = a.model.stateDict();
    const wb = b2.model.stateDict();
    for (const k of Object.keys(wa)) assert.deepEqual(wb[k]!.data, wa[k]!.data, k);
    assert.deepEqual(b2.history.map((h) => [h.step, h.loss, h.valLoss]), a.history.map((h) => [h.step, h.loss, h.valLoss]));
  });

  it('keeps the best weights by validation loss for generation, the latest for resuming', async () => {
    const g = TextGenerator.create(TEXT, { hiddenSize: 16, numLayers: 1, embeddingSize: 8 }, 1);
    await g.train(TEXT, { batch: 4, seqLen: 12, steps: 8, evalEvery: 2, lr: 0.05 });
    // Two more steps at a learning rate far too high: the last validation is then worse than the best.
    await g.train(TEXT, { steps: 2, lr: 2 });
    const best = g.history.reduce((m, h) => Math.min(m, h.valLoss!), Infinity);
    const files = g.toFiles();
    const cfg = files.config as { extra: { best: { valLoss: number; step: number } } };
    assert.equal(cfg.extra.best.valLoss, best);
    const forGeneration = TextGenerator.fromFiles(files, 'mem');
    // The validation span exactly as train() holds it out (the last 5%, at least seqLen + 1 tokens).
    const ids = g.vocab.encode(TEXT).ids;
    const valIds = ids.subarray(ids.length - Math.max(13, Math.floor(ids.length * 0.05)));
    assert.equal(forGeneration.evaluate(valIds, 4, 12, 100_000), best, 'the folder generates with the best weights');
    const resumed = TextGenerator.fromFiles(files, 'mem', { resume: true });
    assert.equal(resumed.step, 10);
    assert.equal(resumed.evaluate(valIds, 4, 12, 100_000), g.history.at(-1)!.valLoss, 'and resumes from the latest');
    assert.notEqual(g.history.at(-1)!.valLoss, best, 'this run\'s last validation is not its best, so the two are told apart');
  });

  it('learns: on held-out text it never saw, the loss falls well below the character frequencies\' own', async () => {
    // 100,000 characters of Moby-Dick: the validation span (the last 5%) is prose that the training part does not contain.
    const text = loadCorpus('moby-dick').text.slice(20_000, 120_000);
    const g = TextGenerator.create(text, { hiddenSize: 64, numLayers: 1, embeddingSize: 16 }, 2);
    await g.train(text, { batch: 16, seqLen: 32, steps: 200, evalEvery: 200, lr: 0.01 });
    const ids = g.vocab.encode(text).ids;
    const nVal = Math.max(33, Math.floor(ids.length * 0.05));
    const trainPart = text.slice(0, text.length - nVal);
    const valPart = text.slice(text.length - nVal);
    for (let at = 0; at + 40 <= valPart.length; at += 400) assert.ok(!trainPart.includes(valPart.slice(at, at + 40)), 'the validation text is not in the training text');
    // The unigram model: each character's frequency in the training part, scored on the validation span.
    const counts = new Float64Array(g.vocab.size);
    for (let i = 0; i < ids.length - nVal; i++) counts[ids[i]!]!++;
    let unigram = 0;
    for (let i = ids.length - nVal; i < ids.length; i++) unigram -= Math.log(Math.max(counts[ids[i]!]!, 0.5) / (ids.length - nVal));
    unigram /= nVal;
    const val = g.history.at(-1)!.valLoss!;
    assert.ok(val < unigram - 0.5, `validation ${val.toFixed(3)} nats/char vs the unigram model's ${unigram.toFixed(3)}`);
  });

  it('generates reproducibly from a seed, streams every token, and reports unknown characters', () => {
    const g = TextGenerator.create(TEXT, { hiddenSize: 8, numLayers: 1, embeddingSize: 4 }, 3);
    const streamed: string[] = [];
    const a = g.generate({ prime: 'the ', length: 40, seed: 5, onToken: (t) => streamed.push(t) });
    const b = g.generate({ prime: 'the ', length: 40, seed: 5 });
    assert.equal(a.text, b.text);
    assert.equal(streamed.join(''), a.text);
    assert.equal(Array.from(a.text).length, 40);
    assert.notEqual(g.generate({ prime: 'the ', length: 40, seed: 6 }).text, a.text);
    assert.deepEqual(g.generate({ prime: 'the Zebra', length: 5 }).unknown, ['Z', 'b']);
    const greedy1 = g.generate({ prime: 'the ', length: 20, topK: 1, seed: 1 }).text;
    const greedy2 = g.generate({ prime: 'the ', length: 20, topK: 1, seed: 2 }).text;
    assert.equal(greedy1, greedy2, 'top-k 1 is greedy whatever the seed');
    const beam = g.generate({ prime: 'the ', length: 10, beam: 3 });
    assert.equal(Array.from(beam.text).length, 10);
    assert.throws(() => g.generate({ temperature: 0 }), /temperature must be positive, got 0/);
    assert.throws(() => g.generate({ topP: 1.5 }), /topP must be in \(0, 1\], got 1.5/);
  });

  it('word mode: a word vocabulary with <unk>, whole words out', async () => {
    const g = TextGenerator.create(TEXT, { tokenizer: 'word', hiddenSize: 16, numLayers: 1, embeddingSize: 8, maxVocab: 20 }, 4);
    assert.equal(g.vocab.size, 20);
    assert.equal(g.vocab.tokens[0], '<unk>');
    await g.train(TEXT, { batch: 2, seqLen: 8, steps: 5, evalEvery: 5 });
    const out = g.generate({ prime: 'the whale', length: 15, seed: 1 });
    const words = tokenize(out.text, 'word');
    assert.ok(words.length >= 10);
    for (const w of words) assert.ok(g.vocab.has(w), `'${w}' is a vocabulary word`);
    assert.deepEqual(g.generate({ prime: 'the narwhal', length: 1 }).unknown, ['narwhal']);
  });

  it('refuses text too short for the batch, and a different text on resume', async () => {
    const g = TextGenerator.create('abc abc abc', { hiddenSize: 4, numLayers: 1, embeddingSize: 2 });
    await assert.rejects(g.train('abc abc abc', { steps: 1 }), /too few to hold out/);
    const h = TextGenerator.create(TEXT, { hiddenSize: 4, numLayers: 1, embeddingSize: 2 });
    await h.train(TEXT, { batch: 2, seqLen: 8, steps: 2, evalEvery: 2 });
    const r = TextGenerator.fromFiles(h.toFiles(), 'mem', { resume: true });
    await assert.rejects(r.train(TEXT.replace('whale', 'sea'), { steps: 1 }), /resuming needs the same training text/);
  });
});

describe('Vocabulary', () => {
  it('round-trips text and JSON', () => {
    const v = Vocabulary.fromText('hello world\n', 'char');
    assert.equal(v.decode(v.encode('hello').ids), 'hello');
    assert.deepEqual(Vocabulary.fromJSON(v.toJSON()).tokens, v.tokens);
    const w = Vocabulary.fromText('Hello, world! Hello again.', 'word');
    assert.equal(w.decode(w.encode('Hello, world!').ids), 'Hello, world!');
    assert.throws(() => Vocabulary.fromJSON({ kind: 'bytes', tokens: [] }), /expected \{"kind": "char"\|"word"/);
  });
});
