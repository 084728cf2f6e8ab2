/**
 * What the playground's panels draw, computed from a session's model with the
 * library's own instruments (trace, gradients through time, connectivity,
 * cell correlations, spectral radius). Plain arrays and numbers only: these
 * cross from the Web Worker to the page by structured clone.
 */
import {
  ADDING_GUESS_MSE, type BestCell, CELL_KINDS, COPY_LENGTH, COPY_VOCAB, type CellKind, type LanguageModel, type LayerTrace, Random, type RecurrentBase,
  type SequenceRegressor, type StateGradients, Tensor, addingProblem, bestCells, copyMemory, copyRecalled,
  connectivity, decayPerStep, languageModelActivations, languageModelConnectivity, languageModelGradients, regressorGradients, spectralRadius,
  inEvalMode, textProperties, traceLanguageModel, traceRegressor,
} from 'recurrent-nn';
import { MemorySession, type Session, TextSession } from './session.js';

/** Characters of held-out text the step and connectivity panels read. */
export const PROBE_CHARS = 64;
/** Characters the gradient panel reads back from its last prediction. */
export const GRADIENT_CHARS = 160;
/** Characters the activation panel colours. */
export const ACTIVATION_CHARS = 1200;
/** Held-out sequences the lag panel averages over (adding; a fifth of it per length for copy). */
export const LAG_SEQUENCES = 1000;
/** Bins of the error against lag. */
export const LAG_BINS = 8;

export interface StepView {
  cell: CellKind;
  /** one label per step: the character read, or for the adding problem the value (marked ones with a ▲) */
  labels: string[];
  /** the input read at each step, as the equations show it */
  inputs: string[];
  hiddenSize: number;
  /** LSTM i,f,g,o; GRU r,z,n; none for the plain RNN */
  gateNames: string[];
  /** (T, G*H) row-major: gate g of unit j at step t is gates[t*G*H + g*H + j] */
  gates: Float32Array | null;
  /** LSTM: c_t (T,H) */
  c: Float32Array | null;
  /** h_t (T,H) */
  h: Float32Array;
}

export interface MemoryView {
  /** ||dLoss/dh_t|| for the loss at the last step, one per step (the last is lag 0) */
  gradientNorms: number[];
  /** the factor per step back by which the gradient fades (decayPerStep over the last 100 lags, as exp) */
  factorPerStep: number;
  /** the recurrent matrix's spectral radius per gate block of W_hh (LSTM i,f,g,o; GRU r,z,n; RNN one) */
  spectralRadius: number[];
  /**
   * what each cell keeps, against the lag (null for text): adding, the held-out
   * MSE over guessing's by how far back the first marked value is; copy, the
   * share of symbols recalled after more or fewer blanks than it trained on
   */
  lag: { xLabel: string; yLabel: string; lags: number[]; values: number[] } | null;
}

export interface ConnectivityView {
  /** one label per input step */
  labels: string[];
  /** n x n row-major: how much the output at step t depends on the input at step s */
  matrix: Float64Array;
  /** what the output at each step is, for the caption */
  outputs: string[];
}

export interface ActivationView {
  chars: string[];
  hiddenSize: number;
  /** (N,H): tanh(c) for an LSTM, h otherwise */
  values: Float32Array;
  /** the cells that track quotes, line position, parentheses, word boundaries best */
  best: BestCell[];
}

export interface Views {
  cell: CellKind;
  step: number;
  stepView: StepView;
  memory: MemoryView;
  connectivity: ConnectivityView;
  /** text only */
  activations: ActivationView | null;
}

/** Held-out text (the end of the text, which training never sees) for the panels to read. */
export function heldOutText(text: string, chars: number): string {
  const all = Array.from(text);
  return all.slice(Math.max(0, all.length - chars)).join('');
}

function stepViewOf(cell: CellKind, trace: LayerTrace, labels: string[], inputs: string[]): StepView {
  const gateNames = CELL_KINDS[cell].family === 'RNN' ? [] : [...CELL_KINDS[cell].gateNames];
  return { cell, labels, inputs, hiddenSize: trace.h.shape[2]!, gateNames, gates: trace.gates?.data ?? null, c: trace.c?.data ?? null, h: trace.h.data };
}

function memoryViewOf(rnn: RecurrentBase, grads: StateGradients, lag: MemoryView['lag']): MemoryView {
  const H = rnn.hiddenSize;
  const whh = rnn.namedParameters().find(([n]) => n === 'weight_hh_l0')![1].data;
  const blocks = whh.length / (H * H);
  return {
    gradientNorms: [...grads.norms[0]!],
    factorPerStep: Math.exp(decayPerStep(grads.norms[0]!, 100)),
    spectralRadius: Array.from({ length: blocks }, (_, b) => spectralRadius(whh.subarray(b * H * H, (b + 1) * H * H), H)),
    lag,
  };
}

