/**
 * Peak memory of training on long sequences, against T, with and without
 * gradient checkpointing (RecurrentOptions.checkpoint): an LSTM (B=32,
 * H=256, one input feature) and a loss on its last output, one training step
 * (forward and backward, twice: the second one measured) per process, so each
 * peak resident size is its own; throughput is sequence steps x batch per
 * second. `npm run bench` ends with this table; `npm run bench:long` prints
 * only it and writes bench/RESULTS-long-sequences-<date>.txt.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LSTM, Random, Tensor, setBackend } from '../packages/recurrent/src/node.js';
import { rawOutput } from './raw-output.js';

const B = 32;
const H = 256;

async function child(T: number, checkpoint: number): Promise<void> {
  await setBackend('wasm', { threads: 'auto' });
  const rng = new Random(1);
  const m = new LSTM({ inputSize: 1, hiddenSize: H, checkpoint, rng });
  const x = new Tensor(new Float32Array(T * B).map(() => rng.next()), [T, B, 1]);
  let seconds = 0;
  for (let step = 0; step < 2; step++) {
    const t0 = performance.now();
    m.zeroGrad();
    const { output } = m.forward(x);
    // The loss reads the last step only (sum of its outputs), as a sequence regressor's.
    const g = new Float32Array(output.size);
    g.fill(1 / B, (T - 1) * B * H);
    m.backward({ gradOutput: new Tensor(g, output.shape) });
    seconds = (performance.now() - t0) / 1000;
  }
  console.log(`RESULT ${JSON.stringify({ T, checkpoint, seconds, peakMiB: process.resourceUsage().maxRSS / 1024 })}`);
}

/** The table, line by line, into `line` (each T with checkpointing off and every sqrt(T) steps). */
export function longSequenceTable(line: (s: string) => void): void {
  line(`LSTM B=${B}, H=${H}, one input, loss on the last step: one training step (forward + backward), peak resident memory of its process`);
  line('T        checkpoint   peak MiB   seconds/step   steps x batch / s');
  const runs: Array<[number, number]> = [];
  for (const T of [100, 1000, 3000, 10000]) {
    runs.push([T, 0]);
    runs.push([T, Math.max(1, Math.round(Math.sqrt(T)))]);
  }
  for (const [T, S] of runs) {
    const head = `${String(T).padEnd(8)} ${(S ? `every ${S}` : 'off').padEnd(12)}`;
    try {
      const text = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', String(T), String(S)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const r = JSON.parse(text.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as { seconds: number; peakMiB: number };
      line(`${head} ${r.peakMiB.toFixed(0).padStart(8)}   ${r.seconds.toFixed(2).padStart(12)}   ${Math.round((T * B) / r.seconds).toLocaleString('en-US').padStart(17)}`);
    } catch (e) {
      // The error's own line (its name and message), not the source line Node prints above it.
      const lines = ((e as { stderr?: string }).stderr ?? String(e)).split('\n');
      const msg = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.find((l) => /Error|memory/i.test(l)) ?? 'failed';
      line(`${head} failed: ${msg.trim().slice(0, 160)}`);
    }
  }
}

async function main(): Promise<void> {
  const out = rawOutput('long-sequences', 'npm run bench:long');
  longSequenceTable(out.line);
  await out.save();
}

if (process.argv[2] === 'child') await child(Number(process.argv[3]), Number(process.argv[4]));
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
