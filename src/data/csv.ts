/**
 * CSV (and TSV) text -> a table of strings with its header, checked: every
 * row has as many cells as the header, and errors name the line. Parsing is
 * csv-parse's (quotes, escapes, CRLF); browser-safe.
 */
// The browser build bundles the Buffer it needs; the same code runs in Node.
import { parse } from 'csv-parse/browser/esm/sync';
import { DataError } from '../errors.js';

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
 * A column as numbers, missing cells as NaN; a cell that is neither a number
 * nor a missing marker is an error naming its line and column.
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
    out[i] = v;
  }
  return out;
}
