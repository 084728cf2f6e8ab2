/**
 * A table -> evenly spaced series. The time column is parsed (ISO dates,
 * year/month/day columns, or plain numbers), its step is found, time steps
 * missing from the file are put back as missing values, and missing values
 * are filled: linearly between the nearest observed values inside the series,
 * with the nearest observed value at either end. Nothing is dropped; what was
 * filled is counted and reported. Browser-safe.
 */
import { checkOptions, DataError, optionKeys } from '../errors.js';
import { type Table, columnIndex, isMissingCell, numericColumn } from './csv.js';

/** The spacing of a series: calendar months, a fixed number of milliseconds, or plain numbers. */
export type Frequency =
  | { unit: 'month'; step: number }
  | { unit: 'ms'; step: number }
  | { unit: 'number'; step: number };

/** Which column holds the time, which columns to read as series (default: every numeric one), and which to pass through. */
export interface SeriesOptions {
  /** the time column; or year, month, day columns (e.g. ['year','month','date_of_month']); omitted: rows are steps */
  time?: string | string[];
  /** numeric columns to keep and fill */
  columns: string[];
  /** columns kept as they are (e.g. labels): 0 where a time step was missing from the file */
  passthrough?: string[];
}

/** A time series table: the time of each row, and the named numeric columns. */
export interface Series {
  source: string;
  columns: string[];
  /** one array per column, on the regular grid, missing values filled */
  values: Float64Array[];
  /** passthrough columns on the same grid */
  passthrough: Map<string, Float64Array>;
  /** the time of each grid point (ms since 1970 UTC for dates; numbers otherwise) */
  times: Float64Array;
  frequency: Frequency;
  /** true for dates */
  isDate: boolean;
  /** per column, how many values were filled (missing cells + inserted steps) */
  filled: Record<string, number>;
  /** time steps absent from the file that were inserted */
  insertedSteps: number;
}

const DAY = 86_400_000;

function parseTimes(table: Table, time: string | string[] | undefined): { times: Float64Array; isDate: boolean } {
  const n = table.rows.length;
  if (time === undefined) return { times: Float64Array.from({ length: n }, (_, i) => i), isDate: false };
  if (Array.isArray(time)) {
    if (time.length !== 3) throw new DataError(`a composite time needs year, month and day columns, got ${time.length}: ${time.join(', ')}`);
    const [y, m, d] = time.map((c) => numericColumn(table, c));
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = Date.UTC(y![i]!, m![i]! - 1, d![i]!);
      if (!Number.isFinite(t)) throw new DataError(`${table.source}: line ${table.lines[i]}: no valid date in columns ${time.join(', ')}`);
      out[i] = t;
    }
    return { times: out, isDate: true };
  }
  const j = columnIndex(table, time);
  const cells = table.rows.map((r) => r[j]!);
  const missing = cells.findIndex(isMissingCell);
  if (missing >= 0) throw new DataError(`${table.source}: line ${table.lines[missing]}, time column "${time}" is empty (every row needs a time)`);
  if (cells.every((c) => Number.isFinite(Number(c)))) return { times: Float64Array.from(cells, Number), isDate: false };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    // Date-only ISO strings are UTC in JavaScript; others are read as written.
    const t = Date.parse(/^\d{4}-\d{2}$/.test(c) ? `${c}-01` : c);
    if (!Number.isFinite(t)) throw new DataError(`${table.source}: line ${table.lines[i]}, time column "${time}": "${c}" is not a date (expected e.g. 2024-03-01 or 2024-03-01T12:00)`);
    out[i] = t;
  }
  return { times: out, isDate: true };
}

const monthIndex = (t: number): number => {
  const d = new Date(t);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};

/** Finds the step: calendar months when every date sits on the same day of its month and steps are 28-31 days. */
function findFrequency(times: Float64Array, isDate: boolean): Frequency {
  let minDiff = Infinity;
  for (let i = 1; i < times.length; i++) minDiff = Math.min(minDiff, times[i]! - times[i - 1]!);
  if (isDate && minDiff >= 28 * DAY && minDiff <= 31 * DAY * 12) {
    const day = new Date(times[0]!).getUTCDate();
    if (Array.from(times).every((t) => new Date(t).getUTCDate() === day)) {
      let step = Infinity;
      for (let i = 1; i < times.length; i++) step = Math.min(step, monthIndex(times[i]!) - monthIndex(times[i - 1]!));
      return { unit: 'month', step };
    }
  }
  return { unit: isDate ? 'ms' : 'number', step: minDiff };
}

