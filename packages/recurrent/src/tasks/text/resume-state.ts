/**
 * `checkpoint/state.json` of a text model folder: what `--resume` needs besides
 * the weights and optimiser buffers. Every field is checked on load, so a
 * damaged or hand-edited file is one FormatError naming the field, never a
 * crash deep inside training.
 */
import { FormatError } from '../../errors.js';
import { type OptimizerName, OPTIMIZER_NAMES } from '../../optim/optimizers.js';

/** The settings of a training run (a resumed run keeps them). */
export interface TrainSettings {
  batch: number;
  seqLen: number;
  lr: number;
  optimizer: OptimizerName;
  clip: number;
  evalEvery: number;
  evalTokens: number;
}

/** Where the run was set to stop: an absolute step, and training seconds; null where not limited. */
export interface RunTarget {
  stopAt: number | null;
  deadline: number | null;
}

/** What a checkpoint keeps to resume training exactly: step, time, data position, random state, settings. */
export interface ResumeState {
  step: number;
  /** training seconds so far, over every session of the run */
  seconds: number;
  /** the random generator's state (four 32-bit words) */
  rng: number[];
  bestValLoss: number | null;
  options: TrainSettings;
  target: RunTarget;
}

/** state.json as written: the optimiser's buffers are in optimizer.safetensors, counted here. */
export interface SavedResumeState extends ResumeState {
  optimizer: { name: string; lr: number; step: number; buffers: Record<string, number> } | null;
}

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min;

/** Checks a parsed state.json, naming the first field that is wrong. */
export function checkResumeState(value: unknown, source: string): SavedResumeState {
  const fail = (field: string, want: string, got: unknown): never => {
    throw new FormatError(`${source}: '${field}' must be ${want}, got ${JSON.stringify(got) ?? String(got)}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${source}: expected a JSON object`);
  const v = value as Record<string, unknown>;
  if (!isInt(v.step, 0)) fail('step', 'an integer >= 0', v.step);
  if (!isNum(v.seconds, 0)) fail('seconds', 'a number >= 0', v.seconds);
  if (!Array.isArray(v.rng) || v.rng.length !== 4 || !v.rng.every((x) => isInt(x, 0) && x <= 0xffffffff)) fail('rng', 'four 32-bit unsigned integers', v.rng);
  if (v.bestValLoss !== null && !isNum(v.bestValLoss, 0)) fail('bestValLoss', 'a number >= 0 or null', v.bestValLoss);
  const o = v.options as Record<string, unknown> | undefined;
  if (typeof o !== 'object' || o === null) fail('options', 'an object', o);
  const opts = o as Record<string, unknown>;
  for (const k of ['batch', 'seqLen', 'evalEvery', 'evalTokens']) if (!isInt(opts[k], 1)) fail(`options.${k}`, 'an integer >= 1', opts[k]);
  if (!isNum(opts.lr, 0) || opts.lr === 0) fail('options.lr', 'a positive number', opts.lr);
  if (!isNum(opts.clip, 0)) fail('options.clip', 'a number >= 0', opts.clip);
  if (!OPTIMIZER_NAMES.includes(opts.optimizer as OptimizerName)) fail('options.optimizer', `one of ${OPTIMIZER_NAMES.join(', ')}`, opts.optimizer);
  // Checkpoints written before the run's end was recorded continue only with a new limit.
  const t = (v.target ?? { stopAt: null, deadline: null }) as Record<string, unknown>;
  if (t.stopAt !== null && !isInt(t.stopAt, 0)) fail('target.stopAt', 'an integer >= 0 or null', t.stopAt);
  if (t.deadline !== null && !isNum(t.deadline, 0)) fail('target.deadline', 'a number >= 0 or null', t.deadline);
  const opt = v.optimizer as Record<string, unknown> | null | undefined;
  if (opt !== null) {
    if (typeof opt !== 'object' || opt === undefined) fail('optimizer', 'an object or null', opt);
    const m = opt as Record<string, unknown>;
    if (typeof m.name !== 'string') fail('optimizer.name', 'a string', m.name);
    if (!isNum(m.lr, 0)) fail('optimizer.lr', 'a number >= 0', m.lr);
    if (!isInt(m.step, 0)) fail('optimizer.step', 'an integer >= 0', m.step);
    const b = m.buffers as Record<string, unknown> | undefined;
    if (typeof b !== 'object' || b === null || Object.values(b).some((n) => !isInt(n, 0) || n > 1e6)) fail('optimizer.buffers', 'an object of buffer counts', b);
  }
  return {
    step: v.step as number, seconds: v.seconds as number, rng: v.rng as number[], bestValLoss: v.bestValLoss as number | null,
    options: {
      batch: opts.batch as number, seqLen: opts.seqLen as number, lr: opts.lr as number, optimizer: opts.optimizer as OptimizerName,
      clip: opts.clip as number, evalEvery: opts.evalEvery as number, evalTokens: opts.evalTokens as number,
    },
    target: { stopAt: t.stopAt as number | null, deadline: t.deadline as number | null },
    optimizer: opt as SavedResumeState['optimizer'],
  };
}
