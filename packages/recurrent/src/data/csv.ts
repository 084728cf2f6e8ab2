/**
 * CSV (and TSV) text -> a table of strings with its header, checked: every
 * row has as many cells as the header, and errors name the line. Parsing is
 * csv-parse's (quotes, escapes, CRLF); browser-safe.
 */
// The browser build bundles the Buffer it needs; the same code runs in Node.
import { parse } from 'csv-parse/browser/esm/sync';
import { DataError } from '../errors.js';

/** A parsed CSV file: its header and rows of cells, with the source name for messages. */
export interface Table {
  /** where the table came from, for messages */
  source: string;
  columns: string[];
  /** rows of cells, header excluded */
  rows: string[][];
  /** the 1-based line in the source of each row, for messages */
  lines: number[];
}

/** Parses CSV text with a header row. The delimiter is ',' unless the header has tabs or semicolons and no commas. */
export function parseTable(text: string, source = 'data'): Table {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new DataError(`${source}: empty file (expected a header row and data rows)`);
  const header = body.slice(0, body.search(/\r?\n|$/));
  const delimiter = header.includes(',') ? ',' : header.includes('\t') ? '\t' : header.includes(';') ? ';' : ',';
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(body, { delimiter, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (e) {
    throw new DataError(`${source}: not valid CSV: ${(e as Error).message}`);
  }
  const head = records[0];
  if (!head) throw new DataError(`${source}: no header row`);
  const columns = head.record;
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') throw new DataError(`${source}: the header has an empty column name (line 1)`);
    if (seen.has(c)) throw new DataError(`${source}: the header names column "${c}" twice`);
    seen.add(c);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length !== columns.length) {
      throw new DataError(`${source}: line ${info.lines} has ${record.length} cells, expected ${columns.length} (the header's ${columns.length} columns)`);
    }
    rows.push(record);
    lines.push(info.lines);
  }
  if (rows.length === 0) throw new DataError(`${source}: the header has no data rows under it`);
  return { source, columns, rows, lines };
}

/** The index of a named column, or a DataError listing the columns there are. */
export function columnIndex(table: Table, name: string): number {
  const i = table.columns.indexOf(name);
  if (i < 0) throw new DataError(`${table.source}: no column "${name}" (the columns are: ${table.columns.map((c) => `"${c}"`).join(', ')})`);
  return i;
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none', '?', '-']);

/** True for the cells read as missing values: empty, NA, NaN, null, none, ?, -. */
export function isMissingCell(cell: string): boolean {
  return MISSING.has(cell.toLowerCase());
}

/**
 * Largest magnitude a value may have: the scalings square differences of
 * values in float64, which overflows past ~1e154; 1e150 leaves room for sums.
 */
export const MAX_VALUE = 1e150;

/** Whether a cell reads as a number (missing markers do not). */
export function isNumberCell(cell: string): boolean {
  return !isMissingCell(cell) && Number.isFinite(Number(cell));
}

/**
 * Whether a column holds values: most of its non-missing cells are numbers.
 * Such a column with a cell that is not a number is then an error (in
 * `numericColumn`), never silently dropped.
 */
export function isValueColumn(table: Table, j: number): boolean {
  let numbers = 0;
  let present = 0;
  for (const r of table.rows) {
    if (isMissingCell(r[j]!)) continue;
    present++;
    if (isNumberCell(r[j]!)) numbers++;
  }
  return present > 0 && numbers * 2 > present;
}

/**
 * A column as numbers, missing cells as NaN; a cell that is neither a number
 * nor a missing marker, or beyond ±MAX_VALUE, is an error naming its line and column.
 */
export function numericColumn(table: Table, name: string): Float64Array {
  const j = columnIndex(table, name);
  const out = new Float64Array(table.rows.length);
  for (let i = 0; i < table.rows.length; i++) {
    const cell = table.rows[i]![j]!;
    if (isMissingCell(cell)) {
      out[i] = NaN;
      continue;
    }
    const v = Number(cell);
    if (!Number.isFinite(v)) {
      throw new DataError(`${table.source}: line ${table.lines[i]}, column "${name}": "${cell}" is not a number (missing values are empty cells or NA)`);
    }
    if (Math.abs(v) > MAX_VALUE) {
      throw new DataError(`${table.source}: line ${table.lines[i]}, column "${name}": ${cell} is too large to scale (values must lie within ±${MAX_VALUE}; rescale the column)`);
    }
    out[i] = v;
  }
  return out;
}
