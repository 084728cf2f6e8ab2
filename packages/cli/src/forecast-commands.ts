/** `recurrent forecast train`, `recurrent forecast predict`: time-series forecasting from CSV files. */
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import {
  type Series, describeFrequency, type JsonValue, type OptimizerName, type Evaluation, type Forecast, Forecaster, FORECAST_DEFAULTS, type ForecastStrategy,
  HybridForecaster, HYBRID_DEFAULTS, defaultSeason, timeAt,
} from 'recurrent-nn';

const M = FORECAST_DEFAULTS.model;
const T = FORECAST_DEFAULTS.train;
import { writeFileAtomic, loadForecastModel, saveForecaster } from 'recurrent-nn/node';
import { type LineChart, bandLayer, chartFiles, writeChart } from './plot/chart.js';
import { UsageError, action, durationOption, refuseExisting, int, num, parseDuration, seedOption } from './errors.js';
import { epochProgress } from './progress.js';
import { type DataSpec, chooseTime, columnList, readTable, seriesFromTable } from './series-input.js';
import { CELLS, OPTIMIZERS, choice } from './options.js';
import { type SeriesSetSpec, type SetMember, hybridEvaluationTable, isFolder, namedSeries, readSeriesSet, seriesForecastCsv } from './forecast-hybrid.js';

/** `--model`: the network alone, the hybrid of smoothing and networks, or the smoothing alone. */
const MODELS = ['hybrid', 'network', 'ets'] as const;
type ModelKind = (typeof MODELS)[number];

