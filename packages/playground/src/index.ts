/**
 * The playground's own logic, shared by its Web Worker and by Node (tests and
 * benchmarks run the page's training and views exactly as the page does).
 */
export { PlaygroundSession, SESSION_DEFAULTS, CHUNK_STEPS, VALIDATION_CHARS, type SessionConfig, type ChunkResult } from './session.js';
export {
  computeViews, heldOutText, PROBE_CHARS, GRADIENT_CHARS, ACTIVATION_CHARS,
  type Views, type StepView, type MemoryView, type ConnectivityView, type ActivationView,
} from './views.js';
export type { ToWorker, FromWorker } from './protocol.js';
