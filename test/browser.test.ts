/**
 * The library in a real browser: the public entry bundled for the browser
 * (no Node built-ins), loaded by headless Chromium from a localhost page;
 * the WebAssembly backend must agree with the TypeScript one, and a
 * TextGenerator must train, generate and round-trip through its files; a
 * Forecaster and an AnomalyDetector must train on a CSV parsed in the page.
 * Needs Debian's chromium (installed by .ci/run).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { setBackend } from '../packages/recurrent/src/node.js';
import { type WorkloadResult, browserWorkload } from './browser/workload.js';
import { runPage } from './chromium.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('in the browser', () => {
  it('the main entry bundles for the browser with no Node built-in and no flag', async () => {
    const out = mkdtempSync(join(tmpdir(), 'recurrent-browser-'));
    const r = await build({
      entryPoints: [join(root, 'packages/recurrent/src/index.ts')], bundle: true, format: 'esm', platform: 'browser',
      outfile: join(out, 'index.js'), logLevel: 'silent', metafile: true,
    });
    // No Node built-in is reachable from the main entry, not even through a dynamic import (the
    // build above would fail on one): the kernels reach them through process.getBuiltinModule.
    const code = readFileSync(join(out, 'index.js'), 'utf8');
    assert.doesNotMatch(code, /(from\s*|import\(\s*|__require\(\s*)["']node:/);
    const inputs = Object.keys(r.metafile.inputs);
    assert.ok(!inputs.some((p) => /src\/(cli|plot)\/|corpora\.ts/.test(p)), 'no CLI, plot or corpus code in the library bundle');
  });

  it("threads 'auto' takes two threads in a Web Worker of a cross-origin isolated page, one on the page itself", { timeout: 60_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'recurrent-threads-'));
    const worker = [
      "import { LSTM, Random, Tensor, getThreads, setBackend } from 'recurrent-nn';",
      'self.onmessage = async () => {',
      "  await setBackend('wasm', { threads: 'auto' });",
      '  const lstm = new LSTM({ inputSize: 8, hiddenSize: 64, batchFirst: true, rng: new Random(0) });',
      '  const y = lstm.forward(Tensor.zeros([16, 20, 8])).output;',
      '  self.postMessage({ threads: getThreads(), outputs: y.size, isolated: self.crossOriginIsolated });',
      '};',
    ].join('\n');
    const page = [
      "import { getThreads, setBackend } from 'recurrent-nn';",
      "await setBackend('wasm', { threads: 'auto' });",
      "const w = new Worker('./worker.js', { type: 'module' });",
      'w.onmessage = (e) => { window.__result = { page: getThreads(), ...e.data }; };',
      'w.onerror = (e) => { window.__result = { error: String(e.message) }; };',
      'w.postMessage(null);',
    ].join('\n');
    writeFileSync(join(out, 'worker.src.js'), worker);
    writeFileSync(join(out, 'page.src.js'), page);
    await build({
      entryPoints: { worker: join(out, 'worker.src.js'), page: join(out, 'page.src.js') }, bundle: true, format: 'esm', platform: 'browser',
      outdir: out, logLevel: 'silent', alias: { 'recurrent-nn': join(root, 'packages/recurrent/src/index.ts') },
    });
    writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
    const r = await runPage<{ page: number; threads: number; outputs: number; isolated: boolean; error?: string }>(out, 'index.html', 45_000, true);
    assert.equal(r.error, undefined);
    assert.equal(r.isolated, true);
    assert.equal(r.page, 1, 'the page itself may not block on a thread: one');
    assert.equal(r.threads, 2, "'auto' in an isolated worker on a machine of two cores or more: two threads");
    assert.equal(r.outputs, 16 * 20 * 64);
  });

  it('runs LSTM (wasm = js) and trains and generates text in Chromium', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'recurrent-page-'));
    await build({
      entryPoints: [join(root, 'test/browser/page.ts')], bundle: true, format: 'esm', platform: 'browser',
      outfile: join(out, 'page.js'), logLevel: 'silent',
    });
    writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>recurrent</title><script type="module" src="/page.js"></script>');
    {
      const result = await runPage<Record<string, unknown>>(out, 'index.html', 90_000);
      assert.equal(result.error, undefined, String(result.error));
      assert.match(String(result.backend), /^wasm/);
      assert.match(String(result.defaultBackend), /^wasm/, 'the default backend in a browser is WebAssembly');
      assert.equal(result.outputs, 3 * 7 * 24);
      assert.ok((result.maxDiff as number) < 1e-5, `wasm vs js max difference ${result.maxDiff}`);
      // The same training, generation, forecast and detection in Node, on the same one-thread wasm kernels:
      // the page's numbers are these, so the browser build computes what the library computes.
      await setBackend('wasm', { threads: 1 });
      const want = await browserWorkload();
      const got = result as unknown as WorkloadResult;
      const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: browser ${a}, Node ${b}`);
      near(got.valLoss, want.valLoss, 'validation loss');
      assert.equal(got.forecast.length, 6);
      got.forecast.forEach((v, i) => near(v, want.forecast[i]!, `forecast[${i}]`));
      assert.equal(got.scores.length, 120);
      got.scores.forEach((v, i) => near(v, want.scores[i]!, `anomaly score[${i}]`));
      assert.equal(Array.from(got.sample).length, 20);
      assert.equal(got.sample, want.sample, 'the seeded sample');
      assert.equal(got.reloaded, got.sample, 'the reloaded model generates the same text');
    }
  });
});
