/**
 * What the playground's panels draw, computed from a session's model with the
 * library's own instruments (trace, gradients through time, connectivity,
 * cell correlations, spectral radius). Plain arrays and numbers only: these
 * cross from the Web Worker to the page by structured clone.
 */
import {
  type BestCell, CELL_KINDS, type CellKind, bestCells, decayPerStep, languageModelActivations, languageModelConnectivity, languageModelGradients,
  spectralRadius, textProperties, traceLanguageModel,
} from 'recurrent';
import type { PlaygroundSession } from './session.js';

/** Characters of held-out text the step, gradient and connectivity panels read. */
export const PROBE_CHARS = 64;
/** Characters the gradient panel reads back from its last prediction. */
export const GRADIENT_CHARS = 160;
/** Characters the activation panel colours. */
export const ACTIVATION_CHARS = 1200;

export interface StepView {
  cell: CellKind;
  /** the probe's characters, one per step */
  chars: string[];
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
  /** ||dLoss/dh_t|| for the last prediction of GRADIENT_CHARS characters, one per step (the last is lag 0) */
  gradientNorms: number[];
  /** the factor per step back by which the gradient fades (decayPerStep over the last 100 lags, as exp) */
  factorPerStep: number;
  /** the recurrent matrix's spectral radius per gate block of W_hh (LSTM i,f,g,o; GRU r,z,n; RNN one) */
  spectralRadius: number[];
}

export interface ConnectivityView {
  chars: string[];
  /** (T-1)x(T-1) row-major: how much the prediction at step t depends on the character at step s */
  matrix: Float64Array;
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
  activations: ActivationView;
}

/** Held-out text (the end of the text, which training never sees) for the panels to read. */
export function heldOutText(text: string, chars: number): string {
  const all = Array.from(text);
  return all.slice(Math.max(0, all.length - chars)).join('');
}

export function computeViews(session: PlaygroundSession): Views {
  const g = session.generator;
  const model = g.model;
  const cell = session.config.cell;
  const encode = (s: string): { ids: Int32Array; chars: string[] } => ({ ids: g.vocab.encode(s).ids, chars: Array.from(s) });

  const probe = encode(heldOutText(session.text, PROBE_CHARS));
  const top = traceLanguageModel(model, probe.ids)[0]!;
  const H = model.rnn.hiddenSize;
  const gateNames = CELL_KINDS[cell].family === 'RNN' ? [] : [...CELL_KINDS[cell].gateNames];
  const stepView: StepView = { cell, chars: probe.chars, hiddenSize: H, gateNames, gates: top.gates?.data ?? null, c: top.c?.data ?? null, h: top.h.data };

  const grads = languageModelGradients(model, encode(heldOutText(session.text, GRADIENT_CHARS + 1)).ids);
  const whh = model.rnn.namedParameters().find(([n]) => n === 'weight_hh_l0')![1].data;
  const blocks = whh.length / (H * H);
  const memory: MemoryView = {
    gradientNorms: [...grads.norms[0]!],
    factorPerStep: Math.exp(decayPerStep(grads.norms[0]!, 100)),
    spectralRadius: Array.from({ length: blocks }, (_, b) => spectralRadius(whh.subarray(b * H * H, (b + 1) * H * H), H)),
  };

  const connectivity: ConnectivityView = { chars: probe.chars, matrix: languageModelConnectivity(model, probe.ids) };

  const shown = encode(heldOutText(session.text, ACTIVATION_CHARS));
  const acts = languageModelActivations(model, shown.ids);
  const activations: ActivationView = { chars: shown.chars, hiddenSize: acts.H, values: acts.values, best: bestCells(acts.values, acts.H, textProperties(shown.chars)) };

  return { cell, step: session.step, stepView, memory, connectivity, activations };
}
