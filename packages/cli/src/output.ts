/**
 * Standard output that a reader may close early (`recurrent ... | head`).
 * Output that is only a view of the work (training progress, JSON lines) is
 * then dropped and the work goes on to its end: the model is still written.
 * Output that is the work itself (generated text) stops at once: `generate`
 * aborts on `stdoutClosed`. Either way the command ends quietly, as `cat` does.
 */
const closed = new AbortController();

/** Aborts when the reader of standard output has gone away. */
export const stdoutClosed: AbortSignal = closed.signal;

/** Called by the stream's error handler on EPIPE: later writes to standard output are dropped. */
export function markStdoutClosed(): void {
  if (closed.signal.aborted) return;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  closed.abort();
}
