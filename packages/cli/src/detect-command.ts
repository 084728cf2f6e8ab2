/** `recurrent detect`: anomalies in a CSV series, from forecast residuals. */
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type Table, columnIndex, isValueColumn, groupTable, AnomalyDetector, DETECT_DEFAULTS, type DetectionMetrics, detectionMetrics, rollingZScore } from 'recurrent-nn';
import { makeFolder, writeFileAtomic } from 'recurrent-nn/node';
import { pointsLayer, writeChart } from './plot/chart.js';
import { UsageError, action, refuseExisting, int, num, seedOption } from './errors.js';
import { epochProgress } from './progress.js';
import { chooseTime, columnList, readTable, seriesFromTable } from './series-input.js';
import { CELLS } from './options.js';

interface DetectFlags {
  columns?: string;
  timeColumn?: string;
  label?: string;
  group?: string;
  lookback: number;
  hidden: number;
  cell: string;
  k: number;
  smooth: number;
  epochs: number;
  seed: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function metricsLine(name: string, m: DetectionMetrics): string {
  return `  ${name.padEnd(26)} precision ${pct(m.precision).padStart(6)}  recall ${pct(m.recall).padStart(6)}  F1 ${m.f1.toFixed(3)}  (events found ${m.eventsFound}/${m.events})`;
}

function sumMetrics(parts: DetectionMetrics[]): DetectionMetrics {
  const s = parts.reduce((a, m) => ({
    tp: a.tp + m.truePositives, fp: a.fp + m.falsePositives, fn: a.fn + m.falseNegatives, ev: a.ev + m.events, found: a.found + m.eventsFound,
  }), { tp: 0, fp: 0, fn: 0, ev: 0, found: 0 });
  const precision = s.tp + s.fp > 0 ? s.tp / (s.tp + s.fp) : 0;
  const recall = s.tp + s.fn > 0 ? s.tp / (s.tp + s.fn) : 0;
  return {
    precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    truePositives: s.tp, falsePositives: s.fp, falseNegatives: s.fn, events: s.ev, eventsFound: s.found,
  };
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('flag anomalies in a CSV series: a one-step forecaster, scores from its residuals, a threshold from the scores')
    .argument('<data>', 'CSV file with a header row')
    .option('--columns <cols>', 'value columns to watch, comma-separated (default: every column of mostly numbers but the first, time, label and group)')
    .option('--time-column <col>', "the time column; or year,month,day columns; 'none': rows are steps (default: the first column if it holds dates)")
    .option('--label <col>', 'a 0/1 column of known anomalies: report precision, recall and F1 (never used for training)')
    .option('--group <col>', 'a column that names separate series (e.g. a sensor id): one model per series')
    .option('--lookback <n>', 'steps of history per forecast', int('--lookback'), DETECT_DEFAULTS.lookback)
    .option('--hidden <n>', 'hidden units', int('--hidden'), DETECT_DEFAULTS.hiddenSize)
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(Object.keys(CELLS)).default('lstm'))
    .option('--k <z>', 'threshold: median + k * 1.4826 * MAD of the scores', num('--k', (n) => n > 0, 'a positive number'), DETECT_DEFAULTS.k)
    .option('--smooth <n>', 'centred moving maximum over the scores (1: none)', int('--smooth'), DETECT_DEFAULTS.smooth)
    .option('--epochs <n>', `most training epochs per series (early stopping after ${DETECT_DEFAULTS.patience} without improvement)`, int('--epochs'), DETECT_DEFAULTS.epochs)
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--out <dir>', 'output folder (default runs/<data>-anomalies)')
    .option('--force', 'overwrite an existing output folder')
    .option('--json', 'machine-readable results, one JSON object per line')
    .action(action(async (data: string, flags: DetectFlags) => {
      const out = flags.out ?? join('runs', `${basename(data, extname(data))}-anomalies`);
      refuseExisting(out, flags.force);
      const table = await readTable(data);
      if (flags.label) columnIndex(table, flags.label);
      if (flags.group) columnIndex(table, flags.group);
      const reserved = new Set([flags.label, flags.group, ...(flags.timeColumn ? columnList(flags.timeColumn) : [])]);
      // The same rule as forecast: a value column with a cell that is not a number is an error naming the cell, not dropped.
      const columns = flags.columns ? columnList(flags.columns) : table.columns.filter((c, j) => !reserved.has(c) && j > 0 && isValueColumn(table, j));
      if (columns.length === 0) throw new UsageError(`${data}: no numeric value columns found; name them with --columns`);
      const groups: Array<[string, Table]> = flags.group ? [...groupTable(table, flags.group)] : [['all', table]];
      // Every group's series is read (a column that is not there refused) before the folder is made, so a retry is not blocked.
      const prepared = groups.map(([name, g]) => {
        const time = chooseTime(g, flags.timeColumn, columns);
        return { name, g, series: seriesFromTable(g, { time: time ?? null, columns }, flags.label ? [flags.label] : []) };
      });
      await makeFolder(out);
      const flagged: string[] = ['group,step,time,score,threshold' + (flags.label ? ',label' : '')];
      const ours: DetectionMetrics[] = [];
      const base: DetectionMetrics[] = [];
      const summary: object[] = [];
      for (const { name, g, series } of prepared) {
        const detector = AnomalyDetector.create(series, {
          columns, lookback: flags.lookback, hiddenSize: flags.hidden, cell: CELLS[flags.cell]!, k: flags.k, smooth: flags.smooth,
        }, flags.seed);
        if (!flags.json) process.stderr.write(`${g.source}: ${series.times.length} steps, training ...\n`);
        const progress = epochProgress(!!flags.json);
        try {
          await detector.train(series, { epochs: flags.epochs }, { onProgress: (p) => progress.update(p), seed: flags.seed });
        } finally {
          progress.stop();
        }
        const d = detector.detect(series);
        const labels = flags.label ? series.passthrough.get(flags.label)! : null;
        const stamp = (k: number): string => (series.isDate ? new Date(series.times[k]!).toISOString() : String(series.times[k]));
        d.flags.forEach((f, k) => {
          if (f) flagged.push(`${name},${k},${stamp(k)},${d.scores[k]!.toFixed(4)},${d.threshold.toFixed(4)}${labels ? `,${labels[k]}` : ''}`);
        });
        const entry: Record<string, unknown> = { group: name, steps: series.times.length, flagged: d.flags.reduce((a, b) => a + b, 0), threshold: d.threshold };
        if (labels) {
          const m = detectionMetrics(d.flags, labels);
          const b = detectionMetrics(rollingZScore(series, columns, flags.lookback, flags.k, flags.smooth).flags, labels);
          ours.push(m);
          base.push(b);
          Object.assign(entry, { metrics: m, baseline: b });
        }
        summary.push(entry);
        const c0 = series.values[0]!;
        await writeChart(join(out, `anomalies-${name}`.replace(/[^\w.-]+/g, '_')), {
          title: `${g.source}: ${columns[0]} with flagged points`, xTitle: series.isDate ? 'time' : 'step', yTitle: columns[0]!, xTemporal: series.isDate,
          series: [{ name: columns[0]!, points: Array.from(c0, (v, k): [number, number] => [series.times[k]!, v]) }],
          layers: [
            pointsLayer(Array.from(d.flags).flatMap((f, k): Array<[number, number]> => (f ? [[series.times[k]!, c0[k]!]] : [])), series.isDate),
            ...(labels ? [pointsLayer(Array.from(labels).flatMap((f, k): Array<[number, number]> => (f ? [[series.times[k]!, c0[k]!]] : [])), series.isDate, '#54a24b', 'labelled')] : []),
          ],
        });
      }
      await writeFileAtomic(join(out, 'anomalies.csv'), `${flagged.join('\n')}\n`);
      const result = { groups: summary, ...(flags.label ? { metrics: sumMetrics(ours), baseline: sumMetrics(base) } : {}) };
      await writeFileAtomic(join(out, 'detection.json'), `${JSON.stringify(result, null, 1)}\n`);
      if (flags.json) {
        console.log(JSON.stringify({ event: 'done', out, ...result }));
        return;
      }
      console.log(`${flagged.length - 1} points flagged; written to ${out}/anomalies.csv (plots: ${out}/anomalies-*.svg/png)`);
      if (flags.label) {
        console.log(`against the labels in "${flags.label}" (point-wise):`);
        console.log(metricsLine('forecast residuals (ours)', sumMetrics(ours)));
        console.log(metricsLine('rolling z-score baseline', sumMetrics(base)));
      }
    }));
}
