/**
 * Interop on disk (Node): reading a tfjs model.json with its weight shards,
 * an ONNX or a PyTorch safetensors file; every read is checked and a problem
 * is a FormatError that names the file.
 */
import { FormatError } from '../errors.js';
import { type KerasModel, importTfjs } from './keras.js';

/** A file's bytes, or a FormatError naming the file (and what it should be) if it cannot be read. */
async function readBytes(path: string, what: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(`${path}: cannot read ${what} (${code ?? (e as Error).message})`);
  }
}

/** A tfjs Layers model from its model.json path; shards are read from beside it, in manifest order. */
export async function loadTfjsModel(modelJsonPath: string): Promise<KerasModel> {
  const { dirname, join, resolve, sep } = await import('node:path');
  const text = new TextDecoder().decode(await readBytes(modelJsonPath, 'the model.json'));
  let json: { weightsManifest?: Array<{ paths?: string[] }> };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (e) {
    throw new FormatError(`${modelJsonPath}: not valid JSON (${(e as Error).message})`);
  }
  const dir = resolve(dirname(modelJsonPath));
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths ?? []) {
      const full = resolve(join(dir, p));
      if (!full.startsWith(dir + sep)) throw new FormatError(`${modelJsonPath}: weight shard path '${p}' leaves the model's folder`);
      parts.push(await readBytes(full, 'a weight shard'));
    }
  }
  const total = parts.reduce((a, b) => a + b.length, 0);
  const all = new Uint8Array(total);
  parts.reduce((o, b) => (all.set(b, o), o + b.length), 0);
  return importTfjs(json, all, modelJsonPath);
}

export { readBytes };
