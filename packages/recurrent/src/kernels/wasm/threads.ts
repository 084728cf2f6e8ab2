/**
 * A second thread for the WebAssembly kernels (Node worker_threads): its own
 * instance of the same module over the same shared memory, running one export
 * at a time on request. The main thread posts a call, does its own share of
 * the work, then waits; a fork/join costs a few microseconds, so callers only
 * split work of a millisecond or more.
 */

/** The worker's whole program: kept as source so it needs no file or loader. */
/** Polls before sleeping, on each side of a fork/join (~50-100 us). */
const SPIN = 20000;

const WORKER_SOURCE = `
const SPIN = ${SPIN};
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, args, scratch, names } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.setScratch(scratch);
const c = new Int32Array(ctrl);
const a = new Float64Array(args);
for (;;) {
  // Spin briefly for the next call (calls come in bursts, a sleeping thread
  // takes tens of microseconds to wake), then sleep.
  for (let i = 0; i < SPIN && Atomics.load(c, 0) === 0; i++);
  Atomics.wait(c, 0, 0);
  const state = Atomics.load(c, 0);
  if (state === 3) break;
  if (state !== 1) continue;
  const fn = instance.exports[names[c[1]]];
  const argv = Array.from(a.subarray(0, c[2]));
  try { fn(...argv); c[3] = 0; } catch (e) { c[3] = 1; }
  Atomics.store(c, 0, 2);
  Atomics.notify(c, 0);
}
`;

const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const EXIT = 3;

/** The exports a worker can run. */
export const WORKER_FUNCTIONS = ['gemm', 'directionForward', 'directionBackward', 'directionForwardUnits', 'adam', 'sgd'] as const;
export type WorkerFunction = (typeof WORKER_FUNCTIONS)[number];

/** A Node built-in module loaded synchronously (process.getBuiltinModule, Node 20.16+), or null. */
export function builtinModule<T>(id: string): T | null {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  try {
    return get ? (get(id) as T) : null;
  } catch {
    return null;
  }
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

export class WorkerThread {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private busy = false;

  private constructor(private readonly worker: NodeWorker, ctrl: SharedArrayBuffer, args: SharedArrayBuffer) {
    this.ctrl = new Int32Array(ctrl);
    this.args = new Float64Array(args);
  }

  /**
   * A starter, so a worker can be started at the first call that needs it: a
   * live worker thread slows a process that never uses it (measured: 5-10% on
   * a small model's training). Node 20.16+ (process.getBuiltinModule: no
   * import statement, so bundlers for the browser never see node:worker_threads);
   * null elsewhere.
   */
  static starterSync(): ((module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number) => WorkerThread) | null {
    const wt = builtinModule<typeof import('node:worker_threads')>('node:worker_threads');
    if (!wt) return null;
    return (module, memory, scratch) => WorkerThread.create(wt.Worker, module, memory, scratch);
  }

  private static create(Worker: typeof import('node:worker_threads').Worker, module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number): WorkerThread {
    const ctrl = new SharedArrayBuffer(16);
    const args = new SharedArrayBuffer(64 * 8);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, ctrl, args, scratch, names: WORKER_FUNCTIONS },
    });
    // A worker blocked in Atomics.wait must not keep the process alive.
    worker.unref();
    return new WorkerThread(worker, ctrl, args);
  }

  /** Posts a call; returns at once. */
  post(fn: WorkerFunction, argv: readonly number[]): void {
    if (this.busy) throw new Error('WorkerThread.post: the previous call has not been joined');
    this.busy = true;
    this.args.set(argv);
    this.ctrl[1] = WORKER_FUNCTIONS.indexOf(fn);
    this.ctrl[2] = argv.length;
    Atomics.store(this.ctrl, 0, POSTED);
    Atomics.notify(this.ctrl, 0);
  }

  /** Waits for the posted call to finish. */
  join(): void {
    for (let i = 0; i < SPIN && Atomics.load(this.ctrl, 0) !== DONE; i++);
    while (Atomics.load(this.ctrl, 0) !== DONE) Atomics.wait(this.ctrl, 0, POSTED, 1000);
    Atomics.store(this.ctrl, 0, IDLE);
    this.busy = false;
    if (this.ctrl[3] !== 0) throw new Error('the worker thread failed in a WebAssembly kernel');
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctrl, 0, EXIT);
    Atomics.notify(this.ctrl, 0);
    await this.worker.terminate();
  }
}
