/**
 * npm run bench [-- --json] [--only W1,W3b1,G1] [--repeat N] [--full] [--no-long] [--no-browser]
 *
 * Runs the workloads of bench/workloads.ts on this library (WebAssembly and
 * plain TypeScript backends), TensorFlow.js (wasm and cpu backends),
 * brain.js (training only: it has no batching), PyTorch (Debian's
 * python3-torch, for /usr/bin/python3, when present; 1 and 2 threads) and
 * onnxruntime-node (inference; 1 and 2 threads), each measurement in its own
 * child process so its peak memory is its own, and every measurement
 * repeated in N fresh processes (--repeat, default 3), ours and the native
 * baselines alike: the figure is the median process, with the range beside
 * it (one process of PyTorch moved by -17% to +39% between two runs of a
 * day). Prints a table of characters
 * (or generated tokens) per second (median of at least 3 timed runs and 3 s,
 * after a warm-up of at least 3 runs and 2 s), peak resident memory and our
 * ratio to each, at our default threads and at one thread; the same
 * workloads in Chromium (bench/browser-speed.ts: our wasm backend at 1 and 2
 * threads against TensorFlow.js's wasm backend in the same page); GEMM
 * GFLOP/s on the W2 shapes; training against sequence length
 * (bench/long-sequences.ts); and the targets; and writes it all to
 * bench/RESULTS-speed-<date>.txt. TensorFlow.js's cpu backend on W2 takes
 * minutes per step: it runs only with --full.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TextGenerator, getThreads, setBackend } from '../packages/recurrent/src/index.js';
import { saveTextModel } from '../packages/recurrent/src/node.js';
import { BROWSER_WORKLOADS, browserRows } from './browser-speed.js';
import { gemmFigures } from './gemm.js';
import { longSequenceTable } from './long-sequences.js';
import { rawOutput } from './raw-output.js';
import { type BenchResult, WORKLOADS, benchAlphabet } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: {
  json: { type: 'boolean' }, only: { type: 'string' }, repeat: { type: 'string', default: '3' }, full: { type: 'boolean' }, 'no-long': { type: 'boolean' }, 'no-browser': { type: 'boolean' },
} });
const repeat = Number(values.repeat);
if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error(`--repeat expects a positive integer, got '${values.repeat}'`);
const only = values.only ? new Set(values.only.split(',')) : null;
const log = (s: string): void => { if (!values.json) process.stderr.write(`${s}\n`); };
// Started before the runs, so the commit it records is the one measured.
// A partial run (--only) gets its own file, so it never replaces a whole run's.
const out = rawOutput(only ? `speed-${[...only].join('-')}` : 'speed', `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);

/** Debian's PyTorch, for the system python3 (not another python earlier on PATH), when it is installed. */
const PYTHON = '/usr/bin/python3';
const torchPresent = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!torchPresent) log(`PyTorch rows skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);

const plan: Array<[string, BenchResult['library'], string]> = [];
for (const w of WORKLOADS) {
  if (only && !only.has(w.id) && !only.has(w.id.slice(0, 2)) && !only.has(w.id.slice(0, 1))) continue;
  plan.push([w.id, 'recurrent', 'wasm'], [w.id, 'recurrent', 'wasm1'], [w.id, 'recurrent', 'js']);
  if (w.kind !== 'beam') plan.push([w.id, 'tfjs', 'wasm']);
  if (w.kind !== 'beam' && (w.id !== 'W2' || values.full)) plan.push([w.id, 'tfjs', 'cpu']);
  if (w.kind === 'train' && w.id !== 'W2') plan.push([w.id, 'brain.js', 'js']);
  if (torchPresent) plan.push([w.id, 'PyTorch', '1'], [w.id, 'PyTorch', '2']);
  if (w.kind === 'infer') plan.push([w.id, 'onnxruntime', '1'], [w.id, 'onnxruntime', '2']);
}

/** One measurement in a fresh process: its result, or null (said why). */
function measure(workload: string, library: BenchResult['library'], backend: string): BenchResult | null {
  const w = WORKLOADS.find((x) => x.id === workload)!;
  const r = library === 'PyTorch'
    ? spawnSync(PYTHON, [join(here, 'torch_bench.py'), JSON.stringify(w), backend], { encoding: 'utf8', timeout: 30 * 60_000 })
    : spawnSync(process.execPath, ['--import', 'tsx', join(here, 'child.ts'), workload, library, backend], { encoding: 'utf8', timeout: 30 * 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    log(`  failed: ${(r.stderr || r.error?.message || 'no result').trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  return JSON.parse(line.slice(7)) as BenchResult;
}

const results: BenchResult[] = [];
for (const [workload, library, backend] of plan) {
  log(`running ${workload} ${library} ${backend} (${repeat} process${repeat > 1 ? 'es' : ''}) ...`);
  const runs: BenchResult[] = [];
  for (let k = 0; k < repeat; k++) {
    const res = measure(workload, library, backend);
    if (!res) break;
    log(`  ${Math.round(res.charsPerSec)} chars/s, ${res.peakRssMB} MB`);
    runs.push(res);
  }
  if (runs.length < repeat) continue;
  // The median process, and the range of all of them.
  runs.sort((a, b) => a.charsPerSec - b.charsPerSec);
  const median = runs[(runs.length - 1) >> 1]!;
  const range = repeat > 1 ? `${repeat} processes: ${Math.round(runs[0]!.charsPerSec).toLocaleString('en-US')}-${Math.round(runs.at(-1)!.charsPerSec).toLocaleString('en-US')}` : '';
  results.push({ ...median, peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)), ...(range ? { note: median.note ? `${median.note}; ${range}` : range } : {}) });
}

