/**
 * Dynamic batching for requests that a model answers faster together than
 * one by one (a classifier reads many texts in one padded batch): requests
 * wait at most `maxWaitMs` after the first of a batch arrives, or until
 * `maxItems` items are waiting, and are answered by one call. With maxItems 1
 * every request runs alone, in arrival order (batching off).
 */
export interface BatcherOptions {
  /** the most items answered by one call (1: no batching) */
  maxItems: number;
  /** how long the first item of a batch waits for others (ms) */
  maxWaitMs: number;
}

interface Waiting<I, O> {
  items: I[];
  deadline: number;
  resolve(o: O[]): void;
  reject(e: unknown): void;
}

/** Thrown to a request that waited past its deadline before its batch ran. */
export class QueueTimeoutError extends Error {
  override readonly name = 'QueueTimeoutError';
}

export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  /** calls made and items answered, for /health */
  readonly stats = { calls: 0, items: 0 };

  constructor(private readonly run: (items: I[]) => O[], readonly options: BatcherOptions) {}

  /** Items waiting to run. */
  get waiting(): number {
    return this.queued;
  }

  /** Answers a request's items (together with other requests' when batching), or rejects past `deadline` (ms, performance.now()). */
  submit(items: I[], deadline = Infinity): Promise<O[]> {
    return new Promise<O[]>((resolve, reject) => {
      this.queue.push({ items, deadline, resolve, reject });
      this.queued += items.length;
      if (this.queued >= this.options.maxItems) this.schedule(0);
      else this.schedule(this.options.maxWaitMs);
    });
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), ms);
  }

  /** Runs the oldest requests, up to maxItems items (a request's items are never split), and schedules the rest. */
  private flush(): void {
    this.timer = null;
    const now = performance.now();
    const take: Waiting<I, O>[] = [];
    let n = 0;
    while (this.queue.length && (take.length === 0 || n + this.queue[0]!.items.length <= this.options.maxItems)) {
      const w = this.queue.shift()!;
      this.queued -= w.items.length;
      if (w.deadline < now) {
        w.reject(new QueueTimeoutError('the request waited past its time limit before the model was free'));
        continue;
      }
      take.push(w);
      n += w.items.length;
    }
    if (take.length) {
      try {
        const out = this.run(take.flatMap((w) => w.items));
        this.stats.calls++;
        this.stats.items += n;
        let at = 0;
        for (const w of take) {
          w.resolve(out.slice(at, at + w.items.length));
          at += w.items.length;
        }
      } catch (e) {
        for (const w of take) w.reject(e);
      }
    }
    if (this.queue.length) this.schedule(this.queued >= this.options.maxItems ? 0 : this.options.maxWaitMs);
  }
}
