/**
 * npm run bench:serve-abuse [-- --rounds N]
 *
 * `recurrent serve` at its default settings (--timeout 30, --max-length
 * 2000, --max-body-kb 2048) under the abusive requests of issue #37
 * (bench/abuse-client.ts: undecodable URLs, a 2 MB prime, dropped
 * generations, half bodies, bad numbers and JSON, translations at and past
 * the work bound), N rounds of each (default 5), 4 at a time, beside 4
 * ordinary clients generating 20 tokens each and a /health poll every
 * 100 ms. The same ordinary load first runs alone for as long, for the
 * ratio. Models: the default character LSTM (2 x 256, one training step: it
 * steps exactly as fast as a trained one) and a small translator. Then a
 * 2 MB prime alone, on a 2 x 64 LSTM, answered within the time limit. Writes
 * bench/RESULTS-serve-abuse-<date>.txt.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { abuseWithOrdinaryLoad } from './abuse-client.js';
import { CLI_FROM_SOURCES, cliIn, runLoad, spawnServer } from './load-client.js';
import { rawOutput } from './raw-output.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
const work = mkdtempSync(join(tmpdir(), 'serve-abuse-'));
const out = rawOutput('serve-abuse', 'npm run bench:serve-abuse');

const cli = cliIn(work);

process.stderr.write('making the models ...\n');
cli('train', '--steps', '1', '--eval-every', '1', '--out', 'text', '--json');
cli('train', '--steps', '1', '--eval-every', '1', '--hidden', '64', '--out', 'small', '--json');
writeFileSync(join(work, 'pairs.tsv'), Array.from({ length: 40 }, (_, i) => `one ${i % 4} two\tun ${i % 4} deux`).join('\n'));
cli('translate', 'train', 'pairs.tsv', '--epochs', '2', '--hidden', '8', '--embedding', '4', '--out', 'tr');

const server = await spawnServer(CLI_FROM_SOURCES, ['text', 'small', 'tr'], work);
try {
  const { hostname, port } = new URL(server.url);
  const target = { host: hostname, port: Number(port), text: 'text', translation: 'tr', primeChars: 2_000_000, primeChar: 'e', maxLength: 2000, giveUpMs: 60_000 };
  const health = async (): Promise<{ memoryMB: number; requests: object }> => (await (await fetch(`${server.url}/health`)).json()) as { memoryMB: number; requests: object };
  // Warm-up, then the ordinary load alone.
  await runLoad({ url: `${server.url}/v1/models/text/generate`, clients: 4, requests: 32, body: (i) => ({ prime: 'the', length: 20, seed: i }) });
  out.line(`server at rest: ${(await health()).memoryMB} MB`);
  const t0 = performance.now();
  const under = await abuseWithOrdinaryLoad(target, { rounds, concurrency: 4, ordinaryClients: 4 });
  const seconds = (performance.now() - t0) / 1000;
  const alone = await runLoad({
    url: `${server.url}/v1/models/text/generate`, clients: 4, requests: under.ordinary.requests, body: (i) => ({ prime: 'the', length: 20, seed: i }),
  });
  out.line(`abuse: ${under.abuse.sent} requests (${rounds} rounds of ${Object.keys(under.abuse.outcomes).length} kinds, 4 at a time) over ${seconds.toFixed(1)} s`);
  out.line('kind                                    outcomes');
  for (const [kind, seen] of Object.entries(under.abuse.outcomes)) out.line(`  ${kind.padEnd(38)}${Object.entries(seen).map(([o, n]) => `${o} x${n}`).join(', ')}`);
  out.line(`kept the promise: ${under.abuse.broken.length === 0 ? 'every one' : `not: ${under.abuse.broken.join('; ')}`}`);
  out.line('ordinary generation (4 clients, 20 tokens), p50 / p99 ms:');
  out.line(`  beside the abuse: ${under.ordinary.ok}/${under.ordinary.requests} answered, ${under.ordinary.p50.toFixed(0)} / ${under.ordinary.p99.toFixed(0)}`);
  out.line(`  alone:            ${alone.ok}/${alone.requests} answered, ${alone.p50.toFixed(0)} / ${alone.p99.toFixed(0)}`);
  out.line(`  p99 beside the abuse / alone: ${(under.ordinary.p99 / alone.p99).toFixed(2)}x`);
  out.line(`/health beside the abuse: ${under.health.answered} answered, ${under.health.failed} failed, slowest ${under.health.maxMs.toFixed(0)} ms; the server's event loop held at most ${under.maxLoopDelayMs} ms at once`);
  out.line(`largest resident memory beside the abuse: ${under.maxMemoryMB} MB; afterwards ${(await health()).memoryMB} MB, requests ${JSON.stringify((await health()).requests)}`);
  // A 2 MB prime alone, on a 64-unit model: read in bounded memory within the time limit, and answered.
  const before = await health();
  const t1 = performance.now();
  const res = await fetch(`${server.url}/v1/models/small/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prime: 'e'.repeat(2_000_000), length: 20 }) });
  const answer = (await res.json()) as { tokens?: number };
  const after = await health();
  out.line(`a 2,000,000-character prime on a 2 x 64 LSTM: ${res.status} with ${answer.tokens ?? 0} tokens in ${((performance.now() - t1) / 1000).toFixed(1)} s; memory ${before.memoryMB} MB before, ${after.memoryMB} MB after`);
} finally {
  await server.stop();
}
process.stderr.write(`wrote ${await out.save()}\n`);
rmSync(work, { recursive: true, force: true });
