/**
 * `recurrent memory`: the long-range memory benchmarks (adding, copy, pixel
 * digits) for tanh RNN, LSTM and GRU at equal parameter counts, over several
 * sequence lengths, with a table, a plot of each cell's score against the
 * length, and one of the gradient through time; `--explode R` instead trains a
 * tanh RNN whose W_hh has spectral radius R, with and without clipping.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  CELL_KINDS, type CellKind, type Digits, GATE_INITS, type GateInit, MEMORY_TASKS, type MemoryResult, type MemoryRunConfig, type MemoryTaskName,
  SOLVED_RATIO, gateInitOptions, runMemoryTask,
} from 'recurrent-nn';
import { SKLEARN_DIGITS_PATH, makeFolder, readDigits, writeFileAtomic } from 'recurrent-nn/node';
import { UsageError, action, int, num, refuseExisting, seedOption } from './errors.js';
import { CELLS, choice } from './options.js';
import { writeChart } from './plot/chart.js';

interface MemoryFlags {
  task: MemoryTaskName;
  lengths?: string;
  cells: string;
  inits: string;
  params: number;
  steps: number;
  batch: number;
  lr?: number;
  seed: number;
  digits: string;
  out?: string;
  force?: boolean;
  explode?: number;
  curriculum?: boolean;
  json?: boolean;
}

const DEFAULT_LENGTHS: Record<MemoryTaskName, number[]> = { adding: [100, 300, 600], copy: [100, 500], digits: [64], 'permuted-digits': [64] };
const SHORT: Record<CellKind, string> = { LSTM: 'LSTM', GRU: 'GRU', RNN_TANH: 'RNN', RNN_RELU: 'ReLU RNN' };

function list<T>(name: string, text: string, parse: (s: string) => T): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`${name} expects a comma-separated list, got '${text}'`);
  return items.map(parse);
}

/** What a result's score reads as: "0.0031 (1.9%)" for errors against guessing, "91.2%" for accuracy. */
function score(r: MemoryResult): string {
  if (r.divergedAt !== null && !Number.isFinite(r.value)) return `diverged at ${r.divergedAt}`;
  if (r.curriculum && r.curriculum.reachedAt === null) return `still at T=${r.curve[r.curve.length - 1]?.length ?? r.curriculum.lengths[0]}`;
  if (r.metric === 'accuracy') return `${(r.value * 100).toFixed(1)}%`;
  const pct = r.ratio * 100;
  return `${r.value.toPrecision(2)} (${pct >= 10 ? pct.toFixed(0) : pct >= 1 ? pct.toFixed(1) : pct.toPrecision(2)}%)${r.solved ? ' solved' : ''}`;
}

/** ||dL/dh|| 100 steps back over its value at the last step, or over the longest lag there is. */
function fade(r: MemoryResult): string {
  const g = r.gradientNorms;
  if (!g || !(g[g.length - 1]! > 0)) return '-';
  const lag = Math.min(100, g.length - 1);
  return `${(g[g.length - 1 - lag]! / g[g.length - 1]!).toExponential(1)} at lag ${lag}`;
}

function label(r: Pick<MemoryResult, 'cell' | 'init'>): string {
  return r.init === 'default' ? SHORT[r.cell] : `${SHORT[r.cell]} (${r.init})`;
}

/** What a table run compares, read from the flags (and refused there) before the output folder is made. */
interface TablePlan {
  cells: CellKind[];
  inits: GateInit[];
  lengths: number[];
}

function tablePlan(f: MemoryFlags): TablePlan {
  const cells = list('--cells', f.cells, (s) => {
    const k = CELLS[s.toLowerCase()] ?? (Object.keys(CELL_KINDS) as CellKind[]).find((c) => c === s.toUpperCase());
    if (!k) throw new UsageError(`--cells: unknown cell '${s}' (expected ${Object.keys(CELLS).join(', ')})`);
    return k;
  });
  const inits = list('--inits', f.inits, choice('--inits', GATE_INITS));
  const lengths = f.task === 'digits' || f.task === 'permuted-digits' ? [64] : list('--lengths', f.lengths ?? DEFAULT_LENGTHS[f.task].join(','), (s) => int('--lengths', 2)(s));
  return { cells, inits, lengths };
}

/** The sequence length of an --explode run (the first of --lengths, default 100). */
function explodeLength(f: MemoryFlags): number {
  return f.lengths ? list('--lengths', f.lengths, (s) => int('--lengths', 2)(s))[0]! : 100;
}

