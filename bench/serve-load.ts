/**
 * npm run bench:serve [-- --quick]
 *
 * `recurrent serve` under load, on loopback: a character LSTM at the default
 * size (2 x 256; untrained, which steps exactly as fast as trained) writing
 * 100 tokens per request as server-sent events, and the default sentiment
 * classifier (trained one epoch on sentiment@5.0.2's sentences) labelling one
 * sentence per request; at 1, 8 and 64 concurrent clients, with batching on
 * (the default: up to 16 requests together, 2 ms wait) and off. Meanwhile a
 * stream of malformed and oversized requests runs beside the 64-client load:
 * all must be refused (4xx) and every good request answered. Prints
 * throughput, p50/p99 latency and the time to the first token, what
 * batching buys, and writes bench/RESULTS-serve-<date>.txt. First, without
 * HTTP: the same model's GenerationBatch in this process, at 1, 4, 16 and
 * 64 sequences stepped together (what the decoder gives, before the server).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GenerationBatch } from '../packages/recurrent/src/index.js';
import { loadTextModel } from '../packages/recurrent/src/node.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { CLI_FROM_SOURCES, type LoadReport, cliIn, runLoad, spawnServer } from './load-client.js';
import { rawOutput } from './raw-output.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const work = mkdtempSync(join(tmpdir(), 'serve-load-'));
const out = rawOutput('serve', 'npm run bench:serve');

const cli = cliIn(work);

process.stderr.write('making the models ...\n');
cli('train', '--steps', '1', '--eval-every', '1', '--out', 'text', '--json');
cli('classify', 'train', join(root, 'node_modules/sentiment/test/fixtures/amazon.json'), '--label-column', 'class', '--epochs', '1', '--out', 'sentiment');
const sentences = (JSON.parse(readFileSync(join(root, 'node_modules/sentiment/test/fixtures/yelp.json'), 'utf8')) as Array<{ text: string }>).map((r) => r.text);

// The decoder alone: sequences of 100 tokens after the same prime, rounds of `width` at once, after a warm-up round.
await setBackend('wasm', { threads: 'auto' });
const generator = await loadTextModel(join(work, 'text'));
out.line('in one process, GenerationBatch (no HTTP): width, tokens/s');
for (const width of [1, 4, 16, 64]) {
  const batch = new GenerationBatch(generator, width);
  let rate = 0;
  for (let round = 0; round < 4; round++) {
    const t0 = performance.now();
    const sequences = Array.from({ length: width }, (_, i) => batch.add({ prime: 'Call me Ishmael. ', length: 100, seed: i }));
    while (sequences.some((q) => !q.result)) batch.step();
    if (round > 0) rate += (100 * width) / ((performance.now() - t0) / 1000) / 3;
  }
  batch.dispose();
  out.line(`  ${String(width).padStart(2)} sequences: ${rate.toFixed(0)} tokens/s`);
}

const CLIENTS = [1, 8, 64];
const requestsFor = (kind: 'generate' | 'classify', clients: number): number => (values.quick ? 2 : 1) * (kind === 'generate' ? Math.max(16, 2 * clients) : Math.max(64, 8 * clients)) / (values.quick ? 4 : 1);
const row = (kind: string, batching: string, r: LoadReport): string =>
  `${kind.padEnd(9)} ${batching.padEnd(4)} ${String(r.clients).padStart(7)} ${String(r.requests).padStart(8)} ${`${r.ok}/${r.requests}`.padStart(9)} ${r.requestsPerSec.toFixed(1).padStart(8)} ` +
  `${(r.tokens / r.seconds).toFixed(0).padStart(8)} ${r.p50.toFixed(0).padStart(7)} ${r.p99.toFixed(0).padStart(7)} ${r.firstTokenP50 === null ? '      -' : r.firstTokenP50.toFixed(0).padStart(7)}`;

const results = new Map<string, LoadReport>();
out.line('kind      batch clients requests        ok    req/s  tokens/s p50 ms  p99 ms first ms');
for (const batching of ['on', 'off']) {
  const server = await spawnServer(CLI_FROM_SOURCES, ['text', 'sentiment', ...(batching === 'off' ? ['--no-batching'] : [])], work);
  try {
    // Warm-up (compiling, decoders of each width), not measured.
    await runLoad({ url: `${server.url}/v1/models/text/generate`, clients: 16, requests: 32, sse: true, body: (i) => ({ prime: 'Call me', length: 50, seed: i, stream: true }) });
    await runLoad({ url: `${server.url}/v1/models/sentiment/classify`, clients: 16, requests: 64, body: (i) => ({ texts: [sentences[i % sentences.length]!] }) });
    for (const clients of CLIENTS) {
      const gen = await runLoad({
        url: `${server.url}/v1/models/text/generate`, clients, requests: requestsFor('generate', clients), sse: true,
        body: (i) => ({ prime: 'Call me Ishmael. ', length: 100, seed: i, stream: true }),
      });
      results.set(`generate ${batching} ${clients}`, gen);
      out.line(row('generate', batching, gen));
    }
    for (const clients of CLIENTS) {
      const cls = await runLoad({ url: `${server.url}/v1/models/sentiment/classify`, clients, requests: requestsFor('classify', clients), body: (i) => ({ texts: [sentences[i % sentences.length]!] }) });
      results.set(`classify ${batching} ${clients}`, cls);
      out.line(row('classify', batching, cls));
    }
    if (batching === 'on') {
      // Bad requests beside a full load: each refused, none disturbing the good ones.
      const bad = [
        { body: '{"texts": ["fine"', type: 'application/json', want: 400 },
        { body: JSON.stringify({ texts: ['x'.repeat(3 << 20)] }), type: 'application/json', want: 413 },
        { body: JSON.stringify({ text: 'no such field' }), type: 'application/json', want: 400 },
        { body: 'texts=fine', type: 'text/plain', want: 400 },
      ];
      let refused = 0;
      let closed = 0;
      let sent = 0;
      let stop = false;
      const badLoop = (async () => {
        while (!stop) {
          const b = bad[sent++ % bad.length]!;
          const res = await fetch(`${server.url}/v1/models/sentiment/classify`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body }).catch(() => null);
          if (res?.status === b.want) refused++;
          // The server answers an oversized body with 413 and closes the connection; a client still uploading may see only the close.
          else if (!res && b.want === 413) closed++;
          await res?.text();
        }
      })();
      const good = await runLoad({ url: `${server.url}/v1/models/sentiment/classify`, clients: 64, requests: requestsFor('classify', 64), body: (i) => ({ texts: [sentences[i % sentences.length]!] }) });
      stop = true;
      await badLoop;
      out.line(`beside 64 clients: ${refused} of ${sent} malformed or oversized requests refused with the expected 4xx, ${closed} oversized ones cut off mid-upload; ${good.ok} of ${good.requests} good requests answered (p99 ${good.p99.toFixed(0)} ms)`);
    }
  } finally {
    await server.stop();
  }
}
out.line('');
for (const kind of ['generate', 'classify']) {
  for (const clients of CLIENTS) {
    const on = results.get(`${kind} on ${clients}`)!;
    const off = results.get(`${kind} off ${clients}`)!;
    out.line(`${kind} at ${String(clients).padStart(2)} clients: batching gives ${(on.requestsPerSec / off.requestsPerSec).toFixed(2)}x the throughput, p99 ${on.p99.toFixed(0)} ms against ${off.p99.toFixed(0)} ms`);
  }
}
const lost = [...results.values()].reduce((n, r) => n + r.requests - r.ok, 0);
out.line(`requests not answered 200: ${lost}`);
process.stderr.write(`wrote ${await out.save()}\n`);
rmSync(work, { recursive: true, force: true });
