/**
 * Reading a CSV file into series for the forecasting and detection commands:
 * which column is time, which are values; every problem is one clear line.
 */
import { type Table, parseTable, type Series, toSeries } from 'recurrent-nn';
import { readTextFile } from './input.js';

export async function readTable(path: string): Promise<Table> {
  return parseTable(await readTextFile(path, 'a UTF-8 CSV file'), path);
}

/** "a,b , c" -> ['a', 'b', 'c'] */
export function columnList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The time column: as given (one name, or year,month,day names); else the
 * first column when it holds dates and is not a value column; else none
 * (rows are steps).
 */
export function chooseTime(table: Table, given: string | undefined, valueColumns: string[]): string | string[] | undefined {
  if (given === 'none') return undefined;
  if (given !== undefined) {
    const cols = columnList(given);
    return cols.length === 1 ? cols[0] : cols;
  }
  const first = table.columns[0]!;
  const cell = table.rows[0]![0]!;
  if (!valueColumns.includes(first) && Number.isNaN(Number(cell)) && Number.isFinite(Date.parse(cell))) return first;
  return undefined;
}

export interface DataSpec {
  time: string | string[] | null;
  columns: string[];
}

export function seriesFromTable(table: Table, spec: DataSpec, passthrough: string[] = []): Series {
  return toSeries(table, { ...(spec.time !== null ? { time: spec.time } : {}), columns: spec.columns, passthrough });
}
