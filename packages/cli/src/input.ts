/**
 * Reading training text: files, folders (their text files, sorted), or stdin.
 * Every problem is one clear UsageError, raised before anything is written.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from './errors.js';

export interface TextSource {
  name: string;
  text: string;
}

/** A file's bytes; a missing file, a folder or an unreadable file is one clear UsageError. */
export async function readInputFile(path: string, expected = 'a file'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path} is a folder, expected ${expected}` : `${path}: cannot read (${code})`);
  }
}

/** Text files in a folder: by extension, or any file that decodes as text. */
const TEXT_EXT = /\.(txt|md|text|csv|tsv|json|jsonl|html?|xml|js|ts|py|c|h|tex|rst|org)$/i;

/**
 * Bytes as UTF-8 text, refusing what is not: NUL bytes (binary, or UTF-16,
 * which would otherwise train on NULs), invalid UTF-8, nothing but whitespace.
 */
export function decodeText(bytes: Buffer, path: string, expected = 'a UTF-8 text file'): string {
  if (bytes.length === 0) throw new UsageError(`${path === 'standard input' ? 'standard input is empty' : `${path}: empty file`} (expected ${expected})`);
  const sample = bytes.subarray(0, 8192);
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) throw new UsageError(`${path} is UTF-16 text: give ${expected} (iconv -f UTF-16 -t UTF-8 converts it)`);
  if (sample.includes(0)) throw new UsageError(`${path} looks binary (it has NUL bytes): give ${expected}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${path} is not valid UTF-8 text: give ${expected}`);
  }
  if (text.trim().length === 0) throw new UsageError(`${path} has only whitespace: there is no text to train on`);
  return text;
}

/** A text file's contents, checked as `decodeText` does. */
export async function readTextFile(path: string, expected = 'a UTF-8 text file'): Promise<string> {
  return decodeText(await readInputFile(path, expected), path, expected);
}

export async function readTextInputs(paths: string[]): Promise<TextSource> {
  if (paths.length === 0 || (paths.length === 1 && paths[0] === '-')) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return { name: 'stdin', text: decodeText(Buffer.concat(chunks), 'standard input') };
  }
  const texts: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new UsageError(`${p}: no such file or folder`);
    }
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => TEXT_EXT.test(n)).sort();
      if (names.length === 0) throw new UsageError(`${p}: the folder has no text files (.txt, .md, ...)`);
      for (const n of names) texts.push(decodeText(await readFile(join(p, n)), join(p, n)));
    } else {
      texts.push(decodeText(await readFile(p), p));
    }
  }
  const name = paths.length === 1 ? basename(paths[0]!) : `${paths.length} inputs`;
  return { name, text: texts.join('\n') };
}

/** One line of a folder's listing: `name<TAB>text`, with its 1-based line number. */
export interface ListedEntry {
  line: number;
  name: string;
  text: string;
}

/**
 * A folder's listing, DIR/`listName`, of lines `name<TAB>text` (blank lines skipped; the name
 * trimmed, the text as written): transcripts.tsv of recordings, captions.tsv of images. `form` shows
 * a line, `noun` names what is listed, `contents` its texts. A missing folder or listing, a line
 * without a tab, or a listing of nothing is one UsageError saying what was expected.
 */
export async function readFolderListing(
  dir: string, o: { listName: string; form: string; noun: string; contents: string },
): Promise<{ list: string; entries: ListedEntry[] }> {
  const { listName, form, noun } = o;
  if ((await stat(dir).catch(() => null))?.isDirectory() !== true) throw new UsageError(`${dir}: no such folder`);
  const list = join(dir, listName);
  if ((await stat(list).catch(() => null))?.isFile() !== true) throw new UsageError(`${dir}: no ${listName} (expected lines of "${form}")`);
  const entries: ListedEntry[] = [];
  for (const [i, line] of (await readTextFile(list, `a UTF-8 TSV file of ${o.contents}`)).split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new UsageError(`${list}: line ${i + 1} has no tab: expected "${form}", got ${JSON.stringify(line.slice(0, 60))}`);
    entries.push({ line: i + 1, name: line.slice(0, tab).trim(), text: line.slice(tab + 1) });
  }
  if (entries.length === 0) throw new UsageError(`${list} lists no ${noun} (expected lines of "${form}")`);
  return { list, entries };
}
