/**
 * The recurrent stack's settings that the models built around one
 * (LanguageModel, SequenceRegressor) share, and the module options they give.
 */
import type { CellKind } from '../kernels/types.js';
import type { GRUOptions, LSTMOptions } from '../nn/recurrent/modules.js';

/** The recurrent part of a model: cell kind, hidden size, layers, dropout and the cell's variants. */
export interface RecurrentStackConfig {
  hiddenSize: number;
  /** default 1 */
  numLayers?: number;
  /** 'LSTM' (default), 'GRU', 'RNN_TANH' or 'RNN_RELU' */
  mode?: CellKind;
  /** dropout between recurrent layers (default 0) */
  dropout?: number;
  /** LSTM projection size (default 0) */
  projSize?: number;
  /** LSTM peephole connections (default false; see LSTMOptions.peepholes) */
  peepholes?: boolean;
  /** GRU: false puts the reset gate before the recurrent product (default true, PyTorch's; see GRUOptions) */
  linearBeforeReset?: boolean;
  /** biases in the recurrent layers (default true) */
  bias?: boolean;
  /** the keep gate's starting bias (LSTM f, GRU z; see RecurrentOptions.forgetBias); null (default): as the init leaves it */
  forgetBias?: number | null;
  /** chrono initialisation for dependencies up to this many steps (see RecurrentOptions.chronoInit); null (default): none */
  chronoInit?: number | null;
  /** gradient checkpointing every this many steps in training (see RecurrentOptions.checkpoint); 0 (default): off */
  checkpoint?: number;
}

/** The defaults of the optional stack settings. */
export const STACK_DEFAULTS = {
  numLayers: 1, mode: 'LSTM', dropout: 0, projSize: 0, peepholes: false, linearBeforeReset: true, bias: true, forgetBias: null, chronoInit: null, checkpoint: 0,
} as const satisfies Required<Omit<RecurrentStackConfig, 'hiddenSize'>>;

/** The module options of a filled-in stack config (batch-first, as both models feed it). */
export function stackOptions(c: Required<RecurrentStackConfig>): Omit<LSTMOptions & GRUOptions, 'inputSize'> {
  return {
    hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout, projSize: c.projSize,
    peepholes: c.peepholes, linearBeforeReset: c.linearBeforeReset, bias: c.bias, batchFirst: true, checkpoint: c.checkpoint,
    ...(c.forgetBias !== null ? { forgetBias: c.forgetBias } : {}), ...(c.chronoInit !== null ? { chronoInit: c.chronoInit } : {}),
  };
}
