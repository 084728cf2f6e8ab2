/**
 * `npm run bench`'s browser rows: the same workloads in headless Chromium
 * (Debian's), on a cross-origin isolated page served from loopback, each case
 * in a fresh Web Worker: our wasm backend at 1 thread and at 2 (a second
 * kernel thread needs the isolated page), and TensorFlow.js's wasm backend in
 * the same page (with its own threads there when it finds them). The runners
 * are the Node ones (bench/browser-worker.ts), bundled by esbuild.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serveStatic } from '../packages/cli/src/static-server.js';
import type { BenchResult } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/** The workloads measured in the browser: all of them. */
export const BROWSER_WORKLOADS = ['W1', 'W2', 'W3b1', 'W3b64', 'W4', 'W5', 'G1', 'G5'];

export async function browserRows(workloads: readonly string[], log: (s: string) => void): Promise<BenchResult[]> {
  if (!existsSync(CHROMIUM)) {
    log(`browser rows skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-bench-browser-'));
  const common: import('esbuild').BuildOptions = { bundle: true, format: 'esm', platform: 'browser', logLevel: 'warning', conditions: ['recurrent-source'] };
  await build({ ...common, entryPoints: [join(here, 'browser-worker.ts')], outfile: join(dir, 'bench-worker.js') });
  await build({ ...common, entryPoints: [join(here, 'browser-page.ts')], outfile: join(dir, 'bench.js') });
  const tfWasm = join(here, '../node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(tfWasm).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(tfWasm, f), join(dir, f));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>recurrent bench</title><script type="module" src="./bench.js"></script>');
  const cases = workloads.flatMap((w) => [
    { workload: w, library: 'recurrent', backend: 'wasm1' },
    { workload: w, library: 'recurrent', backend: 'wasm2' },
    ...(w === 'G5' ? [] : [{ workload: w, library: 'tfjs', backend: 'wasm' }]),
  ]);
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
  const server = await serveStatic(dir, '127.0.0.1', 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    log(`running ${cases.length} cases in Chromium ...`);
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { __result?: object }).__result !== undefined, undefined, { timeout: 60 * 60_000, polling: 1000 });
    const r = await page.evaluate(() => (window as unknown as { __result: { results?: Array<BenchResult & { error?: string }>; isolated?: boolean; userAgent?: string; error?: string } }).__result);
    if (r.error) throw new Error(r.error);
    if (!r.isolated) throw new Error('the bench page is not cross-origin isolated');
    const version = /Chrome\/(\d+)/.exec(r.userAgent ?? '')?.[1] ?? '?';
    const rows: BenchResult[] = [];
    for (const x of r.results!) {
      if (x.error) {
        log(`  browser ${JSON.stringify(x)} failed: ${x.error.split('\n')[0]}`);
        continue;
      }
      rows.push({ ...x, backend: `${x.backend} in Chromium ${version}`, peakRssMB: 0 });
      log(`  ${x.workload} ${x.library} ${x.backend} ${x.threads}: ${Math.round(x.charsPerSec)}/s`);
    }
    return rows;
  } finally {
    await browser.close();
    await server.close();
  }
}
