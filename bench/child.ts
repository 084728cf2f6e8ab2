/** One measurement in its own process (so peak memory is its own): prints one JSON line. */
import { runBrain } from './brain.js';
import { runRecurrent } from './recurrent.js';
import { runTfjs } from './tfjs.js';
import { WORKLOADS } from './workloads.js';

const [workload, library, backend] = process.argv.slice(2);
const w = WORKLOADS.find((x) => x.id === workload);
if (!w) throw new Error(`unknown workload ${workload}`);
const result = library === 'recurrent' ? await runRecurrent(w, backend!)
  : library === 'tfjs' ? await runTfjs(w, backend as 'cpu' | 'wasm')
  : await runBrain(w);
console.log(`RESULT ${JSON.stringify(result)}`);
