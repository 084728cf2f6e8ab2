/**
 * `recurrent serve` under abuse (issue #37): what one request did to the
 * server before, each sent as a test, then all of them mixed with an
 * ordinary load (bounded, loopback only), against a stated latency and
 * memory bound. The figures of a longer run: bench/serve-abuse.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TextGenerator } from '../packages/recurrent/src/index.js';
import { saveTextModel } from '../packages/recurrent/src/node.js';
import { abuseWithOrdinaryLoad, type AbuseTarget } from '../bench/abuse-client.js';
import { spawnServer, type ServerProcess } from '../bench/load-client.js';
import { CLI_ARGS, cliIn } from './cli-helpers.js';

/** The bounds the README states for a server under this abuse. */
const ORDINARY_P99_MS = 2000;
const MAX_MEMORY_MB = 400;

const work = mkdtempSync(join(tmpdir(), 'recurrent-abuse-'));
after(() => rmSync(work, { recursive: true, force: true }));
const TEXT = 'the quick brown fox jumps over the lazy dog; a lazy cat naps in the sun. '.repeat(40);

interface Health {
  requests: { inFlight: number; dropped: number };
  memoryMB: number;
  models: Array<{ name: string; load: { active?: number; waiting?: number; tokens?: number } }>;
}

describe('recurrent serve under abuse', () => {
  let server: ServerProcess;
  let target: AbuseTarget;
  const health = async (): Promise<Health> => (await (await fetch(`${server.url}/health`)).json()) as Health;
  before(async () => {
    const g = TextGenerator.create(TEXT, { hiddenSize: 64, numLayers: 2, embeddingSize: 8 }, 1);
    await g.train(TEXT, { steps: 5, batch: 4, seqLen: 20, evalEvery: 5 });
    await saveTextModel(join(work, 'text'), g);
    writeFileSync(join(work, 'pairs.tsv'), Array.from({ length: 40 }, (_, i) => `one ${i % 4} two\tun ${i % 4} deux`).join('\n'));
    const r = cliIn(work)('translate', 'train', 'pairs.tsv', '--epochs', '2', '--hidden', '8', '--embedding', '4', '--out', 'tr');
    assert.equal(r.status, 0, r.stderr);
    server = await spawnServer(CLI_ARGS, ['text', 'tr', '--timeout', '2', '--max-length', '20000'], work);
    const { hostname, port } = new URL(server.url);
    target = { host: hostname, port: Number(port), text: 'text', translation: 'tr', primeChars: 1_500_000, primeChar: 'a', maxLength: 20_000, giveUpMs: 15_000 };
  });
  after(async () => { await server?.stop(); });

  it('a client that hangs up ends its generation, streamed or not, and leaves the in-flight count', async () => {
    const before = await health();
    const body = JSON.stringify({ prime: 'the', length: 20_000 });
    const sockets = Array.from({ length: 32 }, () => connect(target.port, target.host, function (this: ReturnType<typeof connect>) {
      this.write(`POST /v1/models/text/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    }));
    await new Promise((ok) => setTimeout(ok, 300));
    for (const s of sockets) s.destroy();
    // Give the server a moment to see the hang-ups, then the load must stay where it is.
    await new Promise((ok) => setTimeout(ok, 500));
    const a = await health();
    await new Promise((ok) => setTimeout(ok, 500));
    const b = await health();
    const gen = (h: Health) => h.models.find((m) => m.name === 'text')!.load;
    assert.equal(b.requests.inFlight, 1, 'only the health request is in flight');
    assert.equal(b.requests.dropped - before.requests.dropped, 32);
    assert.equal(gen(b).active, 0);
    assert.equal(gen(b).waiting, 0);
    assert.equal(gen(b).tokens, gen(a).tokens, 'no tokens are written for clients that left');
    // 32 requests of 20,000 tokens: well under a tenth of them was written.
    assert.ok(gen(b).tokens! - gen(before).tokens! < 64_000, `${gen(b).tokens! - gen(before).tokens!} tokens written`);
  });

  it(`mixed with ordinary requests: every kind is refused or bounded as promised, ordinary ones answer (p99 < ${ORDINARY_P99_MS} ms) and memory stays under ${MAX_MEMORY_MB} MB`, async (t) => {
    const r = await abuseWithOrdinaryLoad(target, { rounds: 2, concurrency: 4, ordinaryClients: 4 });
    t.diagnostic(`abusive requests: ${r.abuse.sent}; ${JSON.stringify(r.abuse.outcomes)}`);
    t.diagnostic(`ordinary: ${r.ordinary.ok}/${r.ordinary.requests} answered, p50 ${r.ordinary.p50.toFixed(0)} ms, p99 ${r.ordinary.p99.toFixed(0)} ms; /health ${r.health.answered} answered, slowest ${r.health.maxMs.toFixed(0)} ms; event loop held at most ${r.maxLoopDelayMs} ms; memory at most ${r.maxMemoryMB} MB`);
    assert.deepEqual(r.abuse.broken, [], 'every abusive request got what the server promises for it');
    assert.ok(r.ordinary.requests > 0);
    assert.equal(r.ordinary.ok, r.ordinary.requests, JSON.stringify(r.ordinary.statuses));
    assert.ok(r.ordinary.p99 < ORDINARY_P99_MS, `ordinary p99 ${r.ordinary.p99.toFixed(0)} ms`);
    assert.equal(r.health.failed, 0);
    assert.ok(r.health.maxMs < ORDINARY_P99_MS, `slowest /health ${r.health.maxMs.toFixed(0)} ms`);
    assert.ok(r.maxMemoryMB < MAX_MEMORY_MB, `memory reached ${r.maxMemoryMB} MB`);
    // And afterwards the server is idle again: nothing left running for the clients that went away.
    const h = await health();
    assert.equal(h.requests.inFlight, 1);
    assert.equal(h.models.find((m) => m.name === 'text')!.load.active, 0);
  });
});
