/**
 * Who trains when: the page hands chunks of steps to the workers in turn,
 * at most `slots` at once (one core fewer than the machine has, at least
 * one), so the page keeps a core of its own and stays responsive while
 * three models train. Pause stops handing out chunks and ends those under
 * way after their current step; step once gives each worker a one-step chunk.
 */
import type { CellKind } from 'recurrent-nn';
import type { ToWorker } from '../src/protocol.js';
import { CHUNK_STEPS } from '../src/session.js';

export class ChunkScheduler {
  private readonly busy = new Set<CellKind>();
  private readonly steps = new Map<CellKind, number>();
  private next = 0;
  private until: number | null = null;
  running = false;

  constructor(private readonly workers: ReadonlyMap<CellKind, { postMessage(m: ToWorker): void }>, readonly slots: number) {}

  /** Trains every worker until step `until` (null: until paused). */
  run(until: number | null): void {
    this.until = until;
    this.running = true;
    this.fill();
  }

  pause(): void {
    this.running = false;
    for (const cell of this.busy) this.workers.get(cell)!.postMessage({ type: 'stop' });
  }

  stepOnce(): void {
    this.running = false;
    for (const [cell, w] of this.workers) {
      if (this.busy.has(cell)) continue;
      this.busy.add(cell);
      w.postMessage({ type: 'train', steps: 1 });
    }
  }

  /** A worker finished a chunk and is at `step`; returns whether any training is still going on. */
  done(cell: CellKind, step: number): boolean {
    this.busy.delete(cell);
    this.steps.set(cell, step);
    if (this.running) this.fill();
    if (this.running && this.busy.size === 0) this.running = false;
    return this.busy.size > 0;
  }

  isBusy(cell: CellKind): boolean {
    return this.busy.has(cell);
  }

  private wants(cell: CellKind): boolean {
    return !this.busy.has(cell) && (this.until === null || (this.steps.get(cell) ?? 0) < this.until);
  }

  /** Hands out chunks, round robin, while there are free slots and workers that want one. */
  private fill(): void {
    const cells = [...this.workers.keys()];
    for (let tries = 0; tries < cells.length && this.busy.size < this.slots; tries++) {
      const cell = cells[this.next % cells.length]!;
      this.next++;
      if (!this.wants(cell)) continue;
      const left = this.until === null ? CHUNK_STEPS : Math.min(CHUNK_STEPS, this.until - (this.steps.get(cell) ?? 0));
      this.busy.add(cell);
      this.workers.get(cell)!.postMessage({ type: 'train', steps: left });
    }
  }
}
