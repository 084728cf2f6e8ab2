/**
 * The playground as a person uses it: `recurrent playground` serves the built
 * page (cross-origin isolated), Chromium loads it with no console error, the
 * three workers train RNN, LSTM and GRU, and every panel draws real content.
 * The page's losses must equal the same sessions run in Node, the main thread
 * must never hold on to a task as long as training a chunk takes (a ratio, so
 * a slower machine does not fail it; `npm run bench:playground` prints the
 * longest task in milliseconds), and a screenshot of each panel is written to
 * runs/playground/ (the README's pictures).
 * Needs Debian's chromium (installed by .ci/run).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Download, type Page } from 'playwright-core';
import {
  Captioner, type JsonValue, LanguageModel, Random, SequenceRegressor, TextGenerator, exportTorch, generateScenes, loadTextModel, saveModelFiles, sceneCaptions, sceneSvg, setBackend,
} from '../packages/recurrent/src/node.js';
import { decodeImage, renderSvg, svgToImage } from '../packages/cli/src/images.js';
import { exportOnnx } from '../packages/recurrent/src/onnx.js';
import { buildPlayground, bundledText } from '../packages/playground/build.js';
import {
  type MemorySession, FORECAST_JOB_DEFAULTS, ForecastJob, TRANSLATE_JOB_DEFAULTS, type TextSession, TranslateJob, captionView, createSession,
} from '../packages/playground/src/index.js';
import { longTasksBetween, pageNow, recordLongTasks } from '../bench/long-tasks.js';
import { CHROMIUM } from './chromium.js';
import { CLI_ARGS, cliIn, oneLineError, root } from './cli-helpers.js';

const STEPS = 200;
const HIDDEN = 32;
const CELLS = ['RNN_TANH', 'LSTM', 'GRU'] as const;
const shots = join(root, 'runs', 'playground');

interface RunState { step: number; running: boolean; history: Array<{ step: number; loss: number; valLoss: number; perSecond: number }> }

let server: ChildProcess;
let served = '';
const cli = cliIn(tmpdir());
let url = '';
let browser: Browser;
let page: Page;
const errors: string[] = [];

before(async () => {
  served = await buildPlayground(join(mkdtempSync(join(tmpdir(), 'recurrent-playground-')), 'web'));
  server = spawn(process.execPath, [...CLI_ARGS, 'playground', '--port', '0', '--dir', served], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((ok, fail) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /playground at (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    server.once('exit', (code) => fail(new Error(`the server exited (${code}): ${out}`)));
  });
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 1700 } });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  // Long tasks of the main thread, recorded from the first moment.
  await recordLongTasks(page);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

// Canvases (the charts, the step strip) have more than a few colours.
const colours = (testId: string): Promise<number> => page.evaluate((id) => {
  const el = document.querySelector(`[data-testid="${id}"]`)!;
  const c = (el instanceof HTMLCanvasElement ? el : el.querySelector('canvas'))!;
  // Read through a copy: reading the page's own canvas again and again draws a console warning from Chromium.
  const copy = document.createElement('canvas');
  copy.width = c.width;
  copy.height = c.height;
  const ctx = copy.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(c, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const seen = new Set<number>();
  for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
  return seen.size;
}, testId);

/** Waits until the page has stopped training with all three runs at step n. */
const trainedTo = (n: number, timeout: number): Promise<unknown> => page.waitForFunction((steps) => {
  const p = (window as unknown as { __playground: { training: boolean; runs: Record<string, { step: number }> } }).__playground;
  return !p.training && Object.values(p.runs).length === 3 && Object.values(p.runs).every((x) => x.step === steps);
}, n, { timeout });

const runs = (): Promise<Record<string, RunState>> => page.evaluate(() => (window as unknown as { __playground: { runs: Record<string, RunState> } }).__playground.runs);

