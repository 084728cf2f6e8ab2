/**
 * The text model folder on disk (Node):
 *   config.json, model.safetensors, vocab.json   the best model by validation loss
 *   checkpoint/  model.safetensors, optimizer.safetensors, state.json   the latest state, for --resume
 *   loss.svg, loss.png   written by the CLI
 * Every file is written atomically; the checkpoint folder is written beside
 * the old one and swapped in, so an interrupted save leaves a whole one.
 */
import { FormatError } from '../../errors.js';
import { writeFileAtomic } from '../../io/fs.js';
import type { JsonValue } from '../../io/model-files.js';
import { type ModelFolderFiles, TextGenerator } from './generator.js';

const json = (v: JsonValue): string => `${JSON.stringify(v, null, 1)}\n`;

export async function saveTextModel(dir: string, g: TextGenerator): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const files = g.toFiles();
  await fs.mkdir(dir, { recursive: true });
  if (files.checkpoint) {
    const tmp = join(dir, `checkpoint.${process.pid}.tmp`);
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp);
    await writeFileAtomic(join(tmp, 'model.safetensors'), files.checkpoint.weights);
    await writeFileAtomic(join(tmp, 'optimizer.safetensors'), files.checkpoint.optimizer);
    await writeFileAtomic(join(tmp, 'state.json'), json(files.checkpoint.state));
    const final = join(dir, 'checkpoint');
    const old = join(dir, `checkpoint.${process.pid}.old`);
    await fs.rm(old, { recursive: true, force: true });
    await fs.rename(final, old).catch(() => undefined);
    await fs.rename(tmp, final);
    await fs.rm(old, { recursive: true, force: true });
  }
  await writeFileAtomic(join(dir, 'vocab.json'), json(files.vocab));
  await writeFileAtomic(join(dir, 'model.safetensors'), files.weights);
  await writeFileAtomic(join(dir, 'config.json'), json(files.config));
}

/** Loads a text model folder; with `resume`, the latest checkpoint too. */
export async function loadTextModel(dir: string, options: { resume?: boolean } = {}): Promise<TextGenerator> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await fs.readFile(join(dir, name));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new FormatError(`${join(dir, name)}: cannot read (${code ?? (e as Error).message}); is '${dir}' a model folder made by 'recurrent train'?`);
    }
  };
  const parse = (bytes: Buffer, name: string): JsonValue => {
    try {
      return JSON.parse(bytes.toString('utf8')) as JsonValue;
    } catch (e) {
      throw new FormatError(`${join(dir, name)}: not valid JSON: ${(e as Error).message}`);
    }
  };
  const files: ModelFolderFiles = {
    config: parse(await read('config.json'), 'config.json'),
    weights: new Uint8Array(await read('model.safetensors')),
    vocab: parse(await read('vocab.json'), 'vocab.json'),
    checkpoint: null,
  };
  if (options.resume) {
    files.checkpoint = {
      weights: new Uint8Array(await read('checkpoint/model.safetensors')),
      optimizer: new Uint8Array(await read('checkpoint/optimizer.safetensors')),
      state: parse(await read('checkpoint/state.json'), 'checkpoint/state.json'),
    };
  }
  return TextGenerator.fromFiles(files, dir, options);
}
