/**
 * The hybrid and ETS models of `recurrent forecast train|predict`: many
 * series at once (a CSV file, its rows split by a series column, or a folder
 * of CSV files, one series each), the evaluation table per series, the
 * forecast CSV.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type HybridEvaluation, type NamedSeries, type Series, type SeriesForecast, type Table, groupTable, timeAt } from 'recurrent-nn';
import { UsageError } from './errors.js';
import { type DataSpec, chooseTime, readTable, seriesFromTable } from './series-input.js';

/** How the data of a hybrid model is read (kept in its config.json for predict). */
export interface SeriesSetSpec extends DataSpec {
  /** rows with the same value in this column are one series */
  seriesColumn: string | null;
  /** the data is a folder of CSV files, one series each */
  folder: boolean;
}

/** One series of the set: its name, its rows on the grid, the column forecast. */
export interface SetMember {
  name: string;
  series: Series;
  column: string;
}

export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads the series of a CSV file (split by `seriesColumn`) or of a folder's
 * CSV files; each target column of each is one series, named by the file or
 * the id (and `:column` when there are several targets).
 */
export async function readSeriesSet(path: string, targets: string[], given: { timeColumn?: string; seriesColumn?: string; spec?: SeriesSetSpec }): Promise<{ members: SetMember[]; spec: SeriesSetSpec }> {
  const folder = given.spec?.folder ?? (await isFolder(path));
  const files = folder ? (await readdir(path)).filter((f) => extname(f).toLowerCase() === '.csv').sort() : [path];
  if (files.length === 0) throw new UsageError(`${path}: a folder with no .csv files (expected one CSV file per series)`);
  const tables = await Promise.all(files.map(async (f) => ({ name: folder ? basename(f, extname(f)) : '', table: await readTable(folder ? join(path, f) : f) })));
  const seriesColumn = given.spec?.seriesColumn ?? given.seriesColumn ?? null;
  if (seriesColumn !== null && targets.includes(seriesColumn)) throw new UsageError(`--series-column ${seriesColumn} is also a --target: the series column names the series, its values are not forecast`);
  const first = tables[0]!.table;
  const spec: SeriesSetSpec = given.spec ?? {
    time: chooseTime(seriesColumn !== null ? without(first, seriesColumn) : first, given.timeColumn, targets) ?? null,
    columns: targets, seriesColumn, folder,
  };
  const members: SetMember[] = [];
  for (const { name, table } of tables) {
    const groups = seriesColumn !== null ? groupTable(table, seriesColumn) : new Map([[name, table]]);
    for (const [id, g] of groups) {
      const series = seriesFromTable(g, spec);
      // The file or id names the series; the column too when there are several.
      for (const column of spec.columns) members.push({ name: id === '' ? column : spec.columns.length > 1 ? `${id}:${column}` : id, series, column });
    }
  }
  return { members, spec };
}

/** The table without one column (the series id, so the time column can be found first). */
function without(table: Table, column: string): Table {
  const j = table.columns.indexOf(column);
  if (j < 0) throw new UsageError(`--series-column ${column}: no such column (the columns are ${table.columns.join(', ')})`);
  return { ...table, columns: table.columns.filter((_, i) => i !== j), rows: table.rows.map((r) => r.filter((_, i) => i !== j)) };
}

export const namedSeries = (m: SetMember): NamedSeries => ({ name: m.name, values: m.series.values[m.series.columns.indexOf(m.column)]! });

const fmt = (x: number): string => (Math.abs(x) >= 1000 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(2) : x.toFixed(3));

/** The evaluation as a text table: one series in full, or a MASE row per series and the medians. */
export function hybridEvaluationTable(e: HybridEvaluation, model: string): string {
  const lines = [`test span: the last part of each series, ${e.horizon} steps ahead from every origin in it; MASE scaled by the seasonal-naive (season ${e.season}) error in training`];
  if (e.series.length === 1) {
    const s = e.series[0]!;
    lines.push(`${s.name}: ${s.origins} forecast origins`, '  forecast         MAE        RMSE       sMAPE%     MASE');
    for (const [name, a] of [[model, s.model], ['naive', s.naive], ['seasonal naive', s.seasonalNaive], ['ETS', s.ets]] as const) {
      lines.push(`  ${name.padEnd(15)} ${fmt(a.mae).padStart(10)} ${fmt(a.rmse).padStart(10)} ${a.smape.toFixed(2).padStart(10)} ${a.mase.toFixed(3).padStart(8)}`);
    }
    lines.push(`  ETS: Holt-Winters (${s.etsForm}) fitted on the history before the test span, run forward with its coefficients fixed`);
  } else {
    const w = Math.max(6, ...e.series.map((s) => s.name.length));
    lines.push(`MASE per series (${e.series.length}):`, `  ${'series'.padEnd(w)} ${model.padStart(8)}    naive  s.naive      ETS  coverage`);
    for (const s of e.series) {
      lines.push(`  ${s.name.padEnd(w)} ${[s.model, s.naive, s.seasonalNaive, s.ets].map((a) => a.mase.toFixed(3).padStart(8)).join(' ')}  ${(s.coverage * 100).toFixed(1).padStart(7)}%`);
    }
    const m = e.medianMase;
    lines.push(`  ${'median'.padEnd(w)} ${[m.model, m.naive, m.seasonalNaive, m.ets].map((v) => v.toFixed(3).padStart(8)).join(' ')}`);
    const wins = (pick: (s: HybridEvaluation['series'][number]) => number): number => e.series.filter((s) => s.model.mase < pick(s)).length;
    // The ETS model is the ETS baseline: no line of it beating itself.
    lines.push(`  ${model} beats seasonal naive on ${wins((s) => s.seasonalNaive.mase)} of ${e.series.length}${model === 'hybrid' ? `, ETS on ${wins((s) => s.ets.mase)}` : ''}`);
  }
  lines.push(`  ${(e.interval * 100).toFixed(0)}% interval coverage on the test span${e.series.length > 1 ? 's, all series' : ''}: ${(e.coverage * 100).toFixed(1)}%`);
  return lines.join('\n');
}

/** The forecasts as CSV rows: `series,` first when there are several series. */
export function seriesForecastCsv(items: Array<{ member: SetMember; forecast: SeriesForecast }>): string {
  const many = new Set(items.map((i) => i.member.name)).size > 1;
  const rows = [`${many ? 'series,' : ''}time,column,forecast,lower,upper`];
  for (const { member, forecast: f } of items) {
    const s = member.series;
    const time = (t: number): string => (s.isDate ? new Date(t).toISOString().replace(/T00:00:00\.000Z$/, '') : String(t));
    f.median.forEach((m, h) => {
      const name = /[",\n]/.test(member.name) ? `"${member.name.replaceAll('"', '""')}"` : member.name;
      rows.push(`${many ? `${name},` : ''}${time(timeAt(s, f.origin + 1 + h))},${member.column},${m},${f.lower[h]},${f.upper[h]}`);
    });
  }
  return `${rows.join('\n')}\n`;
}
