import { ConfigError, checkOptions, optionKeys } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  RecurrentBase, type RecurrentBackwardOptions, type RecurrentForwardOptions, type RecurrentGradients, type RecurrentInputGradients,
  type RecurrentOptions, type RecurrentOutput, RECURRENT_OPTION_KEYS,
} from './base.js';

export interface LSTMOptions extends RecurrentOptions {
  /** size of the projected hidden state h = W_hr (o * tanh c) (default 0: no projection) */
  projSize?: number;
  /**
   * peephole connections (Gers & Schmidhuber; ONNX LSTM's input P): parameters
   * `weight_peephole_l{k}` (3,H), rows p_i, p_f, p_o, with
   * i = σ(... + p_i*c_{t-1}), f = σ(... + p_f*c_{t-1}), o = σ(... + p_o*c_t).
   * PyTorch has none (default false).
   */
  peepholes?: boolean;
}

export interface GRUOptions extends RecurrentOptions {
  /**
   * true (the default, PyTorch's): n = tanh(W_in x + b_in + r*(W_hn h + b_hn)).
   * false: the reset gate comes before the recurrent product,
   * n = tanh(W_in x + b_in + W_hn (r*h) + b_hn), as in Cho et al. (2014), ONNX's
   * default GRU (linear_before_reset=0) and Keras' reset_after=False.
   */
  linearBeforeReset?: boolean;
}

const LSTM_KEYS = [...RECURRENT_OPTION_KEYS, ...optionKeys<Omit<LSTMOptions, keyof RecurrentOptions>>({ projSize: true, peepholes: true })];
const GRU_KEYS = [...RECURRENT_OPTION_KEYS, ...optionKeys<Omit<GRUOptions, keyof RecurrentOptions>>({ linearBeforeReset: true })];

/** An LSTM's forward also gives the final cell state. */
export interface LSTMOutput extends RecurrentOutput {
  cN: Tensor;
}

/** An LSTM's backward also gives the initial cell state's gradient. */
export interface LSTMInputGradients extends RecurrentInputGradients {
  gradC0: Tensor;
}

/**
 * Long short-term memory, as torch.nn.LSTM: gates i,f,g,o stacked in that order,
 * c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t) (projected by W_hr when projSize > 0).
 */
export class LSTM extends RecurrentBase {
  constructor(options: LSTMOptions) {
    super('LSTM', checkOptions('LSTM', options, LSTM_KEYS), { projSize: options.projSize ?? 0, peepholes: options.peepholes ?? false });
  }

  override forward(input: Tensor, options: RecurrentForwardOptions = {}): LSTMOutput {
    return super.forward(input, options) as LSTMOutput;
  }

  override backward(grads: RecurrentGradients = {}, options: RecurrentBackwardOptions = {}): LSTMInputGradients {
    return super.backward(grads, options) as LSTMInputGradients;
  }
}

/**
 * Gated recurrent unit, as torch.nn.GRU: gates r,z,n;
 * n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h_t = (1-z)*n + z*h_{t-1}.
 */
export class GRU extends RecurrentBase {
  constructor(options: GRUOptions) {
    super('GRU', checkOptions('GRU', options, GRU_KEYS), { linearBeforeReset: options.linearBeforeReset ?? true });
  }
}

export interface RNNOptions extends RecurrentOptions {
  /** 'tanh' (default) or 'relu' */
  nonlinearity?: 'tanh' | 'relu';
}

const RNN_KEYS = [...RECURRENT_OPTION_KEYS, ...optionKeys<Omit<RNNOptions, keyof RecurrentOptions>>({ nonlinearity: true })];

/** Elman RNN, as torch.nn.RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh). */
export class RNN extends RecurrentBase {
  constructor(options: RNNOptions) {
    const nl = checkOptions('RNN', options, RNN_KEYS).nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ConfigError(`RNN nonlinearity must be 'tanh' or 'relu', got '${String(nl)}'`);
    super(nl === 'relu' ? 'RNN_RELU' : 'RNN_TANH', options);
  }

  get nonlinearity(): 'tanh' | 'relu' {
    return this.kind === 'RNN_RELU' ? 'relu' : 'tanh';
  }
}

/** Builds the module for a PyTorch mode name (`LSTM`, `GRU`, `RNN_TANH`, `RNN_RELU`). */
export function createRecurrent(mode: string, options: LSTMOptions & GRUOptions): RecurrentBase {
  const lstmOnly = (): void => {
    if (options.projSize) throw new ConfigError('projSize is only for LSTM');
    if (options.peepholes) throw new ConfigError('peepholes are only for LSTM');
  };
  if (options.linearBeforeReset === false && mode !== 'GRU') throw new ConfigError('linearBeforeReset is only for GRU');
  checkOptions('createRecurrent', options, [...new Set([...LSTM_KEYS, ...GRU_KEYS])]);
  // Each module is given the options it takes (a config may carry another family's defaults, checked above).
  const only = (keys: readonly string[]): LSTMOptions & GRUOptions =>
    Object.fromEntries(Object.entries(options).filter(([k]) => keys.includes(k))) as unknown as LSTMOptions & GRUOptions;
  switch (mode) {
    case 'LSTM': return new LSTM(only(LSTM_KEYS));
    case 'GRU':
      lstmOnly();
      return new GRU(only(GRU_KEYS));
    case 'RNN_TANH':
    case 'RNN_RELU':
      lstmOnly();
      return new RNN({ ...only(RECURRENT_OPTION_KEYS), nonlinearity: mode === 'RNN_RELU' ? 'relu' : 'tanh' });
    default:
      throw new ConfigError(`unknown recurrent mode '${mode}', expected LSTM, GRU, RNN_TANH or RNN_RELU`);
  }
}
