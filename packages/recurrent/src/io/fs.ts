/**
 * Node file-system helpers: every file the library writes goes through this
 * module, so that each write sequence can be made crash-safe in one place (and
 * tested by stopping it after any operation: `setFileOpHook`). Node modules are
 * imported lazily so the rest of the library stays usable in a browser.
 *
 * The guarantees, relied on by every command:
 * - a file is written to a temporary name in its folder, flushed, then renamed
 *   over the target, so a reader sees the old file or the new one, never a part;
 * - a folder (a checkpoint) is written whole beside the old one and swapped in;
 *   if the process dies between the swap's two renames, `recoverFolder` puts the
 *   newest complete copy back on the next read;
 * - temporary files left by a dead process are removed on the next write.
 */
import { FormatError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { type JsonValue, type LoadedModel, type ModelFiles, type ModelWithExtra, checkConfig, modelFromFiles, modelToFiles } from './model-files.js';

/** The kinds of operation that change the file system. */
export type FileOp = 'mkdir' | 'write' | 'rename' | 'remove';

/**
 * Called before every operation that changes the file system; throwing stops
 * the sequence there, as a crash would. Tests use it to stop a training run at
 * every write in turn; `null` removes it.
 */
export type FileOpHook = (op: FileOp, path: string) => void;

let hook: FileOpHook | null = null;
/** The process id written into temporary names (see removeStaleTemporaries). */
let writerPid = typeof process !== 'undefined' ? process.pid : 0;

/**
 * Installs (or with null removes) the hook called before every file operation.
 * `pid` stands in for this process's id in temporary names while the hook is
 * installed, so a test that "crashes" a run and restarts it in one process can
 * leave the leftovers of a process that no longer runs.
 */
export function setFileOpHook(h: FileOpHook | null, options: { pid?: number } = {}): void {
  hook = h;
  writerPid = h && options.pid !== undefined ? options.pid : process.pid;
}

const fsp = (): Promise<typeof import('node:fs/promises')> => import('node:fs/promises');
const pathMod = (): Promise<typeof import('node:path')> => import('node:path');

/** Temporary names carry the writer's pid, so a later run can tell a dead writer's leftovers. */
const TMP_RE = /\.(\d+)\.[0-9a-z]+\.tmp$/;
let tmpCounter = 0;

async function mkdirp(dir: string): Promise<void> {
  hook?.('mkdir', dir);
  await (await fsp()).mkdir(dir, { recursive: true });
}

async function rename(from: string, to: string): Promise<void> {
  hook?.('rename', to);
  await (await fsp()).rename(from, to);
}

async function remove(path: string): Promise<void> {
  hook?.('remove', path);
  await (await fsp()).rm(path, { recursive: true, force: true });
}

const exists = async (path: string): Promise<boolean> => (await fsp()).stat(path).then(() => true, () => false);
const isFile = async (path: string): Promise<boolean> => (await fsp()).stat(path).then((s) => s.isFile(), () => false);

/** Flushes a folder's entries (the renames in it) to disk where the platform allows it. */
async function syncDir(dir: string): Promise<void> {
  const fs = await fsp();
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or flush a folder; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes a file atomically: to a temporary name in the same folder, flushed,
 * then renamed over the target, so a crash leaves the old file or the new one.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = await fsp();
  const { dirname } = await pathMod();
  const tmp = `${path}.${writerPid}.${Date.now().toString(36)}${(tmpCounter++).toString(36)}.tmp`;
  hook?.('write', tmp);
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
  hook?.('rename', path);
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    // e.g. the target is a folder: the temporary file must not stay behind.
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(path));
}