const show = (ch: string): string => (ch === '\n' ? '⏎' : ch);

function textViews(s: TextSession): Views {
  const g = s.generator;
  const model = g.model;
  const cell = s.config.cell;
  const encode = (text: string): { ids: Int32Array; chars: string[] } => ({ ids: g.vocab.encode(text).ids, chars: Array.from(text) });
  const probe = encode(heldOutText(s.text, PROBE_CHARS));
  const trace = traceLanguageModel(model, probe.ids)[0]!;
  const stepView = stepViewOf(cell, trace, probe.chars, probe.chars.map((c) => JSON.stringify(c)));
  const memory = memoryViewOf(model.rnn, languageModelGradients(model, encode(heldOutText(s.text, GRADIENT_CHARS + 1)).ids), null);
  const T = probe.chars.length - 1;
  const connectivityView: ConnectivityView = {
    labels: probe.chars.slice(0, T).map(show), matrix: languageModelConnectivity(model, probe.ids),
    outputs: Array.from({ length: T }, (_, t) => `predicting ${JSON.stringify(probe.chars[t + 1])} after ${JSON.stringify(probe.chars[t])}`),
  };
  const shown = encode(heldOutText(s.text, ACTIVATION_CHARS));
  const acts = languageModelActivations(model, shown.ids);
  const activations: ActivationView = { chars: shown.chars, hiddenSize: acts.H, values: acts.values, best: bestCells(acts.values, acts.H, textProperties(shown.chars)) };
  return { cell, step: s.step, stepView, memory, connectivity: connectivityView, activations };
}

/** Held-out MSE over guessing's by the lag of the first marked value (T-1 minus its step), in LAG_BINS bins over the first half. */
function lagErrors(s: MemorySession, model: SequenceRegressor): MemoryView['lag'] {
  const T = s.config.length;
  const { x, y } = addingProblem(LAG_SEQUENCES, T, new Random(s.config.seed + 7000));
  const out = inEvalMode(model, () => model.forward(x).data);
  const lo = T - Math.floor(T / 2);
  const width = Math.max(1, Math.ceil((T - lo) / LAG_BINS));
  const bins = Math.ceil((T - lo) / width);
  const sse = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let b = 0; b < LAG_SEQUENCES; b++) {
    let first = 0;
    while (x.data[(b * T + first) * 2 + 1] !== 1) first++;
    const bin = Math.min(bins - 1, Math.floor((T - 1 - first - lo) / width));
    sse[bin] += (out[b]! - y[b]!) ** 2;
    count[bin]++;
  }
  return {
    xLabel: 'steps from the first marked value to the answer', yLabel: 'held-out MSE / guessing\'s',
    // Each bin's centre: the middle of the lags it holds (the last may hold fewer).
    lags: Array.from({ length: bins }, (_, i) => (lo + i * width + Math.min(lo + (i + 1) * width - 1, T - 1)) / 2),
    values: Array.from(sse, (v, i) => (count[i]! > 0 ? v / count[i]! / ADDING_GUESS_MSE : NaN)),
  };
}

/** The blanks the copy view tests recall at: a quarter of the trained T up to twice it. */
export function copyLags(T: number): number[] {
  return [...new Set([0.25, 0.5, 1, 1.5, 2].map((f) => Math.max(1, Math.round(f * T))))];
}

/** The share of the 10 symbols recalled right after each number of blanks of copyLags(T), on held-out sequences. */
function copyRecall(s: MemorySession, model: LanguageModel): MemoryView['lag'] {
  const lags = copyLags(s.config.length);
  const values = lags.map((blanks, i) => {
    const d = copyMemory(LAG_SEQUENCES / 5, blanks, new Random(s.config.seed + 7000 + i));
    const B = LAG_SEQUENCES / 5;
    const logits = inEvalMode(model, () => model.forward({ data: d.tokens, shape: [B, d.steps] }).logits.data);
    return copyRecalled(logits, d.targets, B, d.steps);
  });
  return { xLabel: `blanks between the symbols and the recall (trained on ${s.config.length})`, yLabel: 'symbols recalled', lags, values };
}

