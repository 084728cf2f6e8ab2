/** The messages between the page and a training worker (one worker per cell; the page hands out the chunks, web/scheduler.ts). */
import type { CellKind } from 'recurrent-nn';
import type { ChunkResult, SessionConfig } from './session.js';
import type { ForecastView } from './forecast-job.js';
import type { CaptionView } from './caption-view.js';
import type { TranslateView } from './translate-job.js';
import type { Views } from './views.js';

export type ToWorker =
  /** a new session (replacing any): the model, the text, the kernels' threads */
  | { type: 'init'; config: Partial<SessionConfig> & { cell: CellKind }; text: string; threads: number }
  /** train this many steps (one chunk), then report progress and views */
  | { type: 'train'; steps: number }
  /** end the chunk under way after its current step */
  | { type: 'stop' }
  | { type: 'clip'; clip: number }
  /** the model folder's files of the text model, to download */
  | { type: 'files' };

export type FromWorker =
  | { type: 'ready'; cell: CellKind; parameters: number; backend: string; threads: number }
  | ({ type: 'progress'; cell: CellKind } & ChunkResult)
  | { type: 'views'; views: Views }
  | { type: 'files'; cell: CellKind; files: Array<{ name: string; bytes: Uint8Array }> }
  | { type: 'error'; cell: CellKind | null; message: string };

/** The messages of the model worker: the forecast, attention and bring-a-model panels. */
export type ToModelWorker =
  /** train a forecaster on this CSV (one column), then send its view */
  | { type: 'forecast'; csv: string; threads: number }
  /** add spikes of `size` standard deviations at these steps, and score again */
  | { type: 'inject'; steps: number[]; size: number }
  /** train the English -> French numbers translator, then translate `source` */
  | { type: 'translator'; source: string; beam: number; threads: number }
  | { type: 'translate'; source: string; beam: number }
  /** a model folder's files (config.json, model.safetensors, vocab.json) and a text to read with it */
  | { type: 'load'; files: Array<{ name: string; bytes: Uint8Array }>; text: string }
  /** a caption model folder's files and an image (PNG or JPEG) to caption */
  | { type: 'caption'; files: Array<{ name: string; bytes: Uint8Array }> };

export type FromModelWorker =
  | { type: 'forecast-progress'; epoch: number; loss: number; valLoss: number }
  | { type: 'forecast-view'; view: ForecastView }
  | { type: 'translator-progress'; epoch: number; loss: number; valExact: number }
  | { type: 'translator-ready'; exact: { greedy: number; beam3: number }; seconds: number }
  | { type: 'translate-view'; view: TranslateView }
  | { type: 'loaded'; views: Views; name: string; parameters: number }
  | { type: 'caption-view'; view: CaptionView }
  | { type: 'model-error'; job: 'forecast' | 'translate' | 'load' | 'caption'; message: string };
