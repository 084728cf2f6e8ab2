/**
 * Abusive requests for `recurrent serve` (loopback only), sent beside an
 * ordinary load to check that one request cannot take the server down: each
 * kind is what an attacker tried on 2026-12-07 (issue #37), and each has the
 * answer the server promises. Used by test/serve-abuse.test.ts (bounded, in
 * `npm test`) and bench/serve-abuse.ts (longer, with the figures).
 *
 * Every request here is bounded: a connection the server does not close is
 * given up after `giveUpMs`, and the work the server is asked for is within
 * its own limits or refused by them.
 */
import { connect } from 'node:net';
import { runLoad, type LoadReport } from './load-client.js';

/** What an abusive request got: an HTTP status, 'closed' (the server closed the connection without an answer), 'dropped' (the client hung up on purpose) or 'held' (nothing by giveUpMs). */
export type Outcome = number | 'closed' | 'dropped' | 'held';

/** One kind of abusive request and the outcomes the server promises for it. */
export interface AbuseKind {
  name: string;
  /** outcomes that keep the promise */
  expected: Outcome[];
  send(target: AbuseTarget): Promise<Outcome>;
}

/** The server under abuse: its address, its model names and the limits it was started with. */
export interface AbuseTarget {
  host: string;
  port: number;
  /** a text-generation model's name */
  text: string;
  /** a translation model's name (its kinds are skipped without one) */
  translation?: string;
  /** characters of the long prime (inside the body limit) */
  primeChars: number;
  /** a character the text model knows, repeated into the long prime */
  primeChar: string;
  /** the server's --max-length */
  maxLength: number;
  /** how long a raw connection waits for the server before it is counted as 'held' (ms) */
  giveUpMs: number;
}

/** Sends raw bytes on a fresh connection; `hangUpMs`: the client closes after that long, without reading the answer. */
function raw(t: AbuseTarget, bytes: string, hangUpMs?: number): Promise<Outcome> {
  return new Promise((done) => {
    let got = '';
    let settled = false;
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      socket.destroy();
      done(o);
    };
    const socket = connect(t.port, t.host, () => {
      socket.write(bytes);
      if (hangUpMs !== undefined) setTimeout(() => finish('dropped'), hangUpMs);
    });
    const giveUp = setTimeout(() => finish('held'), t.giveUpMs);
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m && hangUpMs === undefined) finish(Number(m[1]));
    });
    socket.on('close', () => finish(/^HTTP\/1\.1 (\d{3})/.exec(got) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(got)![1]) : 'closed'));
    socket.on('error', () => finish('closed'));
  });
}

function post(path: string, body: string, length = Buffer.byteLength(body)): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;
}

/** The kinds, in the order they are sent. */
export const ABUSE: AbuseKind[] = [
  { name: 'undecodable URL (GET /%)', expected: [400], send: (t) => raw(t, 'GET /% HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n') },
  { name: 'undecodable URL (GET /%E0%A4%A)', expected: [400], send: (t) => raw(t, 'GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n') },
  {
    name: 'long prime (non-streamed)', expected: [200, 504],
    send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, JSON.stringify({ prime: t.primeChar.repeat(t.primeChars), length: 5 }))),
  },
  {
    name: 'generation dropped by its client', expected: ['dropped'],
    send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, JSON.stringify({ prime: 'the', length: t.maxLength })), 30),
  },
  {
    name: 'stream dropped by its client', expected: ['dropped'],
    send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, JSON.stringify({ prime: 'the', length: t.maxLength, stream: true })), 30),
  },
  {
    name: 'half a body, then silence', expected: ['closed', 408, 400],
    send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, '{"length": ', 100)),
  },
  { name: 'streamed, seed 1e300', expected: [400], send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, '{"seed": 1e300, "stream": true}')) },
  { name: 'length 1e308', expected: [400], send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, '{"length": 1e308}')) },
  { name: '__proto__ key', expected: [400], send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, '{"__proto__": {"length": 4}}')) },
  { name: 'JSON nested 10,000 deep', expected: [400], send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, `${'['.repeat(10_000)}${']'.repeat(10_000)}`)) },
  { name: 'not JSON', expected: [400], send: (t) => raw(t, post(`/v1/models/${t.text}/generate`, '{"length": 4')) },
  { name: 'path traversal', expected: [404], send: (t) => raw(t, 'GET /..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n') },
  {
    name: 'translation past the work bound', expected: [400],
    send: (t) => raw(t, post(`/v1/models/${t.translation}/translate`, JSON.stringify({ text: 'one 2 two '.repeat(400), beam: 64, maxLength: 50 }))),
  },
  {
    name: 'translation at the work bound', expected: [200, 504],
    send: (t) => raw(t, post(`/v1/models/${t.translation}/translate`, JSON.stringify({ text: 'one 2 two '.repeat(5), beam: 64, maxLength: 2000 }))),
  },
];

