/**
 * npm run bench:quality -- [--minutes 10] [--library recurrent|tfjs|both] [--word-minutes 2]
 *
 * The same character model (2-layer LSTM, 256 units, batch 32, BPTT length
 * 100, Adam 2e-3, clipping at 5) trained for the same wall-clock time on
 * Moby-Dick by this library and by TensorFlow.js (wasm backend, stateful
 * LSTM layers, one-hot input, the same clipping written out in
 * bench/tfjs-train.ts), then evaluated the same way on the held-out last 5%
 * of the text: mean cross-entropy in nats per character (--minutes 0:
 * skipped). Then a sample of ours, and the word-level model (up to 20,000
 * words, the same 2x256 LSTM) trained for --word-minutes (0: skipped) twice,
 * with the full softmax and with the adaptive one (the default for a word
 * model this size): words per second, validation loss and perplexity, sample.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadCorpus } from '../packages/cli/src/corpora.js';
import { TokenStreams } from '../packages/recurrent/src/data/streams.js';
import { Vocabulary } from '../packages/recurrent/src/data/vocabulary.js';
import { TEXT_DEFAULTS, TextGenerator, setBackend } from '../packages/recurrent/src/index.js';
import { rawOutput } from './raw-output.js';
import { clippedAdamStep } from './tfjs-train.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, library: { type: 'string', default: 'both' }, 'word-minutes': { type: 'string', default: '2' } } });
const seconds = Number(values.minutes) * 60;
const { text } = loadCorpus('moby-dick');
const B = 32;
const T = 100;
const H = 256;

async function ours(): Promise<{ valLoss: number; chars: number; sample: string; steps: number }> {
  await setBackend('wasm');
  const g = TextGenerator.create(text, { cell: 'LSTM', hiddenSize: H, numLayers: 2, embeddingSize: 64 }, 0);
  await g.train(text, { batch: B, seqLen: T, lr: 2e-3, clip: 5, timeLimit: seconds, evalEvery: 1_000_000, name: 'moby-dick' });
  const last = g.history.at(-1)!;
  const sample = g.generate({ prime: 'Call me', length: 300, temperature: 0.7, seed: 1 }).text;
  return { valLoss: last.valLoss!, chars: g.step * B * T, sample, steps: g.step };
}

/** The word-level model as `recurrent train --tokenizer word [--softmax full]` builds it (the CLI's defaults otherwise). */
async function words(minutes: number, softmax: 'full' | 'adaptive'): Promise<{ wordsPerSec: number; valLoss: number; steps: number; vocab: number; sample: string; cutoffs: number[] | null }> {
  await setBackend('wasm');
  const g = TextGenerator.create(text, { tokenizer: 'word', cell: 'LSTM', hiddenSize: H, numLayers: 2, softmax }, 0);
  const t0 = performance.now();
  await g.train(text, { timeLimit: minutes * 60, name: 'moby-dick' });
  const s = (performance.now() - t0) / 1000;
  return {
    wordsPerSec: (g.step * TEXT_DEFAULTS.train.batch * TEXT_DEFAULTS.train.seqLen) / s, valLoss: g.history.at(-1)!.valLoss!, steps: g.step, vocab: g.vocab.size, cutoffs: g.options.cutoffs,
    sample: g.generate({ prime: 'the whale', length: 30, temperature: 0.7, seed: 1 }).text,
  };
}