const browser = values['no-browser'] ? [] : await browserRows(BROWSER_WORKLOADS.filter((w) => !only || only.has(w) || only.has(w.slice(0, 2)) || only.has(w.slice(0, 1))), log);

await setBackend('wasm');
const gemm = gemmFigures();

if (values.json) {
  console.log(JSON.stringify({ results }));
} else {
  // Our figure is the default configuration (wasm, threads chosen automatically), the first wasm row.
  const ours = (w: string): BenchResult | undefined => results.find((r) => r.workload === w && r.library === 'recurrent' && r.backend.startsWith('wasm'));
  // And at one thread, as every other library here runs (tfjs' wasm backend has no threads in Node, brain.js none).
  const ours1 = (w: string): BenchResult | undefined => results.filter((r) => r.workload === w && r.library === 'recurrent' && r.backend.startsWith('wasm') && r.threads === 1).at(-1);
  const date = new Date().toISOString().slice(0, 10);
  out.line(`recurrent benchmark, ${date}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  out.line('chars/s = sequence steps x batch per second (training: forward, backward, clipping, Adam); for G1 and G5, tokens written per second (TextGenerator.generate, what `recurrent generate` runs);');
  out.line(`each process: median of >= 3 timed runs and >= 3 s after a warm-up of >= 3 runs and >= 2 s; each figure: the median of ${repeat} such process${repeat > 1 ? 'es (their range in the backend column)' : ''}. Workloads:`);
  for (const w of WORKLOADS) out.line(`  ${w.id}: ${w.title} (vocabulary ${w.vocab}, ${w.kind === 'generate' || w.kind === 'beam' ? `${w.seqLen} tokens a run` : `${w.seqLen} steps x batch ${w.batch}`})`);
  out.line('');
  out.line('| workload | library | backend | threads | chars/s | peak RSS MB | recurrent (wasm, default threads) / this | recurrent (wasm, 1 thread) / this |');
  out.line('|---|---|---|---|---:|---:|---:|---:|');
  const over = (a: BenchResult | undefined, r: BenchResult): string => (a && a !== r ? (a.charsPerSec / r.charsPerSec).toFixed(1) + 'x' : '-');
  for (const r of results) {
    const note = r.note ? ` (${r.note})` : '';
    out.line(`| ${r.workload} | ${r.library} | ${r.backend}${note} | ${r.threads} | ${Math.round(r.charsPerSec).toLocaleString('en-US')} | ${r.peakRssMB} | ${over(ours(r.workload), r)} | ${over(ours1(r.workload), r)} |`);
  }
  if (browser.length) {
    out.line('\nIn the browser (headless Chromium, a cross-origin isolated page, each case in a fresh Web Worker; TensorFlow.js\'s wasm backend uses its own threads there):\n');
    out.line('| workload | library | backend | threads | chars/s | recurrent (wasm, 2 threads) / this | recurrent (wasm, 1 thread) / this |');
    out.line('|---|---|---|---|---:|---:|---:|');
    for (const r of browser) {
      const mine = (t: number): BenchResult | undefined => browser.find((x) => x.workload === r.workload && x.library === 'recurrent' && x.threads === t);
      out.line(`| ${r.workload} | ${r.library} | ${r.backend} | ${r.threads} | ${Math.round(r.charsPerSec).toLocaleString('en-US')} | ${over(mine(2), r)} | ${over(mine(1), r)} |`);
    }
  }
  out.line(`\nGEMM on the W2 shapes (wasm backend, ${getThreads()} thread(s), including copies in and out):`);
  for (const g of gemm) out.line(`  ${g.shape.padEnd(24)} ${g.gflops.toFixed(1)} GFLOP/s  ${g.role}`);

  const best = (w: string, lib: BenchResult['library']): BenchResult | undefined =>
    results.filter((r) => r.workload === w && r.library === lib).sort((a, b) => b.charsPerSec - a.charsPerSec)[0];
  const ratio = (w: string, lib: BenchResult['library'], mine = ours): number | null => {
    const o = mine(w);
    const b = best(w, lib);
    return o && b ? o.charsPerSec / b.charsPerSec : null;
  };
  const targets: Array<[string, string, BenchResult['library'], number]> = [
    ['W1 vs TensorFlow.js fastest', 'W1', 'tfjs', 10], ['W1 vs brain.js', 'W1', 'brain.js', 30],
    ['W4 vs TensorFlow.js fastest', 'W4', 'tfjs', 10], ['W4 vs brain.js', 'W4', 'brain.js', 30],
    ['W5 vs TensorFlow.js fastest', 'W5', 'tfjs', 10], ['W5 vs brain.js (ReLU RNN)', 'W5', 'brain.js', 30],
    ['W2 vs TensorFlow.js fastest', 'W2', 'tfjs', 15],
    ['W3 batch 1 vs TensorFlow.js fastest', 'W3b1', 'tfjs', 10], ['W3 batch 64 vs TensorFlow.js fastest', 'W3b64', 'tfjs', 3],
    ['G1 generation vs PyTorch fastest', 'G1', 'PyTorch', 9],
  ];
  // Targets are judged best against best (our default configuration, two threads where the machine has two
  // cores, against each library's fastest backend); the ratio at one thread each is printed beside them.
  out.line('\nTargets (judged on our default configuration against the other library\'s fastest; at one thread each in brackets):');
  for (const [name, w, lib, want] of targets) {
    const r = ratio(w, lib);
    if (r === null) continue;
    const eq = ratio(w, lib, ours1);
    out.line(`  ${r >= want ? 'met ' : 'MISS'} ${name}: ${r.toFixed(1)}x (target ${want}x)${eq !== null ? ` [one thread each: ${eq.toFixed(1)}x]` : ''}`);
  }
  out.line('\nAgainst the native peers (our default configuration against their fastest; at one thread each in brackets):');
  for (const w of WORKLOADS) {
    for (const lib of ['PyTorch', 'onnxruntime'] as const) {
      const r = ratio(w.id, lib);
      // At one thread each: our one-thread row against theirs.
      const theirs1 = results.find((x) => x.workload === w.id && x.library === lib && x.threads === 1);
      const mine1 = ours1(w.id);
      if (r !== null) out.line(`  ${w.id} vs ${lib}: ${r.toFixed(2)}x${theirs1 && mine1 ? ` [one thread each: ${(mine1.charsPerSec / theirs1.charsPerSec).toFixed(2)}x]` : ''}`);
    }
  }
  // Absolute targets of issue #17, in tokens written per second on this machine.
  for (const [name, w, want] of [['G1 sampling at batch 1, tokens/s', 'G1', 25_000], ['G5 beam search of width 5, tokens/s', 'G5', 8_000]] as const) {
    const o = ours(w);
    if (o) out.line(`  ${o.charsPerSec >= want ? 'met ' : 'MISS'} ${name}: ${Math.round(o.charsPerSec).toLocaleString('en-US')} (target ${want.toLocaleString('en-US')})`);
  }
  for (const w of BROWSER_WORKLOADS) {
    const o = browser.find((x) => x.workload === w && x.library === 'recurrent' && x.threads === 2);
    const t = browser.find((x) => x.workload === w && x.library === 'tfjs');
    if (o && t) out.line(`  in Chromium, ${w}: ${(o.charsPerSec / t.charsPerSec).toFixed(1)}x TensorFlow.js's wasm backend in the same page`);
  }
  const w2 = ours('W2');
  const w2tf = results.filter((r) => r.workload === 'W2' && r.library === 'tfjs').map((r) => r.peakRssMB);
  if (w2 && w2tf.length) {
    const m = Math.min(...w2tf);
    out.line(`  ${w2.peakRssMB <= m ? 'met ' : 'MISS'} W2 peak memory ${w2.peakRssMB} MB vs TensorFlow.js ${m} MB (target: no higher)`);
  }
  if (!only || only.has('G1') || only.has('G')) {
    out.line('\nGeneration against the length of the text (the G1 model, one run each, in this process, default threads):');
    const g = TextGenerator.create(benchAlphabet(65), { hiddenSize: 256, numLayers: 2, embeddingSize: 64 }, 1);
    g.generate({ prime: '!', length: 5000, seed: 9 });
    for (const n of [5000, 40000]) {
      const t0 = performance.now();
      g.generate({ prime: '!', length: n, seed: 1 });
      out.line(`  ${n.toLocaleString('en-US')} tokens: ${Math.round(n / ((performance.now() - t0) / 1000)).toLocaleString('en-US')} tokens/s`);
    }
    const cli = join(here, '../packages/cli/dist/main.js');
    if (existsSync(cli)) {
      // The command line end to end, as a user runs it: process start, loading the folder, 40,000 tokens to a pipe.
      const dir = mkdtempSync(join(tmpdir(), 'recurrent-bench-generate-'));
      await saveTextModel(dir, g);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(here, '../packages/cli/bin/recurrent.js'), 'generate', dir, '--length', '40000', '--prime', '!'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const s = (performance.now() - t0) / 1000;
      out.line(r.status === 0 ? `  recurrent generate --length 40000 (the whole command, to a pipe): ${s.toFixed(2)} s, ${Math.round(40000 / s).toLocaleString('en-US')} tokens/s` : `  recurrent generate failed: ${r.stderr.trim().split('\n').at(-1)}`);
    } else {
      out.line('  (the command line is not built: npm run build, then its end-to-end figure is measured too)');
    }
  }
  if (!values['no-long']) {
    out.line('\nTraining against sequence length (bench/long-sequences.ts; `npm run bench:long` runs only this):');
    longSequenceTable(out.line);
  }
  await out.save();
}
