/**
 * The text model folder on disk (Node):
 *   config.json, model.safetensors, vocab.json   the best model by validation loss
 *   checkpoint/   the whole state at the latest evaluation: copies of the three
 *                 files above (best.safetensors holds the best weights), the
 *                 latest weights (model.safetensors), optimizer.safetensors, and
 *                 state.json, written last
 *   loss.svg, loss.png   written by the CLI
 *
 * A save writes checkpoint/ as one step first (io/fs.ts replaceFolder), then the
 * top-level files, each atomically. So after a crash at any point:
 * - `--resume` reads checkpoint/ alone (recovered from checkpoint.tmp or
 *   checkpoint.old where the swap was cut) and continues bit for bit;
 * - generation reads the top-level files, or, before the first save finished
 *   them, the checkpoint's copies.
 */
import { FormatError } from '../../errors.js';
import {
  makeFolder, parseJsonFile, readFolderFile, readableFolder, recoverFolder, removeStaleTemporaries, replaceFolder, saveModelFiles,
} from '../../io/fs.js';
import type { JsonValue } from '../../io/model-files.js';
import { type HistoryEntry, type ModelFolderFiles, type Progress, TextGenerator, type TrainHooks } from './generator.js';

const json = (v: JsonValue): string => `${JSON.stringify(v, null, 1)}\n`;

/** The checkpoint's files in the order they are written; the last marks a complete copy. */
const CHECKPOINT_MARKER = 'state.json';
const WHAT = "a model folder made by 'recurrent train'";

/** Saves a text model folder: checkpoint/ whole first (when training has state to resume), then the top-level files. */
export async function saveTextModel(dir: string, g: TextGenerator): Promise<void> {
  const { join } = await import('node:path');
  const files = g.toFiles();
  const vocab = json(files.vocab);
  const config = json(files.config);
  if (files.checkpoint) {
    await makeFolder(dir);
    await replaceFolder(join(dir, 'checkpoint'), [
      ['config.json', config], ['vocab.json', vocab], ['best.safetensors', files.weights],
      ['model.safetensors', files.checkpoint.weights], ['optimizer.safetensors', files.checkpoint.optimizer],
      [CHECKPOINT_MARKER, json(files.checkpoint.state)],
    ]);
  }
  await saveModelFiles(dir, { config: files.config, weights: files.weights }, [['vocab.json', vocab]], 'update');
}

/** What a folder holds, without changing it. */
export interface TextFolderState {
  /** config.json, model.safetensors and vocab.json are all there */
  model: boolean;
  /** the checkpoint folder where it can be read now (checkpoint/, or the complete copy a cut swap left), or null */
  checkpoint: string | null;
  /** files other than a model's and what an interrupted save leaves (checkpoint.tmp, *.tmp) */
  other: boolean;
}

/** Whether `dir` holds a model and a checkpoint (a folder with neither can be trained into afresh). */
export async function textFolderState(dir: string): Promise<TextFolderState> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { readdir } = await import('node:fs/promises');
  // What an interrupted first save can leave: the checkpoint's folders and temporary files.
  const leftovers = /^(checkpoint(\.tmp|\.old)?|.*\.tmp|loss\.(svg|png))$/;
  const names = await readdir(dir).catch(() => [] as string[]);
  return {
    model: ['config.json', 'model.safetensors', 'vocab.json'].every((f) => existsSync(join(dir, f))),
    checkpoint: await readableFolder(join(dir, 'checkpoint'), CHECKPOINT_MARKER),
    other: names.some((n) => !leftovers.test(n)),
  };
}

/**
 * Loads a text model folder. Without `resume`: the best model, from the
 * top-level files (or the checkpoint's copies while those are not all there);
 * nothing is written. With `resume`: the latest state from checkpoint/ alone,
 * after completing a swap a crash cut and removing dead writers' temporary files.
 */
export async function loadTextModel(dir: string, options: { resume?: boolean } = {}): Promise<TextGenerator> {
  const { join } = await import('node:path');
  const { existsSync } = await import('node:fs');
  const state = await textFolderState(dir);
  let from = dir;
  if (options.resume) {
    const ckpt = join(dir, 'checkpoint');
    if (state.checkpoint === null) {
      throw new FormatError(`${ckpt}/${CHECKPOINT_MARKER}: cannot read (ENOENT); is '${dir}' ${WHAT}, saved at least once?`);
    }
    await recoverFolder(ckpt, CHECKPOINT_MARKER);
    await removeStaleTemporaries(dir);
    from = ckpt;
  } else if (!state.model && state.checkpoint !== null) {
    from = state.checkpoint;
  }
  // Checkpoints from before they held copies of the model files: the top level has them.
  const copies = from === dir || existsSync(join(from, 'best.safetensors'));
  const base = copies ? from : dir;
  const read = (name: string, where = base): Promise<Uint8Array> => readFolderFile(where, name, WHAT);
  const files: ModelFolderFiles = {
    config: parseJsonFile(await read('config.json'), join(base, 'config.json')),
    weights: new Uint8Array(await read(base === dir ? 'model.safetensors' : 'best.safetensors')),
    vocab: parseJsonFile(await read('vocab.json'), join(base, 'vocab.json')),
    checkpoint: null,
  };
  if (options.resume) {
    files.checkpoint = {
      weights: new Uint8Array(await read('model.safetensors', from)),
      optimizer: new Uint8Array(await read('optimizer.safetensors', from)),
      state: parseJsonFile(await read(CHECKPOINT_MARKER, from), join(from, CHECKPOINT_MARKER)),
    };
  }
  return TextGenerator.fromFiles(files, dir, options);
}

/**
 * Trains `g` on `text`, saving the folder at every validation (`onEval` runs
 * after each save). A resumed run that had already reached its end (a crash
 * during its last save) writes the folder once, completing it.
 */
export async function trainInFolder(
  dir: string,
  g: TextGenerator,
  text: string,
  options: Parameters<TextGenerator['train']>[1],
  hooks: TrainHooks = {},
): Promise<HistoryEntry[]> {
  const startStep = g.step;
  const resumed = g.resumeSettings !== null;
  const history = await g.train(text, options, {
    ...hooks,
    onEval: async (p: Progress, improved: boolean) => {
      await saveTextModel(dir, g);
      await hooks.onEval?.(p, improved);
    },
  });
  if (resumed && g.step === startStep) await saveTextModel(dir, g);
  return history;
}
