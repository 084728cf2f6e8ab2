/**
 * One training run of the playground, trained a chunk of steps at a time so
 * the page can pause, resume and step once between chunks: a character model
 * of one cell on a text (the library's TextGenerator), or the adding problem
 * or copy memory (the library's MemoryRun, at a parameter budget equal for
 * every cell). Each continues exactly from where the previous chunk stopped,
 * through the library's one training loop. The Web Worker runs these; Node
 * runs the very same code in the tests, so the page's numbers can be checked.
 */
import { CELL_KINDS, COPY_LENGTH, type CellKind, ConfigError, type GateInit, GATE_INITS, type LanguageModel, MemoryRun, type SequenceRegressor, TextGenerator } from 'recurrent-nn';

export type PlaygroundTask = 'text' | 'adding' | 'copy';
export const PLAYGROUND_TASKS: readonly PlaygroundTask[] = ['text', 'adding', 'copy'];

export interface SessionConfig {
  task: PlaygroundTask;
  cell: CellKind;
  seed: number;
  /** gradient-norm clipping; 0: off */
  clip: number;
  /** text: the hidden size */
  hiddenSize: number;
  /** text: characters per training chunk (backpropagation through time) */
  seqLen: number;
  /** adding: the sequence length T; copy: the blanks T between the symbols and the recall */
  length: number;
  /** adding and copy: the parameter budget (each cell gets the largest hidden size within it) */
  parameters: number;
  /** adding and copy: how the gates of LSTM and GRU start (the plain RNN has none) */
  init: GateInit;
  /** sequences per step; default 16 for text, 64 for adding, 32 for copy */
  batch?: number;
  /** default 0.005 for text, 0.01 for adding and copy */
  lr?: number;
}

export const SESSION_DEFAULTS: Readonly<Omit<SessionConfig, 'cell'>> = { task: 'text', seed: 1, clip: 5, hiddenSize: 64, seqLen: 50, length: 50, parameters: 3000, init: 'forget-bias' };

/** Steps per chunk: one validation each. */
export const CHUNK_STEPS = 20;
/** Held-out characters each validation of a text model reads. */
export const VALIDATION_CHARS = 4000;
const EMBEDDING = 16;
/** The most steps a memory-task run is set up for (a page trains until paused, within this). */
const MEMORY_BUDGET = 1_000_000;
const MEMORY_DEFAULTS = { adding: { batch: 64, lr: 0.01 }, copy: { batch: 32, lr: 0.01 } } as const;

export interface ChunkResult {
  step: number;
  /** mean training loss of the chunk (text and copy: nats per step; adding: MSE) */
  loss: number;
  /** held-out loss after it */
  valLoss: number;
  /** examples per second during the chunk: characters (text) or sequence steps (adding, copy) */
  perSecond: number;
}

export interface Session {
  readonly config: SessionConfig;
  readonly step: number;
  readonly parameters: number;
  /** trains up to `steps` more steps; stops early (after the current step) when shouldStop says so */
  train(steps: number, shouldStop?: () => boolean): Promise<ChunkResult>;
  /** the clipping threshold for the next steps (0: off) */
  setClip(clip: number): void;
}

function checkClip(clip: number): void {
  if (!(clip >= 0)) throw new ConfigError(`clip must be 0 (off) or positive, got ${clip}`);
}

export class TextSession implements Session {
  readonly generator: TextGenerator;
  readonly config: SessionConfig;

  constructor(config: SessionConfig, readonly text: string, generator?: TextGenerator) {
    this.config = config;
    this.generator = generator ?? TextGenerator.create(text, { cell: config.cell, hiddenSize: config.hiddenSize, numLayers: 1, embeddingSize: EMBEDDING }, config.seed);
  }

  /**
   * A session over a model someone brings (a character model's folder): the
   * text is kept to the characters its vocabulary knows, so the views can read it.
   */
  static fromGenerator(generator: TextGenerator, text: string): TextSession {
    if (generator.vocab.kind !== 'char') throw new ConfigError('the playground reads character models; this one reads words');
    const known = Array.from(text).filter((ch) => generator.vocab.has(ch)).join('');
    const o = generator.options;
    return new TextSession({ ...SESSION_DEFAULTS, cell: o.cell, hiddenSize: o.hiddenSize }, known, generator);
  }

