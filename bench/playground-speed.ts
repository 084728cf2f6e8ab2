/**
 * Training speed in the playground's page against the same training in Node:
 * the playground's worker (the page's own code) trains a character model on
 * the bundled text in headless Chromium, at 1 and 2 kernel threads, and Node
 * runs the same session (packages/playground/src) at 1 and 2 threads.
 * Characters per second of training; each case is a fresh worker, a warm-up
 * chunk, then timed chunks. Timing includes what the page pays: messages and
 * the views the worker computes after each chunk. Then the adding demo as a
 * person runs it, timed from load to the end. `npm run bench:playground`
 * prints the table and writes bench/RESULTS-playground-<date>.txt.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serveStatic } from '../packages/cli/src/static-server.js';
import { buildPlayground, bundledText } from '../packages/playground/build.js';
import { type SessionConfig, computeViews, createSession } from '../packages/playground/src/index.js';
import { setBackend } from '../packages/recurrent/src/node.js';
import { longTasksBetween, pageNow, recordLongTasks } from './long-tasks.js';
import { rawOutput } from './raw-output.js';

export interface SpeedCase {
  name: string;
  config: Partial<SessionConfig> & Pick<SessionConfig, 'cell'>;
  threads: 1 | 2;
  warmup: number;
  steps: number;
  repeats: number;
}

const here = dirname(fileURLToPath(import.meta.url));

function cases(): SpeedCase[] {
  const sizes: Array<[string, Partial<SessionConfig>]> = [
    ['LSTM 64, batch 16 x 50 (the page\'s default)', { hiddenSize: 64, batch: 16, seqLen: 50 }],
    ['LSTM 256, batch 32 x 100', { hiddenSize: 256, batch: 32, seqLen: 100 }],
  ];
  return sizes.flatMap(([name, size]) => ([1, 2] as const).map((threads) => ({
    name, threads, warmup: 5, steps: 20, repeats: 3, config: { task: 'text', cell: 'LSTM', seed: 1, ...size } as SpeedCase['config'],
  })));
}

/** The same chunks in Node, with the views after each as the worker computes them. */
async function inNode(c: SpeedCase, text: string): Promise<number> {
  await setBackend('wasm', { threads: c.threads });
  const s = createSession(c.config, text);
  await s.train(c.warmup);
  let seconds = 0;
  for (let i = 0; i < c.repeats; i++) {
    const t0 = performance.now();
    await s.train(c.steps);
    computeViews(s);
    seconds += (performance.now() - t0) / 1000;
  }
  return (c.repeats * c.steps * c.config.batch! * c.config.seqLen!) / seconds;
}

/** The adding demo as a person runs it: the real page, three cells to `until` steps through the page's scheduler; seconds from the workers' start to the end. */
async function addingDemo(page: import('playwright-core').Page, url: string, until: number): Promise<{ seconds: number; ratios: Record<string, number> }> {
  await page.goto(`${url}?task=adding&autostart=1&until=${until}`);
  const t0 = Date.now();
  await page.waitForFunction((n) => {
    const p = (window as unknown as { __playground: { training: boolean; runs: Record<string, { step: number }> } }).__playground;
    return !p.training && Object.values(p.runs).length === 3 && Object.values(p.runs).every((x) => x.step === n);
  }, until, { timeout: 600_000, polling: 100 });
  const seconds = (Date.now() - t0) / 1000;
  const runs = await page.evaluate(() => (window as unknown as { __playground: { runs: Record<string, { history: Array<{ valLoss: number }> }> } }).__playground.runs);
  return { seconds, ratios: Object.fromEntries(Object.entries(runs).map(([c, r]) => [c, r.history[r.history.length - 1]!.valLoss * 6])) };
}

interface Responsiveness { steps: number; longest: number; over50: number }

/**
 * The page's main thread while the three character models train (the page's defaults, `steps` each):
 * its tasks from the moment every model has reported a chunk (every panel drawn once) to the end.
 * Long tasks (PerformanceObserver `longtask`, over 50 ms) counted, and the longest.
 */
