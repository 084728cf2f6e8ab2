/**
 * One measurement in its own process (so its peak memory and its threads are
 * its own): loads only the library measured, prints one JSON line.
 */
import { WORKLOADS } from './workloads.js';

const [workload, library, backend] = process.argv.slice(2);
const w = WORKLOADS.find((x) => x.id === workload);
if (!w) throw new Error(`unknown workload ${workload}`);
const result = library === 'recurrent' ? await (await import('./recurrent.js')).runRecurrent(w, backend!)
  : library === 'tfjs' ? await (await import('./tfjs.js')).runTfjs(w, backend as 'cpu' | 'wasm')
  : library === 'onnxruntime' ? await (await import('./onnxruntime.js')).runOnnxruntime(w, Number(backend))
  : await (await import('./brain.js')).runBrain(w);
console.log(`RESULT ${JSON.stringify(result)}`);
