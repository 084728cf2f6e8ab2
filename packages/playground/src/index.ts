/**
 * The playground's own logic, shared by its Web Worker and by Node (tests and
 * benchmarks run the page's training and views exactly as the page does).
 */
export {
  createSession, TextSession, MemorySession, SESSION_DEFAULTS, PLAYGROUND_TASKS, CHUNK_STEPS, VALIDATION_CHARS,
  type Session, type SessionConfig, type PlaygroundTask, type ChunkResult,
} from './session.js';
export {
  computeViews, heldOutText, copyLags, PROBE_CHARS, GRADIENT_CHARS, ACTIVATION_CHARS, LAG_SEQUENCES, LAG_BINS,
  type Views, type StepView, type MemoryView, type ConnectivityView, type ActivationView,
} from './views.js';
export type { ToWorker, FromWorker, ToModelWorker, FromModelWorker } from './protocol.js';
export { ForecastJob, FORECAST_JOB_DEFAULTS, type ForecastJobOptions, type ForecastView } from './forecast-job.js';
export { TranslateJob, TRANSLATE_JOB_DEFAULTS, numberPairs, type TranslateJobOptions, type TranslateView } from './translate-job.js';
export { captionView, type CaptionView } from './caption-view.js';
