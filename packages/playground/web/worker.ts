/**
 * A training worker: one session (one cell), trained off the page's thread a
 * chunk at a time as the page asks (web/scheduler.ts decides who trains
 * when); after each chunk it posts the losses and the panels' views.
 */
import { getBackend, getThreads, setBackend } from 'recurrent-nn';
import { type Session, TextSession, computeViews, createSession } from '../src/index.js';
import type { FromWorker, ToWorker } from '../src/protocol.js';

const scope = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
let session: Session | null = null;
let stopping = false;
let work: Promise<void> = Promise.resolve();

const post = (m: FromWorker): void => scope.postMessage(m);

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init':
      await setBackend('wasm', { threads: m.threads });
      session = createSession(m.config, m.text);
      // A chunk of no steps checks the text against the settings now (too short a text is said at once, not at the first step).
      await session.train(0);
      post({ type: 'ready', cell: session.config.cell, parameters: session.parameters, backend: getBackend(), threads: getThreads() });
      post({ type: 'views', views: computeViews(session) });
      return;
    case 'train': {
      if (!session) throw new Error('train before init');
      stopping = false;
      const r = await session.train(m.steps, () => stopping);
      post({ type: 'progress', cell: session.config.cell, ...r });
      post({ type: 'views', views: computeViews(session) });
      return;
    }
    case 'clip':
      session?.setClip(m.clip);
      return;
    case 'stop':
      return;
    case 'files': {
      if (!(session instanceof TextSession)) throw new Error('only the text task has a model folder to download');
      const f = session.generator.toFiles();
      const json = (v: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);
      post({
        type: 'files', cell: session.config.cell,
        files: [{ name: 'config.json', bytes: json(f.config) }, { name: 'model.safetensors', bytes: f.weights }, { name: 'vocab.json', bytes: json(f.vocab) }],
      });
      return;
    }
  }
}

scope.onmessage = (e) => {
  // A stop must reach the chunk under way, so it does not queue behind it.
  if (e.data.type === 'stop') {
    stopping = true;
    return;
  }
  work = work.then(() => handle(e.data)).catch((err: Error) => post({ type: 'error', cell: session?.config.cell ?? null, message: err.message }));
};