async function runTable(f: MemoryFlags & { lr: number }, plan: TablePlan, out: string, digits: Digits | null): Promise<void> {
  const { cells, inits, lengths } = plan;
  // Gate inits are for gated cells: the plain RNN runs once, as it is.
  const runs: Array<{ cell: CellKind; init: GateInit }> = [];
  for (const cell of cells) {
    for (const init of inits) {
      let ok = true;
      try {
        gateInitOptions(init, cell, 2);
      } catch {
        ok = false;
      }
      if (ok && !runs.some((r) => r.cell === cell && r.init === init)) runs.push({ cell, init });
    }
    if (!runs.some((r) => r.cell === cell)) runs.push({ cell, init: 'default' });
  }
  const results: MemoryResult[] = [];
  const t0 = performance.now();
  const total = runs.length * lengths.length;
  for (const length of lengths) {
    for (const run of runs) {
      const config: MemoryRunConfig = {
        task: f.task, cell: run.cell, init: run.init, length, parameters: f.params, steps: f.steps, batch: f.batch, lr: f.lr, seed: f.seed, digits,
        curriculum: f.curriculum === true,
      };
      const name = `${label(run)}, ${f.task} ${f.task.endsWith('digits') ? '' : `T=${length} `}`;
      const r = await runMemoryTask(config, {
        onEval: (p, s) => {
          if (f.json) console.log(JSON.stringify({ event: 'eval', task: f.task, cell: run.cell, init: run.init, ...p, length, validatedLength: p.length }));
          else process.stderr.write(`[${results.length + 1}/${total}] ${name}step ${s.step}/${s.of}${p.length !== length ? ` (curriculum at T=${p.length})` : ''}: ${p.value.toPrecision(3)}  (${Math.round(p.seconds)} s)\n`);
        },
      });
      results.push(r);
      if (f.json) console.log(JSON.stringify({ event: 'result', ...r, curve: undefined, gradientNorms: undefined }));
      // Written after every run, so a stopped run keeps what it finished.
      await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify({ task: f.task, settings: { params: f.params, steps: f.steps, batch: f.batch, lr: f.lr, seed: f.seed, curriculum: f.curriculum === true }, results }, null, 1)}\n`);
    }
  }
  const first = results[0]!;
  const metric = first.metric === 'mse' ? 'MSE' : first.metric === 'loss' ? 'loss (nats/step)' : 'test accuracy';
  const guess = first.metric === 'accuracy' ? '10%' : f.task === 'copy' ? '10 ln 8/(T+20)' : first.guess.toFixed(4);
  if (!f.json) {
    const scale = first.metric === 'accuracy' ? '' : `; % of guessing, "solved" under ${SOLVED_RATIO * 100}%`;
    console.log(`${f.task}: ${metric} (guessing: ${guess}${scale}), about ${f.params.toLocaleString('en-US')} parameters each, ` +
      `${f.steps} steps of ${f.batch}, Adam ${f.lr}, clipping 1, seed ${f.seed}${f.curriculum ? `, a curriculum of lengths (on to the next once solved)` : ''}; ` +
      `${Math.round((performance.now() - t0) / 1000)} s in all`);
    const head = ['cell', 'hidden', 'params', ...lengths.map((L) => (f.task.endsWith('digits') ? 'T=64' : `T=${L}`)), 'dL/dh back / at the end (longest T)'];
    const rows = runs.map((run) => {
      const mine = results.filter((r) => r.cell === run.cell && r.init === run.init);
      const longest = mine[mine.length - 1]!;
      return [label(run), String(longest.hiddenSize), longest.parameters.toLocaleString('en-US'), ...mine.map(score), fade(longest)];
    });
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  }
  const series = runs.map((run) => ({
    name: label(run),
    points: results.filter((r) => r.cell === run.cell && r.init === run.init).map((r) => [r.length, r.metric === 'accuracy' ? r.value : r.ratio] as [number, number]),
  }));
  if (lengths.length > 1) {
    await writeChart(join(out, f.task), {
      title: `${f.task}: ${first.metric === 'accuracy' ? 'test accuracy' : `${metric} over guessing's`} against the sequence length`,
      xTitle: f.task === 'copy' ? 'blanks T (sequence T+20)' : 'sequence length T', yTitle: first.metric === 'accuracy' ? 'accuracy' : `${metric} / guessing`, series, yLog: first.metric !== 'accuracy',
    });
  }
  const longestT = lengths[lengths.length - 1]!;
  const withGrads = results.filter((r) => r.length === longestT && r.gradientNorms);
  if (withGrads.length) {
    await writeChart(join(out, `${f.task}-gradients`), {
      title: `${f.task} T=${longestT}, after training: ||dLoss/dh_t|| against the lag`, xTitle: 'steps back from the output (lag)', yTitle: '||dL/dh_t||', yLog: true,
      series: withGrads.map((r) => ({ name: label(r), points: r.gradientNorms!.map((v, t) => [r.gradientNorms!.length - 1 - t, v] as [number, number]) })),
    });
  }
  const files = ['results.json', ...(lengths.length > 1 ? [`${f.task}.svg/.png`] : []), ...(withGrads.length ? [`${f.task}-gradients.svg/.png`] : [])];
  if (!f.json) console.log(`results and plots in ${out}/ (${files.join(', ')})`);
}

/** A tanh RNN whose W_hh has spectral radius R, by plain SGD, without and with clipping. */
async function runExplode(f: MemoryFlags & { lr: number }, T: number, out: string): Promise<void> {
  const runs: MemoryResult[] = [];
  for (const clipNorm of [null, 1]) {
    const r = await runMemoryTask({
      task: 'adding', cell: 'RNN_TANH', length: T, parameters: f.params, steps: f.steps, batch: f.batch, lr: f.lr, seed: f.seed,
      optimizer: 'sgd', spectralRadius: f.explode!, clipNorm, evalEvery: Math.max(1, Math.floor(f.steps / 40)),
    }, {
      onEval: (p, s) => {
        if (!f.json) process.stderr.write(`${clipNorm === null ? 'no clipping' : `clipping at ${clipNorm}`}: step ${s.step}/${s.of}: MSE ${p.value.toPrecision(3)}\n`);
      },
    });
    runs.push(r);
    if (f.json) console.log(JSON.stringify({ event: 'result', clipNorm, ...r, curve: undefined, gradientNorms: undefined }));
  }
  await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify({ task: 'explode', spectralRadius: f.explode, results: runs }, null, 1)}\n`);
  if (!f.json) {
    console.log(`exploding gradients: tanh RNN, W_hh orthogonal x ${f.explode} (spectral radius ${f.explode}), adding T=${T}, SGD lr ${f.lr}, ${f.steps} steps of ${f.batch}`);
    runs.forEach((r, i) => {
      const how = i === 0 ? 'no clipping     ' : 'clipping at 1   ';
      const end = r.divergedAt !== null ? `diverged at step ${r.divergedAt} (a non-finite loss)` : `best MSE ${r.value.toPrecision(3)} (${(r.ratio * 100).toFixed(0)}% of guessing)`;
      console.log(`${how}largest gradient norm ${r.maxGradNorm.toExponential(2)}; ${end}`);
    });
  }
  await writeChart(join(out, 'exploding'), {
    title: `tanh RNN, spectral radius ${f.explode}: validation MSE, with and without clipping`, xTitle: 'step', yTitle: 'validation MSE', yLog: true,
    series: runs.map((r, i) => ({ name: i === 0 ? 'no clipping' : 'clipping at 1', points: r.curve.map((p) => [p.step, p.value] as [number, number]) })),
  });
  if (!f.json) console.log(`results and plot in ${out}/ (results.json, exploding.svg/.png)`);
}

