/**
 * A second thread for the WebAssembly kernels: its own instance of the same
 * module over the same shared memory, running one export at a time on
 * request. In Node a worker_threads Worker; in a browser a Web Worker started
 * from a Web Worker of a cross-origin isolated page (the main thread of a page
 * may not block in Atomics.wait). The caller posts a call, does its own share
 * of the work, then waits; a fork/join costs a few microseconds, so callers
 * only split work of a millisecond or more.
 */

/** Polls before sleeping, on each side of a fork/join (~50-100 us). */
const SPIN = 20000;

/** The thread's loop, the same in Node and in a browser: kept as source so it needs no file or loader. */
const LOOP = `
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.setScratch(scratch);
const c = new Int32Array(ctrl);
const a = new Float64Array(args);
ready();
for (;;) {
  // Spin briefly for the next call (calls come in bursts, a sleeping thread
  // takes tens of microseconds to wake), then sleep.
  for (let i = 0; i < ${SPIN} && Atomics.load(c, 0) === 0; i++);
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

const NODE_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, args, scratch, names } = workerData;
const ready = () => {};
${LOOP}`;

const BROWSER_SOURCE = `
self.onmessage = (e) => {
  self.onmessage = null;
  const { module, memory, ctrl, args, scratch, names } = e.data;
  const ready = () => self.postMessage('ready');
  ${LOOP}
  self.close();
};`;

const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const EXIT = 3;

/** The exports a worker can run. */
export const WORKER_FUNCTIONS = ['gemm', 'directionForward', 'directionBackward', 'directionForwardUnits', 'stackStep', 'adam', 'sgd'] as const;
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

/** What either kind of worker offers for stopping it. */
interface StoppableWorker {
  terminate(): unknown;
}

/** Whether this is a browser's Web Worker of a cross-origin isolated page: where a second kernel thread can run outside Node. */
export function browserThreadsAvailable(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; crossOriginIsolated?: boolean; Worker?: unknown };
  return g.WorkerGlobalScope !== undefined && g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof SharedArrayBuffer !== 'undefined';
}

export class WorkerThread {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private busy = false;

  private constructor(private readonly worker: StoppableWorker, ctrl: SharedArrayBuffer, args: SharedArrayBuffer) {
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
    const worker = new Worker(NODE_SOURCE, {
      eval: true,
      workerData: { module, memory, ctrl, args, scratch, names: WORKER_FUNCTIONS },
    });
    // A worker blocked in Atomics.wait must not keep the process alive.
    worker.unref();
    return new WorkerThread(worker, ctrl, args);
  }

  /**
   * A browser thread (see browserThreadsAvailable), ready when the promise
   * resolves: the thread must be running before the first call blocks on it.
   */
  static async startInBrowser(module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number): Promise<WorkerThread> {
    const ctrl = new SharedArrayBuffer(16);
    const args = new SharedArrayBuffer(64 * 8);
    const url = URL.createObjectURL(new Blob([BROWSER_SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(url);
    try {
      await new Promise<void>((ok, fail) => {
        worker.onmessage = () => ok();
        worker.onerror = (e) => fail(new Error(`the second kernel thread did not start: ${e.message}`));
        worker.postMessage({ module, memory, ctrl, args, scratch, names: WORKER_FUNCTIONS });
      });
    } finally {
      URL.revokeObjectURL(url);
    }
    worker.onmessage = null;
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
