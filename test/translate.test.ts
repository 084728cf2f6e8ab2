/**
 * Sequence to sequence with attention: the model's backward against finite
 * differences, pair parsing, and held-out exact match on English -> French
 * number words (n2words) and on date formats (Intl); the CLI end to end.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataError, Random, Seq2Seq, Translator, chooseTokenizer, joinTokens, pairTokens, parsePairs, readModelFiles } from '../packages/recurrent/src/node.js';
import { datePairs, numberPairs } from '../bench/translate-quality.js';
import { holdOut } from '../packages/cli/src/options.js';
import { cliIn, oneLineError } from './cli-helpers.js';
import { dot, gradCheck, randomTensor } from './helpers.js';

describe('Seq2Seq with attention: finite differences', () => {
  for (const mode of ['LSTM', 'GRU'] as const) {
    it(`${mode} encoder and decoder, source lengths masked`, () => {
      const rng = new Random(3);
      const m = new Seq2Seq({ sourceVocab: 7, targetVocab: 6, embeddingSize: 4, hiddenSize: 5, mode }, rng);
      const src = { data: Int32Array.from([1, 2, 3, 4, 5, 6, 0, 0]), shape: [2, 4] };
      const tgt = { data: Int32Array.from([1, 2, 3, 4, 5, 1]), shape: [2, 3] };
      const r = randomTensor([2, 3, 6], rng);
      m.forward(src, [4, 2], tgt);
      m.backward(r);
      // Padded source steps get no attention.
      const a = m.lastAttention!;
      assert.equal(a.data[3 * 4 + 2], 0);
      gradCheck(m.namedParameters().map(([n, p]) => ({
        name: n, values: n.endsWith('embedding.weight') ? p.data.subarray(4) : p.data, grad: n.endsWith('embedding.weight') ? p.grad.subarray(4) : p.grad,
      })), () => {
        const v = dot(m.forward(src, [4, 2], tgt).data, r.data);
        m.clearCache();
        return v;
      });
    });
  }
});

describe('pairs and tokens', () => {
  it('word tokens keep hyphens, so French numbers round-trip', () => {
    const t = pairTokens('quatre-vingt-dix-neuf mille', 'word');
    assert.deepEqual(t, ['quatre', '-', 'vingt', '-', 'dix', '-', 'neuf', 'mille']);
    assert.equal(joinTokens(t, 'word'), 'quatre-vingt-dix-neuf mille');
  });

  it('a line without a tab, an empty side, an empty file', () => {
    assert.deepEqual(parsePairs('one\tun\ntwo\tdeux\n'), [{ source: 'one', target: 'un' }, { source: 'two', target: 'deux' }]);
    assert.throws(() => parsePairs('one\tun\ntwo deux\n', 'p.tsv'), (e: Error) => e instanceof DataError && /p\.tsv: line 2 has no tab/.test(e.message));
    assert.throws(() => parsePairs('one\t\n', 'p.tsv'), /line 1 has an empty target/);
    assert.throws(() => parsePairs('\n\n', 'p.tsv'), /no pairs/);
  });
});

describe('translation quality on held-out pairs', () => {
  it('English -> French number words: >= 95% exact match on numbers never seen in training', async () => {
    const pairs = await numberPairs(1000, 1);
    const test = pairs.slice(0, 100);
    const val = pairs.slice(100, 200);
    const train = pairs.slice(200);
    const t = Translator.create(train, { hiddenSize: 64 }, 0);
    await t.train(train, val, { epochs: 30, patience: 5 }, { seed: 0 });
    const exact = t.exactMatch(test);
    assert.ok(exact >= 0.95, `exact match ${exact}`);
    assert.ok(!train.some((p) => test.some((q) => q.source === p.source)), 'test numbers are held out');
    // Beam search finds at least as good a hypothesis here, and the attention rows are distributions.
    assert.ok(t.exactMatch(test, { beam: 3 }) >= 0.95);
    const r = t.translate('four hundred twenty-one');
    assert.equal(r.attention.length, r.targetTokens.length);
    for (const row of r.attention) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    const again = Translator.fromFiles(t.toFiles());
    assert.equal(again.translate('seven hundred four').text, t.translate('seven hundred four').text);
    // translateAsync: the same translation, sharing the thread; an aborted signal ends it early with the best so far.
    const slow = await t.translateAsync('four hundred twenty-one', { beam: 3, sliceMs: 0 });
    assert.deepEqual({ ...slow, complete: undefined }, { ...t.translate('four hundred twenty-one', { beam: 3 }), complete: undefined });
    assert.equal(slow.complete, true);
    const stop = new AbortController();
    stop.abort();
    const cut = await t.translateAsync('four hundred twenty-one', { beam: 3, maxLength: 50, signal: stop.signal });
    assert.equal(cut.complete, false);
    assert.equal(cut.targetTokens.length, 1, 'one decoder step, then the signal');
    await assert.rejects(t.translateAsync('four', { beem: 3 } as never), /Translator\.translateAsync.*'beem'/);
  });

  it('dates "23 November 2026" -> "2026-11-23", character by character', async () => {
    const pairs = datePairs(2500, 2);
    const test = pairs.slice(0, 200);
    const train = pairs.slice(300);
    const t = Translator.create(train, { sourceTokenizer: 'char', targetTokenizer: 'char', hiddenSize: 64 }, 0);
    await t.train(train, pairs.slice(200, 300), { epochs: 12, patience: 3 }, { seed: 0 });
    const exact = t.exactMatch(test);
    assert.ok(exact >= 0.95, `exact match ${exact}`);
    const seen = new Set(train.map((p) => p.source));
    assert.ok(!test.some((p) => seen.has(p.source)), 'test dates are held out');
  });
});

describe('recurrent translate', () => {
  const work = mkdtempSync(join(tmpdir(), 'recurrent-translate-'));
  const cli = cliIn(work);

  it('the default tokenizer: words for English and French numbers, characters for German ones; the length limit fits the target', async () => {
    const de = (await import('n2words/de-DE')).toCardinal as (x: number) => string;
    const en = (await import('n2words/en-US')).toCardinal as (x: number) => string;
    const german = Array.from({ length: 400 }, (_, i) => ({ source: en(i * 23 + 7), target: de(i * 23 + 7) }));
    assert.equal(chooseTokenizer((await numberPairs(400, 3)).map((p) => p.target)), 'word');
    assert.equal(chooseTokenizer(german.map((p) => p.source)), 'word');
    assert.equal(chooseTokenizer(german.map((p) => p.target)), 'char');
    const t = Translator.create(german, { hiddenSize: 8, embeddingSize: 4 }, 0);
    assert.equal(t.options.sourceTokenizer, 'word');
    assert.equal(t.options.targetTokenizer, 'char');
    // An untrained model rarely ends early, so it writes up to the limit: never less than the training targets it must cover.
    for (const p of german.slice(0, 20)) {
      const limit = Math.ceil(t.options.lengthRatio * pairTokens(p.source, 'word').length) + 10;
      assert.ok(limit >= Array.from(p.target).length, `limit ${limit} for ${p.target}`);
      assert.ok(t.translate(p.source).targetTokens.length <= limit);
    }
    const cut = t.translate(german[0]!.source, { maxLength: 3 });
    assert.ok(cut.targetTokens.length <= 3, 'an explicit limit still applies');
  });

  it('train on a TSV file, then translate from the command line', async () => {
    const pairs = await numberPairs(300, 3);
    writeFileSync(join(work, 'numbers.tsv'), pairs.map((p) => `${p.source}\t${p.target}`).join('\n'));
    const r = cli('translate', 'train', 'numbers.tsv', '--hidden', '32', '--epochs', '8', '--out', 'm');
    assert.equal(r.status, 0, r.stderr);
    const printed = Number(/validation exact match ([\d.]+)% on 30 held-out pairs \(270 trained on\)/.exec(r.stdout)?.[1]);
    const files = await readModelFiles(join(work, 'm'));
    const saved = Translator.fromFiles({ config: files.config as never, weights: files.weights }, 'm');
    // The figure printed is the saved model's exact match on the pairs held out (the command's split: 10%, seed 0).
    const { val } = holdOut(parsePairs(pairs.map((p) => `${p.source}\t${p.target}`).join('\n')), 0.1, 0, 'numbers.tsv', 'pair');
    assert.equal(val.length, 30);
    assert.equal(printed, Number((100 * saved.exactMatch(val)).toFixed(1)));
    const t = cli('translate', 'm', 'twenty', 'one', '--attention');
    assert.equal(t.status, 0, t.stderr);
    // What the command prints is what the saved model translates, with one attention row per target token.
    const want = saved.translate('twenty one');
    const lines = t.stdout.trimEnd().split('\n');
    assert.equal(lines[0], want.text);
    assert.deepEqual(lines[1]!.trim().split(/\s+/), want.sourceTokens);
    assert.equal(lines.length, 2 + want.targetTokens.length);
    lines.slice(2).forEach((line, i) => {
      const cells = line.trim().split(/\s+/);
      assert.equal(cells.length, 1 + want.sourceTokens.length, line);
      const weights = cells.slice(1).map(Number);
      weights.forEach((v, j) => assert.ok(Math.abs(v - want.attention[i]![j]!) <= 0.005, `attention ${i},${j}: ${v}`));
      assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) <= 0.005 * weights.length, 'a row is a distribution');
    });
  });

  it('bad pairs file: one line, non-zero exit, nothing written', () => {
    writeFileSync(join(work, 'bad.tsv'), 'one\tun\ntwo deux\n');
    oneLineError(cli('translate', 'train', 'bad.tsv', '--out', 'bad'), /bad\.tsv: line 2 has no tab/);
    assert.ok(!existsSync(join(work, 'bad')));
    oneLineError(cli('translate', 'nope', 'x'), /nope\/config\.json: cannot read/);
  });
});