/** Grid position of each row (0-based, from the first row's time). */
function gridPositions(table: Table, times: Float64Array, f: Frequency): Int32Array {
  const pos = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const span = f.unit === 'month' ? monthIndex(times[i]!) - monthIndex(times[0]!) : times[i]! - times[0]!;
    const p = span / f.step;
    const rounded = Math.round(p);
    // Daylight-saving shifts move local times by an hour: tolerate 5% of a step.
    if (Math.abs(p - rounded) > 0.05) {
      throw new DataError(`${table.source}: line ${table.lines[i]}: time is not a whole number of steps (${describeFrequency(f)}) after the first row`);
    }
    pos[i] = rounded;
  }
  // Missing steps are put back, but a gap longer than the data itself is a
  // typo in a time (or the wrong column), not missing values to invent.
  const steps = pos[pos.length - 1]! + 1;
  if (steps > 2 * times.length + 100) {
    let worst = 1;
    for (let i = 2; i < pos.length; i++) if (pos[i]! - pos[i - 1]! > pos[worst]! - pos[worst - 1]!) worst = i;
    throw new DataError(`${table.source}: the times span ${steps} steps (${describeFrequency(f)}) but only ${times.length} rows are given; ` +
      `line ${table.lines[worst]} jumps ${pos[worst]! - pos[worst - 1]!} steps after the row before it: check the time column`);
  }
  return pos;
}

/** A frequency in words: "monthly", "every 2 days", "step 1". */
export function describeFrequency(f: Frequency): string {
  if (f.unit === 'month') return f.step === 1 ? 'monthly' : `every ${f.step} months`;
  if (f.unit === 'number') return `step ${f.step}`;
  if (f.step % DAY === 0) return f.step === DAY ? 'daily' : f.step === 7 * DAY ? 'weekly' : `every ${f.step / DAY} days`;
  if (f.step % 3_600_000 === 0) return f.step === 3_600_000 ? 'hourly' : `every ${f.step / 3_600_000} hours`;
  return `every ${f.step / 1000} s`;
}

/** Time of grid point k. */
export function timeAt(series: Pick<Series, 'times' | 'frequency'>, k: number): number {
  const f = series.frequency;
  const t0 = series.times[0]!;
  if (f.unit !== 'month') return t0 + k * f.step;
  const d = new Date(t0);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k * f.step, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
}

/** Fills NaNs in place: linear inside, nearest at the ends. Returns how many were filled. */
export function fillMissing(v: Float64Array, what: string): number {
  let filled = 0;
  let prev = -1;
  for (let i = 0; i <= v.length; i++) {
    if (i < v.length && Number.isNaN(v[i]!)) continue;
    const gapStart = prev + 1;
    if (i > gapStart) {
      if (prev < 0 && i === v.length) throw new DataError(`${what} has no values at all`);
      for (let k = gapStart; k < i; k++) {
        if (prev < 0) v[k] = v[i]!;
        else if (i === v.length) v[k] = v[prev]!;
        else v[k] = v[prev]! + ((v[i]! - v[prev]!) * (k - prev)) / (i - prev);
        filled++;
      }
    }
    prev = i;
  }
  return filled;
}

/** Builds the regular series from a table; see the file comment for the missing-value policy. */
export function toSeries(table: Table, options: SeriesOptions): Series {
  checkOptions('toSeries', options, optionKeys<SeriesOptions>({ time: true, columns: true, passthrough: true }));
  if (options.columns.length === 0) throw new DataError(`${table.source}: no value columns chosen`);
  const { times, isDate } = parseTimes(table, options.time);
  for (let i = 1; i < times.length; i++) {
    if (!(times[i]! > times[i - 1]!)) {
      throw new DataError(`${table.source}: line ${table.lines[i]}: time ${times[i] === times[i - 1] ? 'repeats' : 'goes back'} (rows must be in increasing time order)`);
    }
  }
  const frequency = times.length > 1 ? findFrequency(times, isDate) : { unit: 'number' as const, step: 1 };
  const pos = gridPositions(table, times, frequency);
  const n = pos[pos.length - 1]! + 1;
  const onGrid = (col: Float64Array, fill: number): Float64Array => {
    const out = new Float64Array(n).fill(fill);
    for (let i = 0; i < col.length; i++) out[pos[i]!] = col[i]!;
    return out;
  };
  const filled: Record<string, number> = {};
  const values = options.columns.map((c) => {
    const v = onGrid(numericColumn(table, c), NaN);
    filled[c] = fillMissing(v, `${table.source}: column "${c}"`);
    return v;
  });
  const passthrough = new Map<string, Float64Array>();
  for (const c of options.passthrough ?? []) {
    const v = numericColumn(table, c);
    passthrough.set(c, onGrid(v.map((x) => (Number.isNaN(x) ? 0 : x)), 0));
  }
  const gridTimes = new Float64Array(n);
  const s = { times, frequency };
  for (let k = 0; k < n; k++) gridTimes[k] = timeAt(s, k);
  return { source: table.source, columns: [...options.columns], values, passthrough, times: gridTimes, frequency, isDate, filled, insertedSteps: n - table.rows.length };
}

/** Splits a table into one table per value of a column (e.g. a sensor id), in first-seen order. */
export function groupTable(table: Table, column: string): Map<string, Table> {
  const j = columnIndex(table, column);
  const groups = new Map<string, Table>();
  table.rows.forEach((row, i) => {
    const key = row[j]!;
    let g = groups.get(key);
    if (!g) {
      g = { source: `${table.source} [${column}=${key}]`, columns: table.columns, rows: [], lines: [] };
      groups.set(key, g);
    }
    g.rows.push(row);
    g.lines.push(table.lines[i]!);
  });
  return groups;
}
