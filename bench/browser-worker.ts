/**
 * One measurement of `npm run bench`'s browser rows, in a Web Worker of the
 * bench page (bench/browser-speed.ts bundles it): the same runners as in
 * Node (bench/recurrent.ts, bench/tfjs.ts), posted back as a BenchResult.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { runRecurrent } from './recurrent.js';
import { runTfjs } from './tfjs.js';
import { WORKLOADS } from './workloads.js';

setWasmPaths('./');

self.onmessage = async (e: MessageEvent<{ workload: string; library: 'recurrent' | 'tfjs'; backend: string }>) => {
  try {
    const w = WORKLOADS.find((x) => x.id === e.data.workload);
    if (!w) throw new Error(`unknown workload ${e.data.workload}`);
    const r = e.data.library === 'recurrent' ? await runRecurrent(w, e.data.backend) : await runTfjs(w, e.data.backend as 'wasm');
    self.postMessage({ result: r });
  } catch (err) {
    self.postMessage({ error: `${(err as Error).message}\n${(err as Error).stack}` });
  }
};
