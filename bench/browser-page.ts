/** The bench page: each case in a fresh Web Worker (bench/browser-worker.ts), one after another; results in window.__result. */
type Case = { workload: string; library: 'recurrent' | 'tfjs'; backend: string };

function measure(c: Case): Promise<object> {
  return new Promise((ok) => {
    const w = new Worker('./bench-worker.js', { type: 'module' });
    w.onmessage = (e: MessageEvent<{ result?: object; error?: string }>) => {
      w.terminate();
      ok(e.data.result ?? { ...c, error: e.data.error });
    };
    w.onerror = (e) => {
      w.terminate();
      ok({ ...c, error: e.message });
    };
    w.postMessage(c);
  });
}

async function run(): Promise<object> {
  const cases = (await (await fetch('./cases.json')).json()) as Case[];
  const results: object[] = [];
  for (const c of cases) results.push(await measure(c));
  return { results, isolated: crossOriginIsolated, userAgent: navigator.userAgent };
}

run().then(
  (r) => { (window as unknown as { __result: object }).__result = r; },
  (e: Error) => { (window as unknown as { __result: object }).__result = { error: `${e.message}\n${e.stack}` }; },
);