interface ForecastTrainFlags {
  model: ModelKind;
  seriesColumn?: string;
  seeds: number;
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
  hidden?: number;
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

/** The data from step `from` to `to` beside a forecast and its interval. */
function forecastChart(series: Series, f: Forecast, title: string, from: number, to: number): LineChart {
  const x = (k: number): number => series.times[k]!;
  return {
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
  };
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
    .description('train a forecasting model on CSV data and evaluate it against the naive, seasonal-naive and exponential-smoothing forecasts')
    .argument('<data>', 'CSV file with a header row; or (hybrid, ets) a folder of CSV files, one series each')
    .requiredOption('--target <cols>', 'column(s) to forecast, comma-separated')
    .addOption(new Option('--model <m>', 'hybrid: Holt-Winters per series with a global network forecasting its departures (ES-RNN); network: the network alone (reads --inputs); ets: Holt-Winters alone').choices([...MODELS]).default('hybrid'))
    .option('--series-column <col>', '(hybrid, ets) rows with the same value in this column are one series; one global model over all')
    .option('--seeds <n>', '(hybrid) networks in the ensemble', int('--seeds'), HYBRID_DEFAULTS.model.seeds)
    .option('--inputs <cols>', 'columns the network reads (default: the targets)')
    .option('--time-column <col>', "the time column; or year,month,day columns; 'none': rows are steps (default: the first column if it holds dates)")
    .option('--lookback <n>', 'steps of history per forecast (default: 2 seasons, at least 24; hybrid at least 12)', int('--lookback'))
    .option('--horizon <n>', 'steps to forecast', int('--horizon'), M.horizon)
    .addOption(new Option('--strategy <s>', 'direct: one output per step; recursive: one step, fed back').choices(['direct', 'recursive']).default(M.strategy))
    .option('--interval <p>', 'central prediction interval (quantile regression)', num('--interval', (n) => n > 0 && n < 1, 'a number in (0, 1)'), M.interval)
    .option('--season <n>', 'season length for the seasonal-naive baseline and MASE (default: 12 monthly, 7 daily, 24 hourly)', int('--season'))
    .option('--split <fractions>', 'train,validation,test fractions, in time order', M.split.join(','))
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(Object.keys(CELLS)).default('lstm'))
    .option('--hidden <n>', `hidden units (default ${M.hiddenSize}; the hybrid's networks ${HYBRID_DEFAULTS.model.hiddenSize})`, int('--hidden'))
    .option('--layers <n>', 'recurrent layers', int('--layers'), M.numLayers)
    .option('--dropout <p>', 'dropout between recurrent layers', num('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), M.dropout)
    .option('--epochs <n>', 'most passes over the training windows', int('--epochs'), T.epochs)
    .option('--time <duration>', 'or stop after this long, e.g. 90s, 5m', durationOption)
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
      if (flags.model !== 'network') {
        if (inputs.join('\u0000') !== targets.join('\u0000')) throw new UsageError(`--inputs: the ${flags.model} model reads only the series it forecasts; --model network reads other columns`);
        if (flags.strategy !== 'direct') throw new UsageError(`--strategy ${flags.strategy}: the ${flags.model} model forecasts every step at once (direct); --model network has the recursive strategy`);
        refuseExisting(out, flags.force);
        await trainHybrid(data, flags, targets, split, out, timeLimit);
        return;
      }
      if (flags.seriesColumn !== undefined) throw new UsageError('--series-column needs --model hybrid or ets (the network model forecasts one series, with the other columns as inputs)');
      if (await isFolder(data)) throw new UsageError(`${data} is a folder: a folder of series needs --model hybrid or ets (the network model reads one CSV file)`);
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
        cell: CELLS[flags.cell]!, hiddenSize: flags.hidden ?? M.hiddenSize, numLayers: flags.layers, dropout: flags.dropout,
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
      const spans = model.spans(series.times.length);
      const origin = spans.test[0] - 1;
      const H = model.options.horizon;
      // The evaluation and the plots go into the folder with the model, in one swap: a kill leaves the old folder or the whole new one.
      await saveForecaster(out, model, { data: { path: basename(data), time: spec.time, columns: spec.columns } as unknown as JsonValue }, [
        ['evaluation.json', `${JSON.stringify(evaluation, null, 1)}\n`],
        ...await chartFiles('loss', {
          title: `${model.options.cell} forecaster on ${basename(data)}`, xTitle: 'epoch', yTitle: 'pinball loss (scaled)',
          series: [
            { name: 'training', points: model.history.map((h): [number, number] => [h.epoch, h.loss]) },
            { name: 'validation', points: model.history.map((h): [number, number] => [h.epoch, h.valLoss]) },
          ],
        }),
        ...await chartFiles('test', forecastChart(series, model.forecast(series, origin), `${basename(data)}: forecast from the start of the test span`,
          Math.max(0, origin - 3 * H), Math.min(series.times.length, origin + 1 + H))),
      ]);
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
      refuseExisting(flags.out ?? join(dir, 'forecast.csv'), flags.force, 'file');
      const { forecaster: model, extra } = await loadForecastModel(dir);
      const out = flags.out ?? join(dir, 'forecast.csv');
      const H = model.options.horizon;
      if (model instanceof HybridForecaster) {
        const spec = extra.data as unknown as SeriesSetSpec;
        const { members } = await readSeriesSet(data, spec.columns, { spec: { ...spec, folder: await isFolder(data) } });
        const items = members.map((member) => ({ member, forecast: model.forecast(namedSeries(member)) }));
        const csv = seriesForecastCsv(items);
        await writeFileAtomic(out, csv);
        await writeChart(out.replace(/\.csv$/i, ''), hybridChart(items[0]!.member, items[0]!.forecast, `${items[0]!.member.name}: ${H}-step forecast`));
        process.stdout.write(csv);
        if (flags.evaluate) console.log(hybridEvaluationTable(model.evaluate(members.map(namedSeries)), modelName(model)));
      } else {
        const series = seriesFromTable(await readTable(data), extra.data as unknown as DataSpec);
        const f = model.forecast(series);
        await writeFileAtomic(out, forecastCsv(series, f));
        const n = series.times.length;
        await writeChart(out.replace(/\.csv$/i, ''), forecastChart(series, f, `${basename(data)}: ${H}-step forecast`, Math.max(0, n - Math.max(4 * H, 48)), n));
        process.stdout.write(forecastCsv(series, f));
        if (flags.evaluate) console.log(evaluationTable(model.evaluate(series)));
      }
      process.stderr.write(`wrote ${out} and ${out.replace(/\.csv$/i, '')}.svg/.png\n`);
    }));
}

const modelName = (h: HybridForecaster): string => (h.model.networks.items.length > 0 ? 'hybrid' : 'ETS alone');

