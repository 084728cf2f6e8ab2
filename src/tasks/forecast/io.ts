/**
 * The forecasting model folder on disk (Node): config.json (with the scaler,
 * the data's columns and frequency, the training history), model.safetensors
 * (PyTorch names: rnn.*, head.*), evaluation.json; plots written by the CLI.
 * Every file is written atomically, config.json last.
 */
import { FormatError } from '../../errors.js';
import { writeFileAtomic } from '../../io/fs.js';
import type { JsonValue } from '../../io/model-files.js';
import { Forecaster } from './forecaster.js';

const json = (v: JsonValue): string => `${JSON.stringify(v, null, 1)}\n`;

export async function saveForecaster(dir: string, f: Forecaster, extra: { [key: string]: JsonValue } = {}): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const files = f.toFiles(extra);
  await writeFileAtomic(join(dir, 'model.safetensors'), files.weights);
  await writeFileAtomic(join(dir, 'config.json'), json(files.config));
}

/** Reads a folder's file, with a message that says which and why on failure. */
export async function readModelFile(dir: string, name: string, made: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    return new Uint8Array(await fs.readFile(join(dir, name)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(`${join(dir, name)}: cannot read (${code ?? (e as Error).message}); is '${dir}' a model folder made by '${made}'?`);
  }
}

export function parseJsonFile(bytes: Uint8Array, where: string): JsonValue {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
  } catch (e) {
    throw new FormatError(`${where}: not valid JSON: ${(e as Error).message}`);
  }
}

export async function loadForecaster(dir: string): Promise<Forecaster> {
  const made = 'recurrent forecast train';
  const config = parseJsonFile(await readModelFile(dir, 'config.json', made), `${dir}/config.json`);
  return Forecaster.fromFiles({ config, weights: await readModelFile(dir, 'model.safetensors', made) }, dir);
}
