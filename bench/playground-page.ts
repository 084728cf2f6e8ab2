/**
 * The page of `npm run bench:playground` (bundled by bench/playground-speed.ts
 * next to a built playground): the playground's own worker trains one session
 * per configuration, and the page times its chunks. Results go to window.__result.
 */
import type { FromWorker, ToWorker } from '../packages/playground/src/index.js';
import type { SpeedCase } from './playground-speed.js';

/** Runs one case in a fresh worker: warm-up chunk, then the timed chunks; chars per second of training. */
async function time(c: SpeedCase, text: string): Promise<number> {
  const w = new Worker('./worker.js', { type: 'module' });
  const next = (): Promise<FromWorker> => new Promise((ok) => {
    const on = (e: MessageEvent<FromWorker>): void => {
      if (e.data.type === 'views') return;
      w.removeEventListener('message', on);
      ok(e.data);
    };
    w.addEventListener('message', on);
  });
  const post = (m: ToWorker): void => w.postMessage(m);
  try {
    post({ type: 'init', config: c.config, text, threads: c.threads });
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(ready.type === 'error' ? ready.message : `expected ready, got ${ready.type}`);
    if (ready.threads !== c.threads) throw new Error(`asked for ${c.threads} threads, the worker has ${ready.threads}`);
    post({ type: 'train', steps: c.warmup });
    await next();
    let chars = 0;
    let seconds = 0;
    for (let i = 0; i < c.repeats; i++) {
      const t0 = performance.now();
      post({ type: 'train', steps: c.steps });
      const r = await next();
      if (r.type !== 'progress') throw new Error(r.type === 'error' ? r.message : `expected progress, got ${r.type}`);
      seconds += (performance.now() - t0) / 1000;
      chars += c.steps * c.config.batch! * c.config.seqLen!;
    }
    return chars / seconds;
  } finally {
    w.terminate();
  }
}

async function run(): Promise<object> {
  const cases = (await (await fetch('./cases.json')).json()) as SpeedCase[];
  const text = await (await fetch('./text.txt')).text();
  const out: number[] = [];
  for (const c of cases) out.push(await time(c, text));
  return { charsPerSec: out, isolated: crossOriginIsolated };
}

run().then(
  (r) => { (window as unknown as { __result: object }).__result = r; },
  (e: Error) => { (window as unknown as { __result: object }).__result = { error: `${e.message}\n${e.stack}` }; },
);