/** What a run of abuse got, kind by kind, and whether each kept its promise. */
export interface AbuseReport {
  /** kind -> outcome -> count */
  outcomes: Record<string, Record<string, number>>;
  /** kinds that got an outcome outside their promise, with it */
  broken: string[];
  sent: number;
}

/** Sends `rounds` rounds of every kind (those that need a translation model only with one), `concurrency` at a time. */
export async function runAbuse(t: AbuseTarget, rounds: number, concurrency: number): Promise<AbuseReport> {
  const kinds = ABUSE.filter((k) => t.translation !== undefined || !k.name.startsWith('translation'));
  const queue = Array.from({ length: rounds }, () => kinds).flat();
  const outcomes: Record<string, Record<string, number>> = {};
  const broken: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < queue.length; i = next++) {
      const k = queue[i]!;
      const o = await k.send(t);
      const seen = (outcomes[k.name] ??= {});
      seen[String(o)] = (seen[String(o)] ?? 0) + 1;
      if (!k.expected.includes(o)) broken.push(`${k.name}: ${o}`);
    }
  }));
  return { outcomes, broken, sent: queue.length };
}

/** What ordinary clients saw while the abuse ran, and the server's largest resident memory meanwhile. */
export interface UnderAbuse {
  abuse: AbuseReport;
  ordinary: LoadReport;
  /** /health answers: how many, and their slowest (ms) */
  health: { answered: number; failed: number; maxMs: number };
  /** the largest memoryMB /health reported */
  maxMemoryMB: number;
  /** the server's longest event-loop delay (ms), from its last /health */
  maxLoopDelayMs: number;
}

/**
 * Runs the abuse and, beside it, ordinary generation requests (`ordinaryClients`
 * clients, closed loop, 20 tokens each, until the abuse ends) and a /health
 * poll every 100 ms.
 */
export async function abuseWithOrdinaryLoad(t: AbuseTarget, o: { rounds: number; concurrency: number; ordinaryClients: number }): Promise<UnderAbuse> {
  const base = `http://${t.host}:${t.port}`;
  let stop = false;
  const health = { answered: 0, failed: 0, maxMs: 0 };
  let maxMemoryMB = 0;
  let maxLoopDelayMs = 0;
  const poll = (async () => {
    while (!stop) {
      const t0 = performance.now();
      try {
        const h = (await (await fetch(`${base}/health`, { signal: AbortSignal.timeout(30_000) })).json()) as { memoryMB: number; eventLoopDelayMs: { max: number } };
        health.answered++;
        health.maxMs = Math.max(health.maxMs, performance.now() - t0);
        maxMemoryMB = Math.max(maxMemoryMB, h.memoryMB);
        maxLoopDelayMs = Math.max(maxLoopDelayMs, h.eventLoopDelayMs.max);
      } catch {
        health.failed++;
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  })();
  const ordinary = runLoad({
    url: `${base}/v1/models/${t.text}/generate`, clients: o.ordinaryClients, requests: Number.MAX_SAFE_INTEGER, timeoutMs: 30_000, until: () => stop,
    body: (i) => ({ prime: 'the', length: 20, seed: i }),
  });
  const abuse = await runAbuse(t, o.rounds, o.concurrency);
  stop = true;
  const [, report] = await Promise.all([poll, ordinary]);
  return { abuse, ordinary: report, health, maxMemoryMB, maxLoopDelayMs };
}
