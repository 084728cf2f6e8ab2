/**
 * npm run bench:sentiment — the 3,000 labelled sentences of sentiment@5.0.2
 * (IMDB, Amazon, Yelp; the empty trailing entries dropped), split 80/10/10
 * with seed 0: held-out accuracy of the bidirectional LSTM classifier (one
 * model, and an ensemble of five seeds) against bag-of-words logistic
 * regression trained on the same split.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLabelled, type LabelledTexts } from '../packages/recurrent/src/data/labelled-text.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { splitIndices } from '../packages/recurrent/src/data/split.js';
import { ClassifierEnsemble } from '../packages/recurrent/src/tasks/classify/classifier.js';
import { bagOfWordsAccuracy } from './bow-baseline.js';

export function sentimentData(): LabelledTexts {
  const all: LabelledTexts = { texts: [], labels: [] };
  for (const name of ['imdb', 'amazon', 'yelp']) {
    const d = parseLabelled(readFileSync(join('node_modules/sentiment/test/fixtures', `${name}.json`), 'utf8'), name, 'text', 'class');
    all.texts.push(...d.texts);
    all.labels.push(...d.labels);
  }
  return all;
}

export async function sentimentExperiment(members = 5): Promise<{ single: number; ensemble: number; bow: number; count: number; test: number }> {
  const data = sentimentData();
  const split = splitIndices(data.texts.length, [0.8, 0.1, 0.1], 0);
  let single = 0;
  const e = await ClassifierEnsemble.train(data, split, members, {}, { epochs: 30 }, 0, (i, m) => {
    if (i === 0) single = m.evaluate(data, split.test).accuracy;
  });
  const bow = bagOfWordsAccuracy(data.texts, data.labels, split.train, split.val, split.test);
  return { single, ensemble: e.evaluate(data, split.test).accuracy, bow: bow.test, count: data.texts.length, test: split.test.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rawOutput } = await import('./raw-output.js');
  const out = rawOutput('sentiment', 'npm run bench:sentiment');
  await setBackend('wasm', { threads: 'auto' });
  const t0 = performance.now();
  const r = await sentimentExperiment();
  out.line(`${r.count} sentences, ${r.test} held out (split 80/10/10, seed 0), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  out.line(`  bidirectional LSTM, one model:       ${(100 * r.single).toFixed(1)}%`);
  out.line(`  bidirectional LSTM, 5-seed ensemble: ${(100 * r.ensemble).toFixed(1)}%`);
  out.line(`  bag-of-words logistic regression:    ${(100 * r.bow).toFixed(1)}%`);
  await out.save();
}
