/**
 * Node file-system helpers. Node modules are imported lazily so the rest of
 * the library (and the public entry) stays usable in a browser.
 */
import { FormatError } from '../errors.js';
import { type JsonValue, type ModelFiles, type SavableModel, checkConfig, modelFromFiles, modelToFiles } from './model-files.js';

/**
 * Writes a file atomically: to a temporary name in the same folder, flushed,
 * then renamed over the target, so a crash leaves the old file or the new one.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = await import('node:fs/promises');
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await fs.rename(tmp, path);
}

/** Saves `config.json` and `model.safetensors` into `dir` (created if needed), each atomically. */
export async function saveModel(dir: string, model: SavableModel, extra?: { [key: string]: JsonValue }): Promise<void> {
  await saveModelFiles(dir, modelToFiles(model, extra));
}

/** Writes a model folder's two files (created if needed), each atomically. */
export async function saveModelFiles(dir: string, files: { config: JsonValue | ModelFiles['config']; weights: Uint8Array }): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  // Weights first: a config never points at weights that are not there yet.
  await writeFileAtomic(join(dir, 'model.safetensors'), files.weights);
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(files.config, null, 2)}\n`);
}

/** Reads a model folder written by saveModel. */
export async function loadModel(dir: string): Promise<SavableModel> {
  return modelFromFiles(await readModelFiles(dir), dir);
}

/** Reads config.json and model.safetensors with clear errors for missing or corrupt files. */
export async function readModelFiles(dir: string): Promise<ModelFiles> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await fs.readFile(join(dir, name));
    } catch (e) {
      throw new FormatError(`${join(dir, name)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is '${dir}' a model folder?`);
    }
  };
  let config: unknown;
  try {
    config = JSON.parse((await read('config.json')).toString('utf8'));
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${join(dir, 'config.json')}: not valid JSON: ${(e as Error).message}`);
  }
  return { config: checkConfig(config, join(dir, 'config.json')), weights: new Uint8Array(await read('model.safetensors')) };
}