describe('the playground', () => {
  it('is served cross-origin isolated, the files only', async () => {
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(await r.text(), /<script type="module" src="\.\/main\.js">/);
    assert.equal((await fetch(new URL('worker.js', url))).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(new URL('/%2e%2e/%2e%2e/package.json', url))).status, 404);
    assert.equal((await fetch(new URL('nothing.js', url))).status, 404);
    // Bad input is one line: a folder with no page, a port in use.
    oneLineError(cli('playground', '--dir', tmpdir()), /has no index\.html: build the playground first \(npm run build:web\)/);
    oneLineError(cli('playground', '--dir', served, '--port', new URL(url).port), new RegExp(`port ${new URL(url).port} on 127\\.0\\.0\\.1 is in use`));
  });

  it('trains RNN, LSTM and GRU in workers: the loss falls, as in Node, and the page never blocks for a chunk', { timeout: 120_000 }, async () => {
    await page.goto(`${url}?autostart=1&until=${STEPS}&hidden=${HIDDEN}`);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    // From the moment every model has reported a chunk (every panel has been drawn once) to the end of training.
    await page.waitForFunction(() => {
      const r = Object.values((window as unknown as { __playground: { runs: Record<string, { history: unknown[] }> } }).__playground.runs);
      return r.length === 3 && r.every((x) => x.history.length > 0);
    }, undefined, { timeout: 60_000 });
    const trainingFrom = await pageNow(page);
    await trainedTo(STEPS, 90_000);
    const trainedUntil = await pageNow(page);
    const got = await runs();

    await setBackend('wasm', { threads: 1 });
    const text = bundledText();
    for (const cell of CELLS) {
      const h = got[cell]!.history;
      assert.deepEqual(h.map((e) => e.step), Array.from({ length: STEPS / 20 }, (_, i) => 20 * (i + 1)), `${cell}: a validation per chunk`);
      const s = createSession({ cell, hiddenSize: HIDDEN, seed: 1 }, text) as TextSession;
      for (const e of h) {
        const w = await s.train(20);
        assert.ok(Math.abs(e.valLoss - w.valLoss) <= 1e-4 * w.valLoss, `${cell} step ${w.step}: page ${e.valLoss}, Node ${w.valLoss}`);
        assert.ok(Math.abs(e.loss - w.loss) <= 1e-4 * w.loss, `${cell} step ${w.step} training loss: page ${e.loss}, Node ${w.loss}`);
      }
      const [first, last] = [h[0]!.valLoss, h[h.length - 1]!.valLoss];
      assert.ok(last < 0.8 * first && last < Math.log(s.generator.vocab.size), `${cell}: the held-out loss falls (${first} -> ${last})`);
    }
    // A chunk's training time in the worker, from its rate; the page's tasks (a render, a message) must stay
    // well under the shortest: were a chunk trained on the main thread, its task would last the whole chunk.
    const { config } = createSession({ cell: 'LSTM', hiddenSize: HIDDEN, seed: 1 }, text) as TextSession;
    const charsPerChunk = 20 * (config.batch ?? 16) * config.seqLen;
    const chunkMs = Math.min(...CELLS.flatMap((cell) => got[cell]!.history.map((e) => (1000 * charsPerChunk) / e.perSecond)));
    const long = await longTasksBetween(page, trainingFrom, trainedUntil);
    const longest = Math.max(0, ...long.map((t) => t.duration));
    console.log(`# the shortest chunk took ${chunkMs.toFixed(0)} ms in its worker; main-thread tasks over 50 ms while training: ${long.length}, the longest ${longest.toFixed(0)} ms`);
    assert.ok(longest < chunkMs / 2, `the page's longest task while training (${longest.toFixed(0)} ms) is under half a chunk's training (${chunkMs.toFixed(0)} ms)`);
    assert.deepEqual(errors, []);
  });

  it('every panel draws real content, and the screenshots are written', { timeout: 60_000 }, async () => {
    for (const id of ['loss-chart', 'memory-chart', 'step-strip']) assert.ok((await colours(id)) > 10, `${id} is drawn`);

    // One step, opened: the equation's c from the gates is the cell the model holds.
    const eq = await page.locator('[data-testid="equations"]').innerText();
    const m = /= (-?\d+\.\d+)\s+\(the cell holds (-?\d+\.\d+)\)/.exec(eq);
    assert.ok(m, eq);
    assert.ok(Math.abs(Number(m[1]) - Number(m[2])) <= 0.0015, eq);
    await page.locator('.tabs button', { hasText: 'GRU' }).click();
    const gru = await page.locator('[data-testid="equations"]').innerText();
    const g = /= (-?\d+\.\d+)\s+\(the state is (-?\d+\.\d+)\)/.exec(gru);
    assert.ok(g && Math.abs(Number(g[1]) - Number(g[2])) <= 0.0015, gru);
    await page.locator('.tabs button', { hasText: 'LSTM' }).click();

    // Activations: the held-out text, each character shaded by the cell, the best cells offered first.
    const spans = await page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="activation-text"] span')).map((s) => (s as HTMLElement).style.background));
    assert.ok(spans.length > 1000, `${spans.length} characters shown`);
    assert.ok(new Set(spans).size > 3 && !spans.every((b) => b === 'rgb(255, 255, 255)'), `shades: ${[...new Set(spans)].slice(0, 5).join(' ')}`);
    assert.match(await page.locator('[data-testid="activation-cell"] option').first().innerText(), /^cell \d+: .* \(r = -?\d\.\d\d\)$/);

    // Connectivity: hovering a character lights the characters before it.
    await page.locator('[data-testid="connectivity-text"] span[data-step="40"]').hover();
    const lit = await page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="connectivity-text"] span'))
      .map((s) => {
        // Chrome writes an opaque rgba() as rgb().
        const bg = (s as HTMLElement).style.background;
        return bg.startsWith('rgb(') ? 1 : Number(/rgba\(\d+, \d+, \d+, ([\d.]+)\)/.exec(bg)?.[1] ?? 0);
      }));
    assert.ok(lit.slice(0, 41).filter((a) => a > 0).length >= 5, `lit: ${lit.slice(0, 41).join(' ')}`);
    assert.ok(lit.slice(41).every((a) => a === 0), 'nothing after the hovered character');

    mkdirSync(shots, { recursive: true });
    for (const panel of ['train', 'step', 'activations', 'memory', 'connectivity']) {
      const file = join(shots, `playground-${panel}.png`);
      await page.locator(`[data-panel="${panel}"]`).screenshot({ path: file });
      assert.ok(readFileSync(file).length > 5000, `${panel} screenshot`);
    }
    await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });

  it('attention, forecast and anomalies, a model taken away and brought back: as Node computes them', { timeout: 180_000 }, async () => {
    // Forecast: trained in the model worker; the same figures as the same job in Node.
    await page.locator('[data-testid="forecast-train"]').click();
    await page.waitForSelector('[data-testid="forecast-figures"]', { timeout: 90_000 });
    await setBackend('wasm', { threads: 1 });
    const job = new ForecastJob({ ...FORECAST_JOB_DEFAULTS, csv: readFileSync(join(root, 'node_modules/vega-datasets/data/co2-concentration.csv'), 'utf8') });
    await job.train();
    const want = job.view();
    const figures = await page.locator('[data-testid="forecast-figures"]').innerText();
    assert.ok(figures.startsWith(`held-out end: MASE ${want.mase.model.toFixed(2)} (seasonal naive ${want.mase.seasonalNaive.toFixed(2)})`), `${figures} vs Node ${JSON.stringify(want.mase)}`);
    assert.ok(want.mase.model < want.mase.seasonalNaive, 'the network beats the seasonal-naive forecast on the held-out end');
    assert.ok((await colours('forecast-chart')) > 10);
    await page.locator('[data-testid="forecast-inject"]').click();
    await page.waitForFunction(() => /\b([3-9]|\d\d+) steps flagged/.test(document.querySelector('[data-testid="forecast-figures"]')?.textContent ?? ''), undefined, { timeout: 30_000 });

    // Attention: the translator trained in the page translates as Node's does, attention and beam shown.
    await page.locator('[data-testid="translate"]').click();
    await page.waitForSelector('[data-testid="translation"]', { timeout: 120_000 });
    const tj = new TranslateJob(TRANSLATE_JOB_DEFAULTS);
    await tj.fit();
    const tv = tj.view('four hundred and twenty-one', 3);
    assert.match(await page.locator('[data-testid="translation"]').innerText(), new RegExp(`^${tv.text}`));
    assert.equal(await page.locator('[data-testid="attention"] tbody tr').count(), tv.targetTokens.length);
    assert.equal(await page.locator('[data-testid="beam"] tbody tr').count(), tv.beam.length);

    // Take the LSTM away as a model folder; Node reads it and finds the weights of the same run.
    const files: Record<string, Buffer> = {};
    const got: Download[] = [];
    const downloads = new Promise<Download[]>((ok) => {
      const on = (d: Download): void => {
        got.push(d);
        if (got.length < 3) return;
        page.off('download', on);
        ok(got);
      };
      page.on('download', on);
    });
    await page.locator('[data-testid="download-LSTM"]').click();
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-playground-model-'));
    for (const d of await downloads) {
      const name = d.suggestedFilename().replace(/^lstm-/, '');
      await d.saveAs(join(dir, name));
      files[name] = readFileSync(join(dir, name));
    }
    assert.deepEqual(Object.keys(files).sort(), ['config.json', 'model.safetensors', 'vocab.json']);
    const taken = await loadTextModel(dir);
    const replay = createSession({ cell: 'LSTM', hiddenSize: HIDDEN, seed: 1 }, bundledText()) as TextSession;
    for (let i = 0; i < STEPS / 20; i++) await replay.train(20);
    const a = taken.model.stateDict();
    const b = replay.generator.toFiles();
    const best = TextGenerator.fromFiles(b, 'node').model.stateDict();
    for (const [k, t] of Object.entries(a)) {
      let diff = 0;
      t.data.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - best[k]!.data[i]!)); });
      assert.ok(diff < 1e-4, `${k}: the downloaded weights differ from Node's by ${diff}`);
    }

    // Bring it back: the folder's files open in the same views, under "yours".
    await page.locator('[data-testid="model-files"]').setInputFiles(Object.keys(files).map((n) => join(dir, n)));
    await page.waitForSelector('[data-testid="model-loaded"]', { timeout: 30_000 });
    assert.match(await page.locator('[data-testid="model-loaded"]').innerText(), /^opened LSTM 32x1 \([\d,]+ parameters\)/);
    assert.equal(await page.locator('.tabs button.on').innerText(), 'yours');
    assert.match(await page.locator('[data-testid="equations"]').innerText(), /the cell holds/);
    await page.locator('[data-testid="model-files"]').setInputFiles([join(dir, 'vocab.json')]);
    await page.waitForSelector('[data-testid="model-error"]', { timeout: 30_000 });
    assert.match(await page.locator('[data-testid="model-error"]').innerText(), /the model folder needs config\.json/);

    // A PyTorch state dict and an ONNX file open too, read as `recurrent import` reads them.
    const lm = new LanguageModel({ vocabSize: 11, embeddingSize: 4, hiddenSize: 8, mode: 'GRU' }, new Random(3));
    writeFileSync(join(dir, 'lm.safetensors'), exportTorch(lm));
    const reg = new SequenceRegressor({ inputSize: 3, hiddenSize: 6, outputSize: 1, mode: 'LSTM' }, new Random(4));
    writeFileSync(join(dir, 'reg.onnx'), exportOnnx(reg));
    for (const [file, name] of [['lm.safetensors', /^opened a language model \(GRU 8x1\) \(/], ['reg.onnx', /^opened a sequence regressor \(LSTM 6x1\) \(/]] as const) {
      await page.locator('[data-testid="model-files"]').setInputFiles([join(dir, file)]);
      await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('[data-testid="model-loaded"]')?.textContent ?? ''), name.source, { timeout: 30_000 });
      // The strip is drawn on the next frame after the model is named: wait for it (a busy machine is slow to get there).
      let drawn = await colours('step-strip');
      for (const until = Date.now() + 10_000; drawn <= 10 && Date.now() < until; drawn = await colours('step-strip')) await new Promise((ok) => setTimeout(ok, 100));
      assert.ok(drawn > 10, `${file}: its gates drawn`);
    }

    for (const panel of ['attention', 'forecast', 'models']) await page.locator(`[data-panel="${panel}"]`).screenshot({ path: join(shots, `playground-${panel}.png`) });
    assert.deepEqual(errors, []);
  });

  it('captioning: a caption model folder and a PNG give the caption Node gives, with each word\'s attention laid over the image', { timeout: 120_000 }, async () => {
    await setBackend('wasm', { threads: 1 });
    const scenes = generateScenes({ count: 200, seed: 5 });
    const examples = scenes.map((sc) => ({ input: svgToImage(sceneSvg(sc)), captions: sceneCaptions(sc) }));
    const c = Captioner.create(examples, { hiddenSize: 32 });
    await c.train(examples.slice(20), examples.slice(0, 20), { epochs: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-playground-caption-'));
    await saveModelFiles(join(dir, 'model'), c.toFiles());
    const png = join(dir, 'scene.png');
    writeFileSync(png, renderSvg(sceneSvg(scenes[0]!)).asPng());
    const files = { config: JSON.parse(readFileSync(join(dir, 'model', 'config.json'), 'utf8')) as JsonValue, weights: new Uint8Array(readFileSync(join(dir, 'model', 'model.safetensors'))) };
    const want = captionView(files, decodeImage(new Uint8Array(readFileSync(png)), png));
    assert.ok(want.words.length > 0, 'the model writes something');
    await page.locator('[data-testid="caption-files"]').setInputFiles([join(dir, 'model', 'config.json'), join(dir, 'model', 'model.safetensors'), png]);
    await page.waitForSelector('[data-testid="caption-text"]', { timeout: 60_000 });
    assert.equal((await page.locator('[data-testid="caption-text"] button').allInnerTexts()).join(' '), want.words.join(' '));
    const cells = page.locator('[data-testid="caption-attention"] > div');
    assert.equal(await cells.count(), want.grid[0] * want.grid[1]);
    const shades = (): Promise<string[]> => cells.evaluateAll((els) => els.map((e) => (e as HTMLElement).style.background));
    const first = await shades();
    const last = want.words.length - 1;
    if (last > 0) {
      await page.locator(`[data-testid="caption-word-${last}"]`).click();
      const other = await shades();
      assert.equal(other.length, first.length);
      const differs = want.attention[0]!.some((a, i) => Math.abs(a - want.attention[last]![i]!) > 1e-3);
      assert.equal(other.join() !== first.join(), differs, 'the overlay follows the word picked');
    }
    await page.locator('[data-panel="caption"]').screenshot({ path: join(shots, 'playground-caption.png') });
    await page.locator('[data-testid="caption-files"]').setInputFiles([png]);
    await page.waitForSelector('[data-testid="caption-error"]', { timeout: 30_000 });
    assert.match(await page.locator('[data-testid="caption-error"]').innerText(), /expected a caption model folder's config\.json and model\.safetensors, and a PNG or JPEG image; got scene\.png/);
    assert.deepEqual(errors, []);
  });

  it('the adding problem: in seconds the LSTM and GRU keep the first value where the RNN loses it; the page computes what Node does', { timeout: 180_000 }, async () => {
    const until = 500;
    await page.goto(`${url}?task=adding&length=50&parameters=3000&autostart=1&until=${until}`);
    await trainedTo(until, 170_000);
    const got = await runs();
    await setBackend('wasm', { threads: 1 });
    const final: Record<string, number> = {};
    for (const cell of CELLS) {
      const s = createSession({ task: 'adding', cell, length: 50, parameters: 3000 }, '') as MemorySession;
      const h = got[cell]!.history;
      assert.equal(h.length, until / 20);
      for (const e of h) {
        const w = await s.train(20);
        assert.equal(e.step, w.step);
        assert.ok(Math.abs(e.valLoss - w.valLoss) <= 1e-4 * Math.max(w.valLoss, 1e-3), `${cell} step ${w.step}: page ${e.valLoss}, Node ${w.valLoss}`);
      }
      final[cell] = h[h.length - 1]!.valLoss / (1 / 6);
    }
    console.log(`# adding T=50, ${until} steps in the page: held-out MSE / guessing: RNN ${final.RNN_TANH!.toFixed(3)}, LSTM ${final.LSTM!.toFixed(3)}, GRU ${final.GRU!.toFixed(3)}`);
    assert.ok(final.RNN_TANH! > 0.8, `the tanh RNN stays near guessing: ${final.RNN_TANH}`);
    assert.ok(final.LSTM! < 0.1 && final.GRU! < 0.1, `LSTM ${final.LSTM}, GRU ${final.GRU}`);
    assert.ok((await colours('lag-chart')) > 10, 'the error against the lag is drawn');
    for (const panel of ['train', 'memory', 'connectivity']) await page.locator(`[data-panel="${panel}"]`).screenshot({ path: join(shots, `playground-adding-${panel}.png`) });
    assert.deepEqual(errors, []);
  });

  it('copy memory: trains in the page as in Node, with the recall after fewer and more blanks drawn', { timeout: 120_000 }, async () => {
    const until = 200;
    await page.goto(`${url}?task=copy&autostart=1&until=${until}`);
    await trainedTo(until, 110_000);
    const got = await runs();
    await setBackend('wasm', { threads: 1 });
    for (const cell of CELLS) {
      const s = createSession({ task: 'copy', cell, length: 10, parameters: 10_000 }, '') as MemorySession;
      for (const e of got[cell]!.history) {
        const w = await s.train(20);
        assert.ok(Math.abs(e.valLoss - w.valLoss) <= 1e-4 * w.valLoss, `${cell} step ${w.step}: page ${e.valLoss}, Node ${w.valLoss}`);
      }
    }
    assert.ok((await colours('lag-chart')) > 10, 'the recall against the blanks is drawn');
    assert.match(await page.locator('[data-testid="runs"] th').nth(4).innerText(), /held-out \/ guessing/);
    await page.locator('[data-panel="memory"]').screenshot({ path: join(shots, 'playground-copy-memory.png') });
    assert.deepEqual(errors, []);
  });

  it('a pasted text: too short is one clear line; long enough, the three models train on it', { timeout: 60_000 }, async () => {
    await page.goto(`${url}?hidden=16`);
    await page.locator('[data-testid="paste"]').click();
    await page.locator('[data-testid="paste-text"]').fill('too short');
    await page.locator('[data-testid="paste-use"]').click();
    await page.waitForSelector('[data-testid="error"]', { timeout: 30_000 });
    assert.match(await page.locator('[data-testid="error"]').innerText(), /^the text has 9 tokens: too few to hold out \d+ for validation/);
    errors.length = 0;
    await page.locator('[data-testid="paste"]').click();
    await page.locator('[data-testid="paste-text"]').fill('It was the best of times, it was the worst of times. '.repeat(200));
    await page.locator('[data-testid="paste-use"]').click();
    await page.waitForFunction(() => Object.keys((window as unknown as { __playground: { runs: object } }).__playground.runs).length === 3, undefined, { timeout: 30_000 });
    await page.locator('[data-testid="step"]').click();
    await page.waitForFunction(() => Object.values((window as unknown as { __playground: { runs: Record<string, { step: number }> } }).__playground.runs).every((r) => r.step === 1), undefined, { timeout: 30_000 });
    assert.match(await page.locator('header .note').first().innerText(), /A character model of the pasted text \(10,600 characters\)/);
  });
});
