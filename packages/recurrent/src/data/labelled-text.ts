/**
 * Labelled texts for classification: read from CSV, JSON Lines or a JSON
 * array of objects, with named text and label columns; a word vocabulary with
 * a size limit, `<pad>` = 0 and `<unk>` = 1 for words it does not hold.
 * Browser-safe.
 */
import { DataError, FormatError } from '../errors.js';
import { columnIndex, parseTable } from './csv.js';

/** Texts with a class each (`labels[i]` is the index into `classes`). */
export interface LabelledTexts {
  texts: string[];
  /** the label of each text, as written */
  labels: string[];
}

/** Records from CSV, JSONL or a JSON array; empty texts and missing labels are skipped and counted. */
export function parseLabelled(content: string, source: string, textColumn = 'text', labelColumn = 'label'): LabelledTexts & { skipped: number } {
  const body = content.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new DataError(`${source}: empty file (expected labelled texts)`);
  let rows: Array<Record<string, unknown>>;
  if (body.startsWith('[')) {
    try {
      rows = JSON.parse(body) as Array<Record<string, unknown>>;
    } catch (e) {
      throw new DataError(`${source}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(rows)) throw new DataError(`${source}: expected a JSON array of objects`);
  } else if (body.startsWith('{')) {
    rows = body.split(/\r?\n/).filter((l) => l.trim() !== '').map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch (e) {
        throw new DataError(`${source}: line ${i + 1} is not valid JSON (${(e as Error).message})`);
      }
    });
  } else {
    const t = parseTable(body, source);
    const ti = columnIndex(t, textColumn);
    const li = columnIndex(t, labelColumn);
    rows = t.rows.map((r) => ({ [textColumn]: r[ti], [labelColumn]: r[li] }));
  }
  const texts: string[] = [];
  const labels: string[] = [];
  let skipped = 0;
  rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) throw new DataError(`${source}: record ${i + 1} is not an object`);
    if (i === 0 && !(textColumn in r)) throw new DataError(`${source}: no "${textColumn}" field in the records (fields: ${Object.keys(r).join(', ')}); name it with --text-column`);
    if (i === 0 && !(labelColumn in r)) throw new DataError(`${source}: no "${labelColumn}" field in the records (fields: ${Object.keys(r).join(', ')}); name it with --label-column`);
    const text = r[textColumn];
    const label = r[labelColumn];
    if (typeof text !== 'string' || text.trim() === '' || label === null || label === undefined || String(label).trim() === '') {
      skipped++;
      return;
    }
    texts.push(text);
    labels.push(String(label));
  });
  if (texts.length === 0) throw new DataError(`${source}: no record has both a text and a label`);
  return { texts, labels, skipped };
}

/** Lower-case words (letters, digits, apostrophes) and single punctuation marks. */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** The padding token of a `WordVocabulary` (id 0). */
export const PAD = '<pad>';
export const UNK = '<unk>';

/** Words to ids for text classification: `<pad>` 0, `<unk>` 1, then words by frequency (with a minimum count and a size limit). */
export class WordVocabulary {
  private readonly index: Map<string, number>;

  constructor(readonly words: readonly string[]) {
    if (words[0] !== PAD || words[1] !== UNK) throw new FormatError(`a word vocabulary starts with ${PAD} and ${UNK}`);
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** The `maxSize` most frequent words (ties by first appearance) seen at least `minCount` times. */
  static build(texts: readonly string[], maxSize = 20000, minCount = 1): WordVocabulary {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of wordTokens(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const ranked = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1]).slice(0, Math.max(0, maxSize - 2)).map(([w]) => w);
    return new WordVocabulary([PAD, UNK, ...ranked]);
  }

  get size(): number {
    return this.words.length;
  }

  /** Token ids (unknown words -> <unk>); at least one id (an empty text is one <unk>). */
  encode(text: string): number[] {
    const ids = wordTokens(text).map((w) => this.index.get(w) ?? 1);
    return ids.length ? ids : [1];
  }
}
