/**
 * What a model holds while it reads: every layer's gates and states over one
 * sequence (the module's own trace, in eval mode, no gradient), and the top
 * layer's activations as the classic cell pictures show them.
 */
import type { LanguageModel } from '../models/language-model.js';
import type { SequenceRegressor } from '../models/sequence-regressor.js';
import { inEvalMode } from '../nn/grad-mode.js';
import type { LayerTrace } from '../nn/recurrent/base.js';
import type { Tensor } from '../tensor/tensor.js';

/** Gates, c and h of every layer and direction (index layer*D + direction) while the model reads `ids` (one sequence); the model's mode is left as it was. */
export function traceLanguageModel(model: LanguageModel, ids: ArrayLike<number>): LayerTrace[] {
  return inEvalMode(model, () => {
    const emb = model.embedding.forward({ data: Int32Array.from(ids), shape: [1, ids.length] });
    return model.rnn.forward(emb, { trace: true }).trace!;
  });
}

/** The same for a sequence regressor reading x ((1, T, inputSize)). */
export function traceRegressor(model: SequenceRegressor, x: Tensor): LayerTrace[] {
  return inEvalMode(model, () => model.rnn.forward(x, { trace: true }).trace!);
}

/** The activations (N,H) of the top layer's forward direction over `ids`: tanh(c) for an LSTM (as Karpathy et al. 2015 show it), h otherwise. */
export function languageModelActivations(model: LanguageModel, ids: ArrayLike<number>): { values: Float32Array; H: number } {
  const trace = traceLanguageModel(model, ids);
  const top = trace[trace.length - model.rnn.numDirections]!;
  const src = top.c ?? top.h;
  return { values: top.c ? src.data.map(Math.tanh) : src.data.slice(), H: src.shape[2]! };
}
