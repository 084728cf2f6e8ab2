/**
 * Runs in Chromium (bundled by test/browser.test.ts): the library's public
 * entry with no Node APIs. Results go to window.__result.
 */
import { LSTM, Random, Tensor, TextGenerator, getBackend, noGrad, setBackend } from '../../src/index.js';

async function run(): Promise<object> {
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
  return { backend, maxDiff, outputs: js.length, valLoss: g.history.at(-1)?.valLoss, sample, reloaded: again.generate({ prime: 'the ', length: 20, seed: 1 }).text };
}

run().then(
  (r) => { (window as unknown as { __result: object }).__result = r; },
  (e: Error) => { (window as unknown as { __result: object }).__result = { error: `${e.message}\n${e.stack}` }; },
);
