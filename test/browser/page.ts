/**
 * Runs in Chromium (bundled by test/browser.test.ts): the library's public
 * entry with no Node APIs. Results go to window.__result.
 */
import { LSTM, Random, Tensor, getBackend, noGrad, setBackend } from '../../packages/recurrent/src/index.js';
import { browserWorkload } from './workload.js';

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
  const work = await browserWorkload();
  return { defaultBackend, backend, maxDiff, outputs: js.length, ...work };
}

run().then(
  (r) => { (window as unknown as { __result: object }).__result = r; },
  (e: Error) => { (window as unknown as { __result: object }).__result = { error: `${e.message}\n${e.stack}` }; },
);
