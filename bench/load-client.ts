/**
 * A bounded HTTP load generator for `recurrent serve` (loopback only): a fixed
 * number of requests spread over a fixed number of concurrent clients, each
 * client sending its next request when its previous answer has fully arrived
 * (closed loop). Reports throughput, latency percentiles and every status
 * seen; a request that fails or is refused is counted, never retried. Used by
 * bench/serve-load.ts (the figures) and test/serve.test.ts (the bounded
 * no-loss check).
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadOptions {
  /** the endpoint, e.g. http://127.0.0.1:8080/v1/models/moby/generate */
  url: string;
  /** request i's JSON body */
  body(i: number): object;
  clients: number;
  requests: number;
  /** read the answer as server-sent events (generation with stream: true) */
  sse?: boolean;
  /** give up on one request after this long (ms; default 60 s) */
  timeoutMs?: number;
  /** stop sending once this returns true (`requests` is then the most sent) */
  until?: () => boolean;
}

export interface LoadReport {
  clients: number;
  requests: number;
  /** answered 200 with a complete body */
  ok: number;
  /** status -> count (0: no answer: connection error or timeout) */
  statuses: Record<number, number>;
  seconds: number;
  requestsPerSec: number;
  /** latency to the whole answer, ms */
  p50: number;
  p99: number;
  /** SSE: time to the first token, ms (median) */
  firstTokenP50: number | null;
  /** SSE: tokens received, over the whole run */
  tokens: number;
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** One request: status, latency, first-token latency and tokens (SSE), or status 0. */
async function once(o: LoadOptions, i: number): Promise<{ status: number; ms: number; firstMs: number | null; tokens: number; complete: boolean }> {
  const t0 = performance.now();
  try {
    const res = await fetch(o.url, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o.body(i)), signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
    });
    if (!o.sse || res.status !== 200 || !res.body) {
      const text = await res.text();
      let complete = res.status === 200;
      if (complete) try { JSON.parse(text); } catch { complete = false; }
      return { status: res.status, ms: performance.now() - t0, firstMs: null, tokens: 0, complete };
    }
    let firstMs: number | null = null;
    let tokens = 0;
    let buffer = '';
    let done = false;
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      buffer += decoder.decode(r.value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (event.startsWith('data: {"token"')) {
          tokens++;
          firstMs ??= performance.now() - t0;
        } else if (event.startsWith('event: done')) done = true;
      }
    }
    return { status: 200, ms: performance.now() - t0, firstMs, tokens, complete: done };
  } catch {
    return { status: 0, ms: performance.now() - t0, firstMs: null, tokens: 0, complete: false };
  }
}

/** Runs the load: `requests` requests over `clients` concurrent clients. */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  let next = 0;
  const ms: number[] = [];
  const first: number[] = [];
  const statuses: Record<number, number> = {};
  let ok = 0;
  let tokens = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(o.clients, o.requests) }, async () => {
    for (let i = next++; i < o.requests && !o.until?.(); i = next++) {
      const r = await once(o, i);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 200 && r.complete) ok++;
      ms.push(r.ms);
      if (r.firstMs !== null) first.push(r.firstMs);
      tokens += r.tokens;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  ms.sort((a, b) => a - b);
  first.sort((a, b) => a - b);
  return {
    clients: o.clients, requests: ms.length, ok, statuses, seconds, requestsPerSec: ms.length / seconds,
    p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), firstTokenP50: first.length ? quantile(first, 0.5) : null, tokens,
  };
}

/** Node's arguments that run `recurrent` from its TypeScript sources (tsx, the library's sources too). */
export const CLI_FROM_SOURCES = ['--conditions=recurrent-source', '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../packages/cli/src/main.ts', import.meta.url))];

/** A runner of `recurrent ARGS` in `cwd` (from the sources) that throws with its error output when a command fails: the benchmarks' model making. */
export function cliIn(cwd: string): (...args: string[]) => void {
  return (...args) => {
    const r = spawnSync(process.execPath, [...CLI_FROM_SOURCES, ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`recurrent ${args.join(' ')} failed: ${r.stderr}`);
  };
}

/** A `recurrent serve` process: its address, its output so far, and a stop that sends a signal and waits for the exit. */
export interface ServerProcess {
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `recurrent serve ARGS --port 0` as a child process (`node` with
 * `nodeArgs`, the CLI's entry among them) and resolves once it prints its
 * address.
 */
export async function spawnServer(nodeArgs: string[], args: string[], cwd: string): Promise<ServerProcess> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...nodeArgs, 'serve', ...args, '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`recurrent serve did not start in 60 s: ${out}`)), 60_000);
    const look = (): void => {
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`recurrent serve exited (${code}) before it listened: ${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