function pidAlive(pid: number): boolean {
  if (pid === writerPid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files in `dir` that a process no longer running left behind. */
export async function removeStaleTemporaries(dir: string): Promise<void> {
  const fs = await fsp();
  const { join } = await pathMod();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TMP_RE.exec(n);
    if (m && !pidAlive(Number(m[1]))) await remove(join(dir, n));
  }
}

/**
 * Writes a folder's files as one step: into `<dir>.tmp/` (the file named last
 * in `files` is written last, so its presence marks the copy complete), then
 * swapped in for `<dir>` through `<dir>.old`. A crash at any point leaves a
 * complete `<dir>`, or a complete `<dir>.tmp` or `<dir>.old` that
 * `recoverFolder` restores.
 */
export async function replaceFolder(dir: string, files: ReadonlyArray<readonly [string, Uint8Array | string]>): Promise<void> {
  const { dirname, join } = await pathMod();
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  await recoverFolder(dir, files[files.length - 1]![0]);
  await remove(tmp);
  await mkdirp(tmp);
  for (const [name, data] of files) await writeFileAtomic(join(tmp, name), data);
  const hadOne = await exists(dir);
  if (hadOne) {
    await remove(old);
    await rename(dir, old);
  }
  await rename(tmp, dir);
  await syncDir(dirname(dir));
  if (hadOne) await remove(old);
}

/**
 * Completes an interrupted `replaceFolder`: where `<dir>` is missing, the
 * complete `<dir>.tmp` (newer) or else `<dir>.old` takes its place; leftovers
 * beside a complete `<dir>` are removed. `marker` is the file written last.
 * Returns true when something was changed.
 */
export async function recoverFolder(dir: string, marker: string): Promise<boolean> {
  const { join } = await pathMod();
  let changed = false;
  if (!(await isFile(join(dir, marker)))) {
    for (const candidate of [`${dir}.tmp`, `${dir}.old`]) {
      if (await isFile(join(candidate, marker))) {
        await remove(dir);
        await rename(candidate, dir);
        changed = true;
        break;
      }
    }
  }
  for (const leftover of [`${dir}.tmp`, `${dir}.old`]) {
    if (await exists(leftover)) {
      await remove(leftover);
      changed = true;
    }
  }
  return changed;
}

/**
 * Where a folder written by `replaceFolder` can be read now without writing
 * anything: `<dir>` if complete, else the complete `<dir>.tmp` or `<dir>.old`
 * that `recoverFolder` would restore; null if there is none.
 */
export async function readableFolder(dir: string, marker: string): Promise<string | null> {
  const { join } = await pathMod();
  for (const d of [dir, `${dir}.tmp`, `${dir}.old`]) if (await isFile(join(d, marker))) return d;
  return null;
}

/** Saves `config.json` and `model.safetensors` into `dir` (created if needed), each atomically. */
export async function saveModel(dir: string, model: Module, extra?: { [key: string]: JsonValue }): Promise<void> {
  // modelToFiles refuses non-finite weights, naming the folder, before anything is written.
  await saveModelFiles(dir, modelToFiles(model, extra, dir));
}

/** Whether `dir` is missing, empty, or a model folder this library wrote (config.json says so). */
async function ownFolder(dir: string): Promise<boolean> {
  const fs = await fsp();
  const { join } = await pathMod();
  const names = await fs.readdir(dir).catch(() => null);
  if (names === null || names.length === 0) return true;
  const config = await fs.readFile(join(dir, 'config.json'), 'utf8').catch(() => '');
  return config.includes('"recurrent-model"');
}

/**
 * Writes a model folder: `extraFiles` (name, bytes), then model.safetensors,
 * then config.json. With `mode: 'replace'` (the default) the folder is written
 * whole beside the old one and swapped in (replaceFolder), so a crash leaves
 * the old model or the new one; a folder that holds other files than a model
 * of ours is never swapped out, only written into. `mode: 'update'` writes the
 * files into the folder one by one, each atomically (the text folder, whose
 * checkpoint/ makes it crash-safe).
 */
export async function saveModelFiles(
  dir: string,
  files: { config: JsonValue | ModelFiles['config']; weights: Uint8Array },
  extraFiles: ReadonlyArray<readonly [string, Uint8Array | string]> = [],
  mode: 'replace' | 'update' = 'replace',
): Promise<void> {
  const { join } = await pathMod();
  const all: Array<readonly [string, Uint8Array | string]> = [
    ...extraFiles, ['model.safetensors', files.weights], ['config.json', `${JSON.stringify(files.config, null, 2)}\n`],
  ];
  // replaceFolder first completes a swap a crash cut (a missing folder counts as ours).
  if (mode === 'replace' && (await ownFolder(dir))) {
    await replaceFolder(dir, all);
    return;
  }
  await mkdirp(dir);
  await removeStaleTemporaries(dir);
  // Weights first: a config never points at weights that are not there yet.
  for (const [name, data] of all) await writeFileAtomic(join(dir, name), data);
}

/** Creates a folder (and its parents) through the file layer. */
export async function makeFolder(dir: string): Promise<void> {
  await mkdirp(dir);
}

/** Reads the network of any model folder (saveModel's, or any task's) and the `extra` saved with it: see modelFromFiles. */
export async function loadModel<M extends Module = LoadedModel>(dir: string): Promise<ModelWithExtra<M>> {
  return modelFromFiles<M>(await readModelFiles(dir), dir);
}

/** A file's bytes, with a FormatError that names the file and the folder it should be in. */
export async function readFolderFile(dir: string, name: string, what = 'a model folder'): Promise<Uint8Array> {
  const fs = await fsp();
  const { join } = await pathMod();
  try {
    return await fs.readFile(join(dir, name));
  } catch (e) {
    throw new FormatError(`${join(dir, name)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is '${dir}' ${what}?`);
  }
}

/** Parses JSON bytes, with a FormatError that names the file. */
export function parseJsonFile(bytes: Uint8Array, source: string): JsonValue {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as JsonValue;
  } catch (e) {
    throw new FormatError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads config.json and model.safetensors with clear errors for missing or
 * corrupt files. Where a crash cut a folder swap, reads the complete copy it left.
 */
export async function readModelFiles(dir: string): Promise<ModelFiles> {
  const { join } = await pathMod();
  dir = (await readableFolder(dir, 'config.json')) ?? dir;
  const config = parseJsonFile(await readFolderFile(dir, 'config.json'), join(dir, 'config.json'));
  return { config: checkConfig(config, join(dir, 'config.json')), weights: new Uint8Array(await readFolderFile(dir, 'model.safetensors')) };
}
