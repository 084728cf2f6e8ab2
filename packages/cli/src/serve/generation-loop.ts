/**
 * Text generation for many clients: their sequences are stepped together in
 * one GenerationBatch (continuous batching: a request joins the running
 * batch at the next token and leaves when it has its length), one token per
 * turn of the event loop, so new requests are read and finished streams
 * flushed between tokens. Requests beyond the batch's width wait in order.
 * With width 1 the sequences run one after another (batching off).
 */
import type { GenerationBatch, SequenceHandle, SequenceRequest, SequenceResult } from 'recurrent-nn';

/** The longest run of decoder steps between two turns of the event loop (ms). */
const SLICE_MS = 5;

interface Pending {
  request: SequenceRequest;
  signal: AbortSignal | undefined;
  resolve(r: SequenceResult): void;
  reject(e: unknown): void;
}

export class GenerationLoop {
  private readonly pending: Pending[] = [];
  private running = false;
  /** decoder steps taken, the tokens they wrote, and the time they took, for /health */
  readonly stats = { steps: 0, tokens: 0, stepMs: 0 };

  constructor(private readonly batch: GenerationBatch) {}

  /** Sequences being written and waiting. */
  get load(): { active: number; waiting: number; steps: number; tokens: number; stepSeconds: number } {
    return { active: this.batch.size, waiting: this.pending.length, steps: this.stats.steps, tokens: this.stats.tokens, stepSeconds: this.stats.stepMs / 1000 };
  }

  /**
   * Writes one sequence (its tokens go to request.onToken as they come). An
   * aborted signal ends it at the next token, with what was written so far
   * (result.complete false), or before it starts if it is still waiting.
   */
  generate(request: SequenceRequest, signal?: AbortSignal): Promise<SequenceResult> {
    return new Promise<SequenceResult>((resolve, reject) => {
      this.pending.push({ request, signal, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    const live = new Set<{ handle: SequenceHandle; signal: AbortSignal | undefined; reject(e: unknown): void }>();
    try {
      while (this.pending.length || this.batch.size) {
        while (this.pending.length && this.batch.hasRoom) {
          const p = this.pending.shift()!;
          if (p.signal?.aborted) {
            p.resolve({ text: '', unknown: [], ids: [], complete: false });
            continue;
          }
          try {
            const handle = this.batch.add(p.request);
            const entry = { handle, signal: p.signal, reject: p.reject };
            live.add(entry);
            handle.done.then((r) => {
              live.delete(entry);
              p.resolve(r);
            }, p.reject);
          } catch (e) {
            p.reject(e);
          }
        }
        for (const e of live) if (e.signal?.aborted) e.handle.cancel();
        // Steps for up to SLICE_MS, then a turn of the event loop (new requests read, tokens flushed):
        // one turn per token would spend more on the turn than on the step for a small model.
        const t0 = performance.now();
        do {
          let rows: number;
          const s0 = performance.now();
          try {
            rows = this.batch.step();
            this.stats.stepMs += performance.now() - s0;
          } catch (e) {
            // A failed step leaves no row trustworthy: every live request gets the error.
            for (const l of live) l.reject(e);
            for (const l of live) l.handle.cancel();
            live.clear();
            throw e;
          }
          this.stats.steps++;
          this.stats.tokens += rows;
          if (rows === 0) break;
        } while (performance.now() - t0 < SLICE_MS && !(this.pending.length && this.batch.hasRoom));
        // Let the server read requests and write tokens between steps.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }
}
