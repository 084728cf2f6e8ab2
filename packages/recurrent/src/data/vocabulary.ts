/**
 * Tokenizers and vocabularies for text: characters (Unicode code points) or
 * words (with punctuation and line breaks as tokens of their own).
 */
import { ConfigError, FormatError } from '../errors.js';

/** Characters or words (words keep spaces and punctuation as tokens of their own). */
export type TokenizerKind = 'char' | 'word';

/** The out-of-vocabulary token of word vocabularies. */
export const UNK = '<unk>';

const WORD_PATTERN = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|\n|[^\s\p{L}\p{N}]/gu;

/** Splits text into tokens: code points, or words / punctuation / newlines. */
export function tokenize(text: string, kind: TokenizerKind): string[] {
  if (kind === 'char') return Array.from(text);
  if (kind === 'word') return text.match(WORD_PATTERN) ?? [];
  throw new ConfigError(`tokenizer must be 'char' or 'word', got '${String(kind)}'`);
}

/** Joins word tokens back into text: spaces between words, none before punctuation or around newlines. */
export function detokenize(tokens: readonly string[], kind: TokenizerKind): string {
  if (kind === 'char') return tokens.join('');
  let out = '';
  for (const t of tokens) {
    const glue = out === '' || out.endsWith('\n') || t === '\n' || /^[.,;:!?)\]}'’"]$/.test(t) || /[([{"]$/.test(out) ? '' : ' ';
    out += glue + t;
  }
  return out;
}

/** Tokens to ids for a language model: built from a text by `Vocabulary.build`, encoded and decoded, saved as JSON. */
export class Vocabulary {
  private readonly index: Map<string, number>;

  constructor(
    readonly kind: TokenizerKind,
    readonly tokens: readonly string[],
    source = 'Vocabulary',
  ) {
    if (tokens.length === 0) throw new ConfigError(`${source}: no tokens`);
    this.index = new Map(tokens.map((t, i) => [t, i]));
    if (this.index.size !== tokens.length) {
      const seen = new Set<string>();
      const i = tokens.findIndex((t) => seen.size === seen.add(t).size);
      throw new FormatError(`${source}: duplicate token ${JSON.stringify(tokens[i])} at index ${i} (first at ${tokens.indexOf(tokens[i]!)})`);
    }
  }

  /**
   * Builds a vocabulary from text: every character, or the `maxSize` most
   * frequent words (ties by first appearance) plus `<unk>`.
   */
  static fromText(text: string, kind: TokenizerKind, maxSize = 20000): Vocabulary {
    const tokens = tokenize(text, kind);
    if (tokens.length === 0) throw new FormatError('the text has no tokens to build a vocabulary from');
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    if (kind === 'char') return new Vocabulary(kind, [...counts.keys()].sort());
    const words = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, Math.max(1, maxSize - 1)).map(([w]) => w);
    return new Vocabulary(kind, [UNK, ...words.filter((w) => w !== UNK)]);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Whether the token is in the vocabulary. */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** The token's id, or undefined for a token not in the vocabulary. */
  id(token: string): number | undefined {
    return this.index.get(token);
  }

  /**
   * Token ids of a text. Word vocabularies map unknown words to `<unk>`;
   * character vocabularies drop unknown characters and report them in `unknown`.
   */
  encode(text: string): { ids: Int32Array; unknown: string[] } {
    const unk = this.index.get(UNK);
    // No text has more tokens than UTF-16 units.
    const ids = new Int32Array(text.length);
    let n = 0;
    const unknown = new Set<string>();
    const add = (t: string): void => {
      const id = this.index.get(t);
      if (id !== undefined) ids[n++] = id;
      else {
        unknown.add(t);
        if (unk !== undefined) ids[n++] = unk;
      }
    };
    // One token at a time, as `tokenize` splits them: a long prime (megabytes) never becomes an array of strings.
    if (this.kind === 'char') for (const t of text) add(t);
    else for (const m of text.matchAll(WORD_PATTERN)) add(m[0]);
    return { ids: ids.slice(0, n), unknown: [...unknown] };
  }

  /** The text of a sequence of ids. */
  decode(ids: ArrayLike<number>): string {
    return detokenize(Array.from(ids, (i) => this.tokens[i] ?? ''), this.kind);
  }

  /** The vocabulary as JSON (what vocab.json holds). */
  toJSON(): { kind: TokenizerKind; tokens: string[] } {
    return { kind: this.kind, tokens: [...this.tokens] };
  }

  /** Reads what `toJSON` wrote; a FormatError names `source` if it is not a vocabulary. */
  static fromJSON(value: unknown, source = 'vocabulary'): Vocabulary {
    const v = value as { kind?: unknown; tokens?: unknown };
    if ((v?.kind !== 'char' && v?.kind !== 'word') || !Array.isArray(v.tokens) || v.tokens.some((t) => typeof t !== 'string')) {
      throw new FormatError(`${source}: expected {"kind": "char"|"word", "tokens": [strings]}`);
    }
    return new Vocabulary(v.kind, v.tokens as string[], source);
  }
}