async function tfjs(): Promise<{ valLoss: number; chars: number }> {
  await tf.setBackend('wasm');
  await tf.ready();
  const vocab = Vocabulary.fromText(text, 'char');
  const V = vocab.size;
  const ids = vocab.encode(text).ids;
  const nVal = Math.floor(ids.length * 0.05);
  const train = new TokenStreams(ids.subarray(0, ids.length - nVal), B, T);
  const val = new TokenStreams(ids.subarray(ids.length - nVal), B, T);
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: H, returnSequences: true, stateful: true, batchInputShape: [B, T, V] }));
  model.add(tf.layers.lstm({ units: H, returnSequences: true, stateful: true }));
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V }) }));
  const trainStep = clippedAdamStep(model, tf.train.adam(2e-3), 5);
  const oneHot = (x: Int32Array, shape: number[]): tf.Tensor => tf.tidy(() => tf.oneHot(tf.tensor(x, shape, 'int32'), V).cast('float32'));
  const t0 = performance.now();
  let step = 0;
  while ((performance.now() - t0) / 1000 < seconds) {
    if (train.startsEpoch(step)) model.resetStates();
    const c = train.chunk(step);
    const x = oneHot(c.inputs.data, [B, T]);
    const y = oneHot(c.targets, [B, T]);
    await trainStep(x, y);
    x.dispose();
    y.dispose();
    step++;
  }
  model.resetStates();
  let total = 0;
  let count = 0;
  for (let k = 0; k < val.chunksPerEpoch; k++) {
    const c = val.chunk(k);
    const x = oneHot(c.inputs.data, [B, T]);
    const logits = model.predict(x) as tf.Tensor;
    const y = tf.oneHot(tf.tensor(c.targets, [B, T], 'int32'), V);
    const loss = tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.SUM);
    total += (await loss.data())[0]!;
    count += B * T;
    tf.dispose([x, logits, y, loss]);
  }
  return { valLoss: total / count, chars: step * B * T };
}

const out = rawOutput('text-quality', `npm run bench:quality -- --minutes ${values.minutes} --library ${values.library} --word-minutes ${values['word-minutes']}`);
if (seconds > 0) out.line(`Moby-Dick, 2-layer LSTM 256, ${values.minutes} minutes of training each; validation = last 5% of the text`);
for (const lib of seconds <= 0 ? [] : values.library === 'both' ? ['recurrent', 'tfjs'] : [values.library!]) {
  const r: { valLoss: number; chars: number; sample?: string; steps?: number } = lib === 'tfjs' ? await tfjs() : await ours();
  out.line(`${lib.padEnd(10)} validation loss ${r.valLoss.toFixed(3)} nats/char (${(r.valLoss / Math.LN2).toFixed(2)} bits/char) after ${r.chars.toLocaleString('en-US')} training characters`);
  if (r.sample !== undefined) out.line(`  ${r.steps} steps; a sample at temperature 0.7, primed with "Call me": ${JSON.stringify(r.sample)}`);
}
const wordMinutes = Number(values['word-minutes']);
if (wordMinutes > 0) {
  const runs: Array<Awaited<ReturnType<typeof words>>> = [];
  for (const softmax of ['full', 'adaptive'] as const) {
    const w = await words(wordMinutes, softmax);
    runs.push(w);
    out.line(`word level, ${softmax} softmax${w.cutoffs ? ` (cutoffs ${w.cutoffs.join(', ')})` : ''} (${w.vocab.toLocaleString('en-US')} words, 2x${H} LSTM, the command line's defaults otherwise), ${wordMinutes} minutes: ${Math.round(w.wordsPerSec).toLocaleString('en-US')} words/s, ${w.steps} steps, validation loss ${w.valLoss.toFixed(3)} nats/word (perplexity ${Math.exp(w.valLoss).toFixed(0)})`);
    out.line(`  a sample at temperature 0.7, primed with "the whale": ${JSON.stringify(w.sample)}`);
  }
  const [full, adaptive] = runs as [typeof runs[number], typeof runs[number]];
  out.line(`adaptive / full: ${(adaptive.wordsPerSec / full.wordsPerSec).toFixed(2)}x the words/s; validation perplexity ${Math.exp(adaptive.valLoss).toFixed(0)} vs ${Math.exp(full.valLoss).toFixed(0)} after the same time (target: >= 5x, at equal or better perplexity)`);
}
await out.save();
process.exit(0);
