/**
 * Reads the 8x8 digits from disk (Node only): Debian's python3-sklearn puts
 * them at SKLEARN_DIGITS_PATH, gzipped.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { type Digits, parseDigits } from './digits.js';

/** Where Debian's python3-sklearn installs scikit-learn's copy of the digits. */
export const SKLEARN_DIGITS_PATH = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';

/** The digits from a CSV file, gzipped or not (default: scikit-learn's copy). */
export async function readDigits(path: string = SKLEARN_DIGITS_PATH): Promise<Digits> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = path === SKLEARN_DIGITS_PATH ? ' (install Debian\'s python3-sklearn: apt-get install python3-sklearn, or give a CSV of 64 pixels and a label per line)' : '';
    throw new DataError(`cannot read the digits at ${path}: ${code ?? String(e)}${hint}`);
  }
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return parseDigits(text, path);
}