export function registerMemoryCommand(program: Command): void {
  program.command('memory')
    .description('long-range memory benchmarks: tanh RNN, LSTM and GRU at equal parameter counts on the adding, copy and pixel-digit tasks')
    .option('--task <name>', `${MEMORY_TASKS.join(', ')}`, choice('--task', MEMORY_TASKS), 'adding' as MemoryTaskName)
    .option('--lengths <list>', 'sequence lengths T, comma-separated (default adding 100,300,600; copy 100,500; digits: 64; --explode: 100)')
    .option('--cells <list>', 'cells, comma-separated', 'rnn,lstm,gru')
    .option('--inits <list>', `gate inits for LSTM and GRU, comma-separated: ${GATE_INITS.join(', ')}`, 'default,chrono')
    .option('--params <n>', 'parameters per model (the hidden size is chosen to match)', int('--params'), 17000)
    .option('--steps <n>', 'training steps per run', int('--steps'), 3000)
    .option('--batch <n>', 'sequences per step', int('--batch'), 32)
    .option('--lr <x>', 'learning rate (default 0.002; --explode: 0.01)', num('--lr', (n) => n > 0, 'a positive number'))
    .option('--seed <n>', 'random seed', seedOption, 1)
    .option('--digits <file>', 'the 8x8 digits CSV (64 pixels and a label per line, gzipped or not)', SKLEARN_DIGITS_PATH)
    .option('--curriculum', 'adding and copy: train on shorter sequences first (10, 20, 50, ... up to each T), moving on once one is solved')
    .option('--explode <radius>', 'instead: a tanh RNN with W_hh of this spectral radius, by SGD with and without clipping (adding task)', num('--explode', (n) => n > 0, 'a positive number'))
    .option('--out <dir>', 'where results.json and the plots go (default memory-<task>)')
    .option('--force', 'overwrite an existing output folder')
    .option('--json', 'print progress and results as JSON lines')
    .action(action(async (f: MemoryFlags) => {
      if (f.curriculum && (f.explode !== undefined || f.task.endsWith('digits'))) throw new UsageError(`--curriculum grows the length of the adding and copy tasks; it does not apply to ${f.explode !== undefined ? '--explode' : `--task ${f.task}`}`);
      const out = f.out ?? (f.explode !== undefined ? 'memory-explode' : `memory-${f.task}`);
      refuseExisting(out, f.force);
      // Every list is read, and refused, before the folder is made: a bad --lengths leaves nothing to block the retry.
      const plan = f.explode === undefined ? tablePlan(f) : explodeLength(f);
      const digits = f.explode === undefined && f.task.endsWith('digits') ? await readDigits(f.digits) : null;
      await makeFolder(out);
      if (typeof plan === 'number') await runExplode({ ...f, lr: f.lr ?? 0.01 }, plan, out);
      else await runTable({ ...f, lr: f.lr ?? 0.002 }, plan, out, digits);
    }));
}
