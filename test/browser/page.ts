/**
 * Runs in Chromium (bundled by test/browser.test.ts): the library's public
 * entry with no Node APIs. Results go to window.__result.
 */
import { AnomalyDetector, Forecaster, LSTM, Random, Tensor, TextGenerator, getBackend, noGrad, parseTable, setBackend, toSeries } from '../../packages/recurrent/src/index.js';

async function run(): Promise<object> {
  // With nothing called, the library picks the fastest backend the browser has.
  const defaultBackend = getBackend();
  const rng = new Random(1);
  const lstm = new LSTM({ inputSize: 5, hiddenSize: 12, numLayers: 2, bidirectional: true, batchFirst: true, rng }).eval();
  const x = new Tensor(Float32Array.from({ length: 3 * 7 * 5 }, () => rng.normal()), [3, 7, 5]);
  await setBackend('js');
  const js = noGrad(() => lstm.forward(x)).output.data;
  await setBackend('wasm');
  const backend = getBackend();
  const wasm = noGrad(() => lstm.forward(x)).output.data;
  let maxDiff = 0;
  for (let i = 0; i < js.length; i++) maxDiff = Math.max(maxDiff, Math.abs(js[i]! - wasm[i]!));
  const text = 'the whale and the sea and the ship. '.repeat(40);
  const g = TextGenerator.create(text, { hiddenSize: 16, numLayers: 1, embeddingSize: 8 }, 0);
  await g.train(text, { batch: 4, seqLen: 10, steps: 5, evalEvery: 5 });
  const sample = g.generate({ prime: 'the ', length: 20, seed: 1 }).text;
  const again = TextGenerator.fromFiles(g.toFiles(), 'memory');
  const csv = `date,v\n${Array.from({ length: 120 }, (_, i) => `${new Date(Date.UTC(2020, i, 1)).toISOString().slice(0, 10)},${Math.sin(i / 2) + i / 50}`).join('\n')}\n`;
  const series = toSeries(parseTable(csv, 'page.csv'), { time: 'date', columns: ['v'] });
  const forecaster = Forecaster.create(series, { targets: ['v'], horizon: 6, lookback: 12, hiddenSize: 8 }, 0);
  await forecaster.train(series, { epochs: 2 });
  const forecast = forecaster.forecast(series).targets[0]!.median;
  const detector = AnomalyDetector.create(series, { lookback: 12, hiddenSize: 8 }, 0);
  await detector.train(series, { epochs: 2 });
  const scores = detector.detect(series).scores.length;
  return { defaultBackend, forecast: forecast.length, forecastFinite: forecast.every(Number.isFinite), scores, backend, maxDiff, outputs: js.length, valLoss: g.history.at(-1)?.valLoss, sample, reloaded: again.generate({ prime: 'the ', length: 20, seed: 1 }).text };
}

run().then(
  (r) => { (window as unknown as { __result: object }).__result = r; },
  (e: Error) => { (window as unknown as { __result: object }).__result = { error: `${e.message}\n${e.stack}` }; },
);
