/**
 * Shared by the browser tests: serve a folder on loopback, open a page in
 * Debian's headless Chromium (installed by .ci/run) and return what the page
 * put in window.__result. Page errors fail the run.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const MIME: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

/** `isolated` serves with COOP/COEP, as a page that wants shared memory (a second kernel thread) must be. */
export async function runPage<T>(dir: string, page = 'index.html', timeout = 60_000, isolated = false): Promise<T> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    const path = join(dir, url === '/' ? page : decodeURIComponent(url));
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(path)] ?? 'application/octet-stream',
      ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
    });
    res.end(readFileSync(path));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    await p.waitForFunction(() => (window as unknown as { __result?: object }).__result !== undefined, undefined, { timeout })
      .catch((e: Error) => { throw new Error(`${e.message}; page errors: ${errors.join(' | ') || 'none'}`); });
    assert.deepEqual(errors, []);
    return await p.evaluate(() => (window as unknown as { __result: unknown }).__result) as T;
  } finally {
    await browser.close();
    server.close();
  }
}
