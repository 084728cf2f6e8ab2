/**
 * Writes generated text to a stream as it comes, in pieces: a write per token
 * would cost more than the token (a system call each on a terminal or a
 * file, at tens of thousands of tokens a second). Text is held until it
 * reaches FLUSH_CHARS or FLUSH_MS have passed since the last write, so the
 * output still streams at a steady pace; `end` writes what is left.
 */
const FLUSH_CHARS = 4096;
const FLUSH_MS = 40;

export interface TokenStream {
  write(text: string): void;
  end(): void;
}

export function tokenStream(out: { write(s: string): unknown }): TokenStream {
  let held: string[] = [];
  let chars = 0;
  let last = performance.now();
  const flush = (): void => {
    if (held.length) out.write(held.join(''));
    held = [];
    chars = 0;
    last = performance.now();
  };
  return {
    write(text: string): void {
      held.push(text);
      chars += text.length;
      if (chars >= FLUSH_CHARS || performance.now() - last >= FLUSH_MS) flush();
    },
    end: flush,
  };
}
