/**
 * Sequence classification (the start of issue #6): the classifier's backward
 * against finite differences for every pooling, labelled-text parsing and its
 * errors, and a TextClassifier that must learn a rule a bag of words cannot
 * express (negation) on synthetic sentences.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DataError, Random, SequenceClassifier, TextClassifier, WordVocabulary, classificationReport, parseLabelled, splitIndices, wordTokens,
} from '../packages/recurrent/src/node.js';
import { sentimentExperiment } from '../bench/sentiment.js';
import { dot, gradCheck, randomTensor } from './helpers.js';

describe('SequenceClassifier: finite differences', () => {
  for (const [pooling, mode, bidirectional, bag] of [['max', 'LSTM', true, true], ['mean', 'GRU', false, true], ['last', 'LSTM', true, false], ['last', 'RNN_TANH', false, true]] as const) {
    it(`${pooling} pooling, ${mode}${bidirectional ? ' bidirectional' : ''}${bag ? ', with the bag of embeddings' : ''}, variable lengths`, () => {
      const rng = new Random(21);
      const m = new SequenceClassifier({ vocabSize: 9, embeddingSize: 4, hiddenSize: 5, numClasses: 3, mode, bidirectional, pooling, bagOfEmbeddings: bag, numLayers: 2 }, rng);
      const ids = { data: Int32Array.from([3, 4, 5, 6, 1, 2, 7, 0, 8, 8, 0, 0]), shape: [3, 4] };
      const lengths = [4, 3, 2];
      const r = randomTensor([3, 3], rng);
      m.forward(ids, lengths);
      m.backward(r);
      // The padding row (id 0) never receives a gradient.
      assert.ok(m.embedding!.weight.grad.subarray(0, 4).every((g) => g === 0));
      gradCheck(m.namedParameters().map(([n, p]) => ({ name: n, values: n === 'embedding.weight' ? p.data.subarray(4) : p.data, grad: n === 'embedding.weight' ? p.grad.subarray(4) : p.grad })), () => {
        const v = dot(m.forward(ids, lengths).data, r.data);
        m.clearCache();
        return v;
        // Max pooling is piecewise: a small step keeps each argmax where it is.
      }, pooling === 'max' ? { eps: 1e-3, atol: 1e-3, rtol: 1e-2 } : {});
    });
  }
});

describe('labelled texts', () => {
  it('reads CSV, JSON Lines and JSON arrays, skipping empty texts and missing labels', () => {
    assert.deepEqual(parseLabelled('text,label\n"good, fine",pos\nbad,neg\n,neg\n', 'a.csv').texts, ['good, fine', 'bad']);
    const j = parseLabelled('{"t":"yes","c":1}\n{"t":"no","c":0}\n', 'a.jsonl', 't', 'c');
    assert.deepEqual(j.labels, ['1', '0']);
    const arr = parseLabelled('[{"text":"a","class":0},{"text":"","class":null}]', 'a.json', 'text', 'class');
    assert.equal(arr.skipped, 1);
    assert.throws(() => parseLabelled('', 'e.csv'), (e: Error) => e instanceof DataError && /empty file/.test(e.message));
    assert.throws(() => parseLabelled('[{"body":"x","y":1}]', 'f.json'), /no "text" field in the records \(fields: body, y\)/);
  });

  it('words, a vocabulary with <pad>, <unk> and a size limit', () => {
    assert.deepEqual(wordTokens("It wasn't GOOD!"), ['it', "wasn't", 'good', '!']);
    const v = WordVocabulary.build(['a a a b b c', 'a b d'], 4);
    assert.deepEqual(v.words, ['<pad>', '<unk>', 'a', 'b']);
    assert.deepEqual(v.encode('a c z'), [2, 1, 1]);
  });

  it('a label column with one class is refused', () => {
    const data = { texts: ['x', 'y', 'z', 'w'], labels: ['a', 'a', 'a', 'a'] };
    assert.throws(() => TextClassifier.create(data, splitIndices(4, [0.5, 0.25, 0.25], 0)), /single class \('a'\)/);
  });

  it('report: accuracy, per-class precision/recall/F1, confusion matrix', () => {
    const r = classificationReport([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ['neg', 'pos']);
    assert.equal(r.accuracy, 3 / 5);
    assert.deepEqual(r.confusion, [[1, 1], [1, 2]]);
    assert.equal(r.perClass[1]!.precision, 2 / 3);
    assert.equal(r.perClass[0]!.recall, 1 / 2);
  });
});

describe('TextClassifier', () => {
  it('learns negation, which a bag of words cannot: "not good" is negative', async () => {
    const rng = new Random(4);
    const subjects = ['the food', 'the film', 'this phone', 'our waiter', 'the plot', 'the battery'];
    const words = ['good', 'great', 'fine', 'nice', 'lovely', 'bad', 'awful', 'poor', 'terrible', 'dull'];
    const texts: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < 600; i++) {
      const w = rng.int(words.length);
      const neg = rng.next() < 0.5;
      texts.push(`${subjects[rng.int(subjects.length)]} was ${neg ? 'not ' : ''}${words[w]}`);
      labels.push((w < 5) !== neg ? 'positive' : 'negative');
    }
    const data = { texts, labels };
    const split = splitIndices(texts.length, [0.7, 0.15, 0.15], 0);
    const c = TextClassifier.create(data, split, { hiddenSize: 16, embeddingSize: 8, dropout: 0 }, 0);
    await c.train(data, split, { epochs: 25, patience: 25, wordDropout: 0 }, { seed: 0 });
    const r = c.evaluate(data, split.test);
    assert.ok(r.accuracy >= 0.95, `test accuracy ${r.accuracy}`);
    assert.deepEqual(c.predict(['the food was not good', 'the film was not awful']), ['negative', 'positive']);
    const again = TextClassifier.fromFiles(c.toFiles());
    assert.deepEqual(again.predictProbabilities(['this phone was great']), c.predictProbabilities(['this phone was great']));
  });
});

describe('sentiment (UCI sentences in sentiment@5.0.2)', () => {
  it('the ensemble of 5 beats one model, and is level with bag-of-words logistic regression on the same split', { timeout: 900_000 }, async () => {
    const r = await sentimentExperiment(5);
    assert.equal(r.count, 3000);
    const detail = `ensemble ${r.ensemble}, one model ${r.single}, bag of words ${r.bow} on ${r.test} sentences`;
    // What the README claims, no more: five models gain clearly on one (14 sentences in 300 on 2026-12-01),
    // and the difference from the bag of words is within a 300-sentence test set's noise (3 sentences).
    assert.ok(r.ensemble - r.single >= 0.02, detail);
    assert.ok(Math.abs(r.ensemble - r.bow) <= 0.02, detail);
  });
});
