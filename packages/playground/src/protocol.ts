/** The messages between the page and a training worker (one worker per cell; the page hands out the chunks, web/scheduler.ts). */
import type { CellKind } from 'recurrent';
import type { ChunkResult, SessionConfig } from './session.js';
import type { Views } from './views.js';

export type ToWorker =
  /** a new session (replacing any): the model, the text, the kernels' threads */
  | { type: 'init'; config: Partial<SessionConfig> & { cell: CellKind }; text: string; threads: number }
  /** train this many steps (one chunk), then report progress and views */
  | { type: 'train'; steps: number }
  /** end the chunk under way after its current step */
  | { type: 'stop' }
  | { type: 'clip'; clip: number };

export type FromWorker =
  | { type: 'ready'; cell: CellKind; parameters: number; backend: string; threads: number }
  | ({ type: 'progress'; cell: CellKind } & ChunkResult)
  | { type: 'views'; views: Views }
  | { type: 'error'; cell: CellKind | null; message: string };
