/**
 * One training run of the playground: a character model of one cell on a
 * text, trained a chunk of steps at a time so the page can pause, resume and
 * step once between chunks. The Web Worker runs these; Node runs the very same
 * code in the tests, so the page's numbers can be checked against Node's.
 * Training is the library's own TextGenerator.train (the one loop), which
 * continues exactly from where the previous chunk stopped.
 */
import { type CellKind, ConfigError, TextGenerator } from 'recurrent';

export interface SessionConfig {
  cell: CellKind;
  hiddenSize: number;
  seed: number;
  /** sequences per step */
  batch: number;
  /** characters per training chunk (backpropagation through time) */
  seqLen: number;
  lr: number;
  /** gradient-norm clipping; 0: off */
  clip: number;
}

export const SESSION_DEFAULTS: Readonly<Omit<SessionConfig, 'cell'>> = { hiddenSize: 64, seed: 1, batch: 16, seqLen: 50, lr: 0.005, clip: 5 };

/** Steps per chunk: one validation each (on VALIDATION_CHARS held-out characters). */
export const CHUNK_STEPS = 20;
export const VALIDATION_CHARS = 4000;
const EMBEDDING = 16;

export interface ChunkResult {
  step: number;
  /** mean training loss of the chunk (nats per character) */
  loss: number;
  /** held-out loss after it */
  valLoss: number;
  /** characters trained on per second during the chunk */
  charsPerSec: number;
}

export class PlaygroundSession {
  readonly generator: TextGenerator;
  readonly config: SessionConfig;
  readonly text: string;

  constructor(config: Partial<SessionConfig> & { cell: CellKind }, text: string) {
    this.config = { ...SESSION_DEFAULTS, ...config };
    for (const k of ['hiddenSize', 'batch', 'seqLen'] as const) {
      if (!(Number.isInteger(this.config[k]) && this.config[k] > 0)) throw new ConfigError(`${k} must be a positive integer, got ${this.config[k]}`);
    }
    this.text = text;
    this.generator = TextGenerator.create(text, { cell: this.config.cell, hiddenSize: this.config.hiddenSize, numLayers: 1, embeddingSize: EMBEDDING }, this.config.seed);
  }

  get step(): number {
    return this.generator.step;
  }

  get parameters(): number {
    return this.generator.model.numParameters();
  }

  /** Trains up to `steps` more steps; stops early (after the current step) when shouldStop says so. */
  async train(steps: number, shouldStop?: () => boolean): Promise<ChunkResult> {
    const c = this.config;
    const before = this.step;
    const t0 = performance.now();
    const history = await this.generator.train(this.text, {
      steps, batch: c.batch, seqLen: c.seqLen, lr: c.lr, clip: c.clip, evalEvery: CHUNK_STEPS, evalTokens: VALIDATION_CHARS, name: 'playground',
    }, shouldStop ? { shouldStop } : {});
    const last = history[history.length - 1]!;
    const seconds = (performance.now() - t0) / 1000;
    return { step: this.step, loss: last.loss, valLoss: last.valLoss ?? NaN, charsPerSec: ((this.step - before) * c.batch * c.seqLen) / Math.max(seconds, 1e-9) };
  }

  /** The clipping threshold for the next chunks (0: off). */
  setClip(clip: number): void {
    if (!(clip >= 0)) throw new ConfigError(`clip must be 0 (off) or positive, got ${clip}`);
    this.config.clip = clip;
  }
}