async function mainThreadWhileTraining(browser: import('playwright-core').Browser, url: string, steps: number): Promise<Responsiveness> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1700 } });
  await recordLongTasks(page);
  type Runs = Record<string, { step: number; history: unknown[] }>;
  await page.goto(`${url}?autostart=1&until=${steps}`);
  await page.waitForFunction(() => {
    const r = Object.values((window as unknown as { __playground: { runs: Runs } }).__playground.runs);
    return r.length === 3 && r.every((x) => x.history.length > 0);
  }, undefined, { timeout: 600_000, polling: 50 });
  const from = await pageNow(page);
  await page.waitForFunction((n) => {
    const p = (window as unknown as { __playground: { training: boolean; runs: Runs } }).__playground;
    return !p.training && Object.values(p.runs).every((x) => x.step === n);
  }, steps, { timeout: 600_000, polling: 100 });
  const long = await longTasksBetween(page, from, await pageNow(page));
  await page.close();
  return { steps, longest: Math.max(0, ...long.map((t) => t.duration)), over50: long.length };
}

async function inPage(all: SpeedCase[]): Promise<{ charsPerSec: number[]; demo: { seconds: number; ratios: Record<string, number> }; responsiveness: Responsiveness }> {
  const dir = await buildPlayground(join(mkdtempSync(join(tmpdir(), 'recurrent-bench-playground-')), 'web'));
  await build({ entryPoints: [join(here, 'playground-page.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bench.js'), logLevel: 'warning', conditions: ['recurrent-source'] });
  writeFileSync(join(dir, 'bench.html'), '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="./bench.js"></script>');
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(all));
  const server = await serveStatic(dir, '127.0.0.1', 0);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}bench.html`);
    await page.waitForFunction(() => (window as unknown as { __result?: object }).__result !== undefined, undefined, { timeout: 600_000 });
    const r = await page.evaluate(() => (window as unknown as { __result: { charsPerSec?: number[]; isolated?: boolean; error?: string } }).__result);
    if (r.error) throw new Error(r.error);
    if (!r.isolated) throw new Error('the bench page is not cross-origin isolated');
    return { charsPerSec: r.charsPerSec!, demo: await addingDemo(page, server.url, DEMO_STEPS), responsiveness: await mainThreadWhileTraining(browser, server.url, RESPONSIVENESS_STEPS) };
  } finally {
    await browser.close();
    await server.close();
  }
}

const DEMO_STEPS = 500;
const RESPONSIVENESS_STEPS = 400;
const all = cases();
const out = rawOutput('playground', 'npm run bench:playground');
const text = bundledText();
const { charsPerSec: page, demo, responsiveness } = await inPage(all);
const node: number[] = [];
for (const c of all) node.push(await inNode(c, text));
out.line(`training a character model on the bundled text (${Array.from(text).length.toLocaleString('en-US')} characters), chars/s; each: ${all[0]!.warmup} warm-up steps, then ${all[0]!.repeats} chunks of ${all[0]!.steps} steps with the views after each`);
out.line('model                                       threads  Node      page      page / Node');
all.forEach((c, i) => {
  out.line(`${c.name.padEnd(44)}${String(c.threads).padEnd(9)}${Math.round(node[i]!).toLocaleString('en-US').padEnd(10)}${Math.round(page[i]!).toLocaleString('en-US').padEnd(10)}${(page[i]! / node[i]!).toFixed(2)}`);
});
for (let i = 0; i + 1 < all.length; i += 2) {
  out.line(`${all[i]!.name}: 2 threads / 1 thread: Node ${(node[i + 1]! / node[i]!).toFixed(2)}, page ${(page[i + 1]! / page[i]!).toFixed(2)}`);
}
out.line(`the adding demo in the page (T = 50, 3,000 parameters per cell, ${DEMO_STEPS} steps each, chunks handed out one at a time on this ${cpus().length}-core machine): ${demo.seconds.toFixed(1)} s from load to the end; held-out MSE / guessing: ${Object.entries(demo.ratios).map(([c, v]) => `${c} ${v.toFixed(3)}`).join(', ')}`);
out.line(`the page's main thread while its three character models train (${responsiveness.steps} steps each, after every panel's first drawing): ${responsiveness.over50} tasks over 50 ms${responsiveness.over50 > 0 ? `, the longest ${responsiveness.longest.toFixed(0)} ms` : ''}`);
await out.save();