  get step(): number {
    return this.generator.step;
  }

  get parameters(): number {
    return this.generator.model.numParameters();
  }

  async train(steps: number, shouldStop?: () => boolean): Promise<ChunkResult> {
    const c = this.config;
    const before = this.step;
    const batch = c.batch ?? 16;
    const t0 = performance.now();
    const history = await this.generator.train(this.text, {
      steps, batch, seqLen: c.seqLen, lr: c.lr ?? 0.005, clip: c.clip, evalEvery: CHUNK_STEPS, evalTokens: VALIDATION_CHARS, name: 'playground',
    }, shouldStop ? { shouldStop } : {});
    const last = history[history.length - 1];
    const seconds = (performance.now() - t0) / 1000;
    return { step: this.step, loss: last?.loss ?? NaN, valLoss: last?.valLoss ?? NaN, perSecond: ((this.step - before) * batch * c.seqLen) / Math.max(seconds, 1e-9) };
  }

  setClip(clip: number): void {
    checkClip(clip);
    this.config.clip = clip;
  }
}

/** The adding problem or copy memory, through the library's MemoryRun. */
export class MemorySession implements Session {
  readonly run: MemoryRun;
  readonly config: SessionConfig & { task: 'adding' | 'copy' };

  constructor(config: SessionConfig & { task: 'adding' | 'copy' }) {
    this.config = config;
    const d = MEMORY_DEFAULTS[config.task];
    this.run = new MemoryRun({
      task: config.task, cell: config.cell, init: CELL_KINDS[config.cell].family === 'RNN' ? 'default' : config.init, length: config.length,
      parameters: config.parameters, steps: MEMORY_BUDGET, batch: this.batch, lr: config.lr ?? d.lr, clipNorm: config.clip > 0 ? config.clip : null,
      evalEvery: CHUNK_STEPS, seed: config.seed,
    });
  }

  get batch(): number {
    return this.config.batch ?? MEMORY_DEFAULTS[this.config.task].batch;
  }

  /** adding: a SequenceRegressor; copy: a LanguageModel */
  get model(): SequenceRegressor | LanguageModel {
    return this.run.model;
  }

  get step(): number {
    return this.run.step;
  }

  get parameters(): number {
    return this.run.model.numParameters();
  }

  async train(steps: number, shouldStop?: () => boolean): Promise<ChunkResult> {
    const before = this.step;
    const t0 = performance.now();
    let valLoss = NaN;
    let loss = NaN;
    await this.run.train({
      steps, ...(shouldStop ? { shouldStop } : {}),
      onEval: (p) => {
        valLoss = p.value;
        loss = p.trainLoss;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const c = this.config;
    const sequenceSteps = c.task === 'copy' ? c.length + 2 * COPY_LENGTH : c.length;
    return { step: this.step, loss, valLoss, perSecond: ((this.step - before) * this.batch * sequenceSteps) / Math.max(seconds, 1e-9) };
  }

  setClip(clip: number): void {
    checkClip(clip);
    this.config.clip = clip;
    this.run.setClipNorm(clip > 0 ? clip : null);
  }
}

/** The session for a task, with the defaults filled in. */
export function createSession(config: Partial<SessionConfig> & { cell: CellKind }, text: string): Session {
  const c: SessionConfig = { ...SESSION_DEFAULTS, ...config };
  if (!PLAYGROUND_TASKS.includes(c.task)) throw new ConfigError(`unknown playground task ${JSON.stringify(c.task)}: expected one of ${PLAYGROUND_TASKS.join(', ')}`);
  for (const k of ['hiddenSize', 'seqLen', 'length', 'parameters'] as const) {
    if (!(Number.isInteger(c[k]) && c[k] > 0)) throw new ConfigError(`${k} must be a positive integer, got ${c[k]}`);
  }
  checkClip(c.clip);
  if (!GATE_INITS.includes(c.init)) throw new ConfigError(`unknown gate init ${JSON.stringify(c.init)}: expected one of ${GATE_INITS.join(', ')}`);
  return c.task === 'text' ? new TextSession(c, text) : new MemorySession({ ...c, task: c.task });
}
