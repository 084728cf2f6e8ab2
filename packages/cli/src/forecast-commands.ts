/** `recurrent forecast train`, `recurrent forecast predict`: time-series forecasting from CSV files. */
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type Series, describeFrequency, type JsonValue, type OptimizerName, type Evaluation, type Forecast, Forecaster, FORECAST_DEFAULTS, type ForecastStrategy } from 'recurrent';

const M = FORECAST_DEFAULTS.model;
const T = FORECAST_DEFAULTS.train;
import { writeFileAtomic, loadForecaster, saveForecaster } from 'recurrent/node';
import { bandLayer, writeChart } from './plot/chart.js';
import { UsageError, action, refuseExisting, int, num, parseDuration, seedOption } from './errors.js';
import { epochProgress } from './progress.js';
import { type DataSpec, chooseTime, columnList, readTable, seriesFromTable } from './series-input.js';
import { CELLS, OPTIMIZERS, choice } from './options.js';

interface ForecastTrainFlags {
  timeColumn?: string;
  target: string;
  inputs?: string;
  lookback?: number;
  horizon: number;
  strategy: ForecastStrategy;
  interval: number;
  season?: number;
  split: string;
  cell: string;
  hidden: number;
  layers: number;
  dropout: number;
  epochs: number;
  time?: string;
  patience: number;
  batch: number;
  lr: number;
  optimizer: string;
  clip: number;
  seed: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

function parseSplit(v: string): [number, number, number] {
  const parts = v.split(',').map(Number);
  if (parts.length !== 3 || parts.some((p) => !(p > 0)) || Math.abs(parts[0]! + parts[1]! + parts[2]! - 1) > 1e-6) {
    throw new UsageError(`--split expects three positive fractions adding up to 1 (train,validation,test), got '${v}'`);
  }
  return parts as [number, number, number];
}

const fmt = (x: number): string => (Math.abs(x) >= 1000 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(2) : x.toFixed(3));

/** The evaluation as a text table: the model beside the three baselines. */
export function evaluationTable(e: Evaluation): string {
  const lines = [`test span: steps ${e.span.start}-${e.span.end - 1}, ${e.span.origins} forecast origins; MASE scaled by the seasonal-naive (season ${e.season}) error in training`];
  for (const t of e.targets) {
    lines.push(`${t.column}:`, '  forecast         MAE        RMSE       sMAPE%     MASE');
    for (const [name, a] of [['network', t.model], ['naive', t.naive], ['seasonal naive', t.seasonalNaive], ['ETS', t.ets]] as const) {
      lines.push(`  ${name.padEnd(15)} ${fmt(a.mae).padStart(10)} ${fmt(a.rmse).padStart(10)} ${a.smape.toFixed(2).padStart(10)} ${a.mase.toFixed(3).padStart(8)}`);
    }
    lines.push(`  ETS: Holt-Winters (${t.etsForm}) fitted on the history before the test span, run forward with its coefficients fixed`);
    lines.push(`  ${(e.interval * 100).toFixed(0)}% interval coverage on the test span: ${(t.coverage * 100).toFixed(1)}%`);
  }
  return lines.join('\n');
}

async function forecastPlot(path: string, series: Series, f: Forecast, title: string, from: number, to: number): Promise<void> {
  const x = (k: number): number => series.times[k]!;
  await writeChart(path, {
    title, xTitle: series.isDate ? 'time' : 'step', yTitle: f.targets.map((t) => t.column).join(', '), xTemporal: series.isDate,
    series: f.targets.flatMap((t) => {
      const c = series.columns.indexOf(t.column);
      const actual: Array<[number, number]> = [];
      for (let k = from; k < to; k++) actual.push([x(k), series.values[c]![k]!]);
      return [
        { name: `${t.column} (data)`, points: actual },
        { name: `${t.column} (forecast)`, points: f.times.map((tm, h): [number, number] => [tm, t.median[h]!]) },
      ];
    }),
    layers: f.targets.map((t) => bandLayer(f.times.map((tm, h): [number, number, number] => [tm, t.lower[h]!, t.upper[h]!]), series.isDate)),
  });
}

function forecastCsv(series: Series, f: Forecast): string {
  const time = (t: number): string => (series.isDate ? new Date(t).toISOString().replace(/T00:00:00\.000Z$/, '') : String(t));
  const rows = ['time,column,forecast,lower,upper'];
  for (const t of f.targets) {
    f.times.forEach((tm, h) => rows.push(`${time(tm)},${t.column},${t.median[h]},${t.lower[h]},${t.upper[h]}`));
  }
  return `${rows.join('\n')}\n`;
}

export function registerForecastCommands(program: Command): void {
  const forecast = program.command('forecast').description('forecast time series from CSV files: train a model, then predict past the end');

  forecast
    .command('train')
    .description('train a forecasting network on a CSV file and evaluate it against the naive and seasonal-naive forecasts')
    .argument('<data>', 'CSV file with a header row')
    .requiredOption('--target <cols>', 'column(s) to forecast, comma-separated')
    .option('--inputs <cols>', 'columns the network reads (default: the targets)')
    .option('--time-column <col>', "the time column; or year,month,day columns; 'none': rows are steps (default: the first column if it holds dates)")
    .option('--lookback <n>', 'steps of history per forecast (default: 2 seasons, at least 24)', int('--lookback'))
    .option('--horizon <n>', 'steps to forecast', int('--horizon'), M.horizon)
    .addOption(new Option('--strategy <s>', 'direct: one output per step; recursive: one step, fed back').choices(['direct', 'recursive']).default(M.strategy))
    .option('--interval <p>', 'central prediction interval (quantile regression)', num('--interval', (n) => n > 0 && n < 1, 'a number in (0, 1)'), M.interval)
    .option('--season <n>', 'season length for the seasonal-naive baseline and MASE (default: 12 monthly, 7 daily, 24 hourly)', int('--season'))
    .option('--split <fractions>', 'train,validation,test fractions, in time order', M.split.join(','))
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(Object.keys(CELLS)).default('lstm'))
    .option('--hidden <n>', 'hidden units', int('--hidden'), M.hiddenSize)
    .option('--layers <n>', 'recurrent layers', int('--layers'), M.numLayers)
    .option('--dropout <p>', 'dropout between recurrent layers', num('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), M.dropout)
    .option('--epochs <n>', 'most passes over the training windows', int('--epochs'), T.epochs)
    .option('--time <duration>', 'or stop after this long, e.g. 90s, 5m')
    .option('--patience <n>', 'stop after this many epochs without a better validation loss', int('--patience'), T.patience)
    .option('--batch <n>', 'windows per step', int('--batch'), T.batch)
    .option('--lr <rate>', 'learning rate', num('--lr', (n) => n > 0, 'a positive number'), T.lr)
    .option('--optimizer <name>', `optimiser (${OPTIMIZERS.join(', ')})`, choice('--optimizer', OPTIMIZERS), T.optimizer)
    .option('--clip <norm>', 'global gradient-norm clipping (0: off)', num('--clip', (n) => n >= 0, 'a number >= 0'), T.clip)
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--out <dir>', 'model folder (default runs/<data>-forecast)')
    .option('--force', 'overwrite an existing model folder')
    .option('--json', 'machine-readable progress and results, one JSON object per line')
    .action(action(async (data: string, flags: ForecastTrainFlags) => {
      const targets = columnList(flags.target);
      const inputs = flags.inputs ? columnList(flags.inputs) : targets;
      const split = parseSplit(flags.split);
      const timeLimit = flags.time ? parseDuration(flags.time) : undefined;
      const out = flags.out ?? join('runs', `${basename(data, extname(data))}-forecast`);
      refuseExisting(out, flags.force);
      const table = await readTable(data);
      const columns = [...new Set([...inputs, ...targets])];
      const spec: DataSpec = { time: chooseTime(table, flags.timeColumn, columns) ?? null, columns };
      const series = seriesFromTable(table, spec);
      const filled = Object.entries(series.filled).filter(([, n]) => n > 0).map(([c, n]) => `${c}: ${n}`);
      const info = `${data}: ${series.times.length} steps (${describeFrequency(series.frequency)})` +
        (series.insertedSteps > 0 ? `, ${series.insertedSteps} missing time steps inserted` : '') +
        (filled.length ? `, values filled by interpolation (${filled.join(', ')})` : '');
      const model = Forecaster.create(series, {
        inputs, targets, ...(flags.lookback ? { lookback: flags.lookback } : {}), horizon: flags.horizon, strategy: flags.strategy,
        interval: flags.interval, ...(flags.season ? { season: flags.season } : {}), split,
        cell: CELLS[flags.cell]!, hiddenSize: flags.hidden, numLayers: flags.layers, dropout: flags.dropout,
      }, flags.seed);
      if (flags.json) console.log(JSON.stringify({ event: 'data', steps: series.times.length, frequency: series.frequency, insertedSteps: series.insertedSteps, filled: series.filled }));
      else process.stderr.write(`${info}\n`);
      const progress = epochProgress(!!flags.json);
      let stop = false;
      const onSigint = (): void => {
        if (stop) process.exit(130);
        stop = true;
      };
      process.on('SIGINT', onSigint);
      try {
        await model.train(series, {
          epochs: flags.epochs, ...(timeLimit ? { timeLimit } : {}), patience: flags.patience, batch: flags.batch,
          lr: flags.lr, optimizer: flags.optimizer as OptimizerName, clip: flags.clip,
        }, { onProgress: (p) => progress.update(p), seed: flags.seed, shouldStop: () => stop });
      } finally {
        progress.stop();
        process.off('SIGINT', onSigint);
      }
      const evaluation = model.evaluate(series);
      await saveForecaster(out, model, { data: { path: basename(data), time: spec.time, columns: spec.columns } as unknown as JsonValue });
      await writeFileAtomic(join(out, 'evaluation.json'), `${JSON.stringify(evaluation, null, 1)}\n`);
      await writeChart(join(out, 'loss'), {
        title: `${model.options.cell} forecaster on ${basename(data)}`, xTitle: 'epoch', yTitle: 'pinball loss (scaled)',
        series: [
          { name: 'training', points: model.history.map((h): [number, number] => [h.epoch, h.loss]) },
          { name: 'validation', points: model.history.map((h): [number, number] => [h.epoch, h.valLoss]) },
        ],
      });
      const spans = model.spans(series.times.length);
      const origin = spans.test[0] - 1;
      const H = model.options.horizon;
      await forecastPlot(join(out, 'test'), series, model.forecast(series, origin), `${basename(data)}: forecast from the start of the test span`,
        Math.max(0, origin - 3 * H), Math.min(series.times.length, origin + 1 + H));
      if (flags.json) {
        console.log(JSON.stringify({ event: 'done', out, best: model.best, evaluation }));
      } else {
        console.log(evaluationTable(evaluation));
        console.log(`saved to ${out}/ (config.json, model.safetensors, evaluation.json, loss.svg/png, test.svg/png)`);
      }
    }));

  forecast
    .command('predict')
    .description('forecast past the end of a CSV file with a trained model: CSV out, and a plot')
    .argument('<model>', 'model folder from `recurrent forecast train`')
    .argument('<data>', 'CSV file with the same columns as in training')
    .option('--out <file>', 'forecast CSV (default: <model>/forecast.csv); the plot goes beside it (.svg, .png)')
    .option('--evaluate', 'also evaluate on this file\'s test span, beside the baselines')
    .option('--force', 'overwrite an existing forecast file')
    .action(action(async (dir: string, data: string, flags: { out?: string; evaluate?: boolean; force?: boolean }) => {
      refuseExisting(flags.out ?? join(dir, 'forecast.csv'), flags.force);
      const { forecaster: model, extra } = await loadForecaster(dir);
      const series = seriesFromTable(await readTable(data), extra.data as unknown as DataSpec);
      const f = model.forecast(series);
      const out = flags.out ?? join(dir, 'forecast.csv');
      await writeFileAtomic(out, forecastCsv(series, f));
      const n = series.times.length;
      const H = model.options.horizon;
      await forecastPlot(out.replace(/\.csv$/i, ''), series, f, `${basename(data)}: ${H}-step forecast`, Math.max(0, n - Math.max(4 * H, 48)), n);
      process.stdout.write(forecastCsv(series, f));
      if (flags.evaluate) console.log(evaluationTable(model.evaluate(series)));
      process.stderr.write(`wrote ${out} and ${out.replace(/\.csv$/i, '')}.svg/.png\n`);
    }));
}