/** A series' recent history and a forecast from origin `f.origin`, with its interval. */
function hybridChart(member: SetMember, f: { origin: number; median: number[]; lower: number[]; upper: number[] }, title: string): LineChart {
  const s = member.series;
  const H = f.median.length;
  const times = f.median.map((_, h) => timeAt(s, f.origin + 1 + h));
  const forecast: Forecast = { times, targets: [{ column: member.column, median: f.median, lower: f.lower, upper: f.upper }] };
  return forecastChart(s, forecast, title, Math.max(0, f.origin + 1 - Math.max(4 * H, 48)), Math.min(s.times.length, f.origin + 1 + H));
}

/** `forecast train --model hybrid|ets`: one model over every series of the data. */
async function trainHybrid(data: string, flags: ForecastTrainFlags, targets: string[], split: [number, number, number], out: string, timeLimit: number | undefined): Promise<void> {
  const { members, spec } = await readSeriesSet(data, targets, { ...(flags.timeColumn ? { timeColumn: flags.timeColumn } : {}), ...(flags.seriesColumn ? { seriesColumn: flags.seriesColumn } : {}) });
  const first = members[0]!.series;
  const other = members.find((m) => describeFrequency(m.series.frequency) !== describeFrequency(first.frequency));
  if (other) throw new UsageError(`${other.name} is ${describeFrequency(other.series.frequency)}, ${members[0]!.name} is ${describeFrequency(first.frequency)}: one model needs series of one frequency`);
  const season = flags.season ?? defaultSeason(first.frequency, first.isDate);
  const lengths = members.map((m) => m.series.times.length);
  const info = `${data}: ${members.length === 1 ? members[0]!.name : `${members.length} series`}, ${Math.min(...lengths)}${Math.max(...lengths) > Math.min(...lengths) ? `-${Math.max(...lengths)}` : ''} steps (${describeFrequency(first.frequency)}), season ${season}`;
  const named = members.map(namedSeries);
  const model = HybridForecaster.create(named, {
    horizon: flags.horizon, season, ...(flags.lookback ? { lookback: flags.lookback } : {}), interval: flags.interval, split,
    cell: CELLS[flags.cell]!, hiddenSize: flags.hidden ?? HYBRID_DEFAULTS.model.hiddenSize, numLayers: flags.layers, dropout: flags.dropout,
    seeds: flags.model === 'ets' ? 0 : flags.seeds,
  }, flags.seed);
  if (flags.json) console.log(JSON.stringify({ event: 'data', series: members.length, steps: lengths, frequency: first.frequency, season }));
  else process.stderr.write(`${info}\n`);
  const progress = epochProgress(!!flags.json);
  let stop = false;
  const deadline = timeLimit !== undefined ? performance.now() + timeLimit * 1000 : Infinity;
  const onSigint = (): void => {
    if (stop) process.exit(130);
    stop = true;
  };
  process.on('SIGINT', onSigint);
  try {
    await model.train(named, {
      epochs: flags.epochs, patience: flags.patience, batch: flags.batch, lr: flags.lr, optimizer: flags.optimizer as OptimizerName, clip: flags.clip,
    }, { onProgress: (p) => progress.update(p), seed: flags.seed, shouldStop: () => stop || performance.now() > deadline });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  const evaluation = model.evaluate(named);
  const m = members[0]!;
  const origin = Math.floor(m.series.times.length * (split[0] + split[1])) - 1;
  await saveForecaster(out, model, { data: { path: basename(data), ...spec } as unknown as JsonValue }, [
    ['evaluation.json', `${JSON.stringify(evaluation, null, 1)}\n`],
    ...await chartFiles('test', hybridChart(m, model.forecast(named[0]!, origin), `${m.name}: forecast from the start of the test span`)),
  ]);
  if (flags.json) {
    console.log(JSON.stringify({ event: 'done', out, history: model.history, evaluation }));
  } else {
    console.log(hybridEvaluationTable(evaluation, modelName(model)));
    console.log(`saved to ${out}/ (config.json, model.safetensors, evaluation.json, test.svg/png${members.length > 1 ? ` for ${m.name}` : ''})`);
  }
}