function addingViews(s: MemorySession, model: SequenceRegressor): Views {
  const cell = s.config.cell;
  const T = s.config.length;
  const one = addingProblem(1, T, new Random(s.config.seed + 5000));
  const values = Array.from({ length: T }, (_, t) => one.x.data[t * 2]!);
  const marked = Array.from({ length: T }, (_, t) => one.x.data[t * 2 + 1] === 1);
  const trace = traceRegressor(model, one.x)[0]!;
  const labels = marked.map((m) => (m ? '▲' : '·'));
  const inputs = values.map((v, t) => `(${v.toFixed(2)}, ${marked[t] ? 1 : 0})`);
  const stepView = stepViewOf(cell, trace, labels, inputs);
  const g = addingProblem(64, T, new Random(s.config.seed + 6000));
  const memory = memoryViewOf(model.rnn, regressorGradients(model, g.x, g.y), lagErrors(s, model));
  const matrix = connectivity(model.rnn, one.x);
  const connectivityView: ConnectivityView = {
    labels, matrix, outputs: Array.from({ length: T }, (_, t) => `the state after step ${t}${t === T - 1 ? ' (read by the answer)' : ''}; ▲ marks the two values to add`),
  };
  return { cell, step: s.step, stepView, memory, connectivity: connectivityView, activations: null };
}

/** Copy-task tokens as the strip shows them: · blank, 1-8 the symbols, ▶ the recall marker. */
const copyLabel = (v: number): string => (v === 0 ? '·' : v === COPY_VOCAB - 1 ? '▶' : String(v));

function copyViews(s: MemorySession, model: LanguageModel): Views {
  const cell = s.config.cell;
  const d = copyMemory(1, s.config.length, new Random(s.config.seed + 5000));
  const labels = Array.from(d.tokens, copyLabel);
  const inputs = Array.from(d.tokens, (v) => (v === 0 ? 'a blank' : v === COPY_VOCAB - 1 ? 'the marker' : `symbol ${v}`));
  const stepView = stepViewOf(cell, traceLanguageModel(model, d.tokens)[0]!, labels, inputs);
  const memory = memoryViewOf(model.rnn, languageModelGradients(model, d.tokens, d.targets), copyRecall(s, model));
  const matrix = languageModelConnectivity(model, d.tokens, { targets: d.targets });
  const outputs = Array.from(d.targets, (v, t) => `the output at step ${t} (${t >= d.steps - COPY_LENGTH ? `recalling ${v}` : 'a blank'})`);
  return { cell, step: s.step, stepView, memory, connectivity: { labels, matrix, outputs }, activations: null };
}

/** Steps of the input the views of a brought model read: random tokens or values from a fixed seed (it brings no data of its own). */
export const BROUGHT_STEPS = 48;

/**
 * The views of a model someone brings without a vocabulary (a PyTorch state
 * dict, an ONNX file, a model folder of another task): a language model reads
 * random token ids, a sequence regressor random normal inputs; the gradients
 * are of the last step's loss against token 0 / a zero target.
 */
export function broughtViews(model: LanguageModel | SequenceRegressor): Views {
  const cell = model.rnn.kind;
  const rng = new Random(17);
  const T = BROUGHT_STEPS;
  if ('embedding' in model) {
    const V = model.config.vocabSize;
    const ids = Int32Array.from({ length: T + 1 }, () => rng.int(V));
    const labels = Array.from(ids.subarray(0, T), (v) => `#${v}`);
    const trace = traceLanguageModel(model, ids.subarray(0, T))[0]!;
    const stepView = stepViewOf(cell, trace, labels, labels.map((l) => `token ${l}`));
    const memory = memoryViewOf(model.rnn, languageModelGradients(model, ids), null);
    const matrix = languageModelConnectivity(model, ids);
    const outputs = Array.from({ length: T }, (_, t) => `the logit of the next token (#${ids[t + 1]}) after step ${t}`);
    return { cell, step: 0, stepView, memory, connectivity: { labels, matrix, outputs }, activations: null };
  }
  const I = model.config.inputSize;
  const x = new Tensor(Float32Array.from({ length: T * I }, () => rng.normal()), [1, T, I]);
  const labels = Array.from({ length: T }, () => '·');
  const trace = traceRegressor(model, x)[0]!;
  const stepView = stepViewOf(cell, trace, labels, labels.map((_, t) => `x[${t}] (${I} random values)`));
  const memory = memoryViewOf(model.rnn, regressorGradients(model, x, new Float32Array(model.config.outputSize)), null);
  const matrix = connectivity(model.rnn, x);
  const outputs = Array.from({ length: T }, (_, t) => `the state after step ${t}`);
  return { cell, step: 0, stepView, memory, connectivity: { labels, matrix, outputs }, activations: null };
}

export function computeViews(session: Session): Views {
  if (session instanceof TextSession) return textViews(session);
  if (session instanceof MemorySession) {
    return session.config.task === 'adding' ? addingViews(session, session.model as SequenceRegressor) : copyViews(session, session.model as LanguageModel);
  }
  throw new Error('computeViews: unknown session');
}
