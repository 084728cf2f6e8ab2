/**
 * PyTorch state dicts, in and out, as safetensors files.
 *
 * Our parameter names are PyTorch's, so exporting is writing the state dict.
 * Importing reads a state dict saved from PyTorch and works out the model from
 * the tensor names and shapes:
 *   <rnn>.weight_ih_l{k}[_reverse], weight_hh_*, bias_ih_*, bias_hh_*, weight_hr_*
 *       -> the recurrent stack: LSTM (4H gate rows), GRU (3H) or RNN (H); layers,
 *          bidirectional, bias and projSize from which names exist;
 *   embedding.weight (V,E)   -> an Embedding in front (token ids in)
 *   head.weight, head.bias   -> a Linear head on top
 * giving a LanguageModel (embedding + rnn + head), a SequenceRegressor
 * (rnn + head: the head reads the last step) or a bare LSTM/GRU/RNN.
 * Other attribute names are mapped with `rename` (e.g. encoder -> embedding,
 * lstm -> rnn, fc -> head); a bare module's names have no prefix.
 * Browser-safe.
 */
import { ConfigError, FormatError } from '../errors.js';
import type { SavableModel } from '../io/model-files.js';
import { type SafetensorsFile, parseSafetensors, serializeSafetensors } from '../io/safetensors.js';
import type { CellKind } from '../kernels/types.js';
import { LanguageModel } from '../models/language-model.js';
import { SequenceRegressor } from '../models/sequence-regressor.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import type { Tensor } from '../tensor/tensor.js';

/** How a PyTorch state dict is read: renamed prefixes (`lstm=rnn`), the RNN nonlinearity, and the module type when names alone do not tell. */
export interface TorchImportOptions {
  /** attribute renames applied to the first name component, e.g. { lstm: 'rnn', fc: 'head', encoder: 'embedding' } */
  rename?: Record<string, string>;
  /** a vanilla RNN's nonlinearity: a state dict does not record it (default 'tanh') */
  nonlinearity?: 'tanh' | 'relu';
}

/** The recurrent configuration a state dict implies. */
export interface InferredRecurrent {
  mode: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  projSize: number;
}

function shapeOf(st: SafetensorsFile, name: string): number[] {
  return [...st.tensors.get(name)!.shape];
}

/** Works out an RNN/LSTM/GRU configuration from the names under `prefix`. */
export function inferRecurrent(st: SafetensorsFile, prefix: string, nonlinearity: 'tanh' | 'relu' = 'tanh'): InferredRecurrent {
  const has = (n: string): boolean => st.has(`${prefix}${n}`);
  if (!has('weight_ih_l0') || !has('weight_hh_l0')) throw new FormatError(`${st.source}: no ${prefix}weight_ih_l0 / ${prefix}weight_hh_l0: not a recurrent state dict`);
  let numLayers = 0;
  while (has(`weight_ih_l${numLayers}`)) numLayers++;
  const ih = shapeOf(st, `${prefix}weight_ih_l0`);
  const hh = shapeOf(st, `${prefix}weight_hh_l0`);
  if (ih.length !== 2 || hh.length !== 2) throw new FormatError(`${st.source}: ${prefix}weight_ih_l0 and weight_hh_l0 must be matrices, got [${ih.join(', ')}] and [${hh.join(', ')}]`);
  const projSize = has('weight_hr_l0') ? shapeOf(st, `${prefix}weight_hr_l0`)[0]! : 0;
  const hiddenSize = projSize ? shapeOf(st, `${prefix}weight_hr_l0`)[1]! : hh[1]!;
  const gates = hh[0]! / hiddenSize;
  const mode: CellKind | undefined = gates === 4 ? 'LSTM' : gates === 3 ? 'GRU' : gates === 1 ? (nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH') : undefined;
  if (!mode || ih[0] !== hh[0]) {
    throw new FormatError(`${st.source}: ${prefix}weight_hh_l0 is [${hh.join(', ')}] and weight_ih_l0 [${ih.join(', ')}]: expected 4, 3 or 1 gate blocks of the hidden size (LSTM, GRU, RNN)`);
  }
  return { mode, inputSize: ih[1]!, hiddenSize, numLayers, bidirectional: has('weight_ih_l0_reverse'), bias: has('bias_ih_l0'), projSize };
}

/**
 * Reads a PyTorch state dict (safetensors bytes) into a model of ours; see
 * the file comment for how the model is recognised.
 */
export function importTorch(bytes: Uint8Array, options: TorchImportOptions = {}, source = 'state_dict.safetensors'): SavableModel {
  const raw = parseSafetensors(bytes, source);
  const rename = options.rename ?? {};
  const tensors = new Map<string, Tensor>();
  for (const name of raw.names()) {
    const mapped = renameHead(name, rename);
    if (tensors.has(mapped)) throw new FormatError(`${source}: two tensors map to '${mapped}' (check the renames)`);
    tensors.set(mapped, raw.float32(name));
  }
  // A parsed view with the renamed names, for shape inference.
  const st = parseSafetensors(serializeSafetensors(Object.fromEntries(tensors)), source);
  const ihNames = [...tensors.keys()].filter((n) => n.endsWith('weight_ih_l0'));
  if (ihNames.length !== 1) {
    throw new FormatError(ihNames.length === 0
      ? `${source}: no recurrent weights (a name ending in weight_ih_l0); its tensors: ${[...tensors.keys()].slice(0, 8).join(', ')}`
      : `${source}: several recurrent modules (${ihNames.join(', ')}); import reads one embedding -> recurrent -> head model`);
  }
  const prefix = ihNames[0]!.slice(0, -'weight_ih_l0'.length);
  const r = inferRecurrent(st, prefix, options.nonlinearity);
  const known = new Set<string>();
  const state: Record<string, Tensor> = {};
  for (const [n, t] of tensors) {
    if (n.startsWith(prefix) && /^(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?$/.test(n.slice(prefix.length))) {
      state[`rnn.${n.slice(prefix.length)}`] = t;
      known.add(n);
    }
  }
  const embedding = tensors.get('embedding.weight');
  const headWeight = tensors.get('head.weight');
  const headBias = tensors.get('head.bias');
  for (const n of ['embedding.weight', 'head.weight', 'head.bias']) if (tensors.has(n)) known.add(n);
  const unknown = [...tensors.keys()].filter((n) => !known.has(n));
  if (unknown.length) {
    throw new FormatError(`${source}: tensors this import does not place: ${unknown.join(', ')}; name the embedding, recurrent and head modules with rename (e.g. encoder=embedding,lstm=rnn,fc=head)`);
  }
  if (prefix !== '' && prefix !== 'rnn.') {
    throw new FormatError(`${source}: the recurrent module is '${prefix.slice(0, -1)}'; rename it to 'rnn' (e.g. ${prefix.slice(0, -1)}=rnn)`);
  }
  if (headWeight && !headBias) throw new FormatError(`${source}: head.weight without head.bias: heads without a bias are not supported`);
  const D = r.bidirectional ? 2 : 1;
  const P = r.projSize || r.hiddenSize;
  const recurrentOptions = { hiddenSize: r.hiddenSize, numLayers: r.numLayers, mode: r.mode, bidirectional: r.bidirectional, bias: r.bias, projSize: r.projSize };
  if (headWeight && headWeight.shape[1] !== D * P) throw new FormatError(`${source}: head.weight is [${headWeight.shape.join(', ')}], expected [out, ${D * P}] to read the recurrent output`);
  let model: SavableModel;
  if (embedding) {
    if (embedding.shape[1] !== r.inputSize) throw new FormatError(`${source}: embedding.weight is [${embedding.shape.join(', ')}] but the recurrent input size is ${r.inputSize}`);
    if (!headWeight) throw new FormatError(`${source}: an embedding without a head (head.weight, head.bias) is not a model this import builds`);
    if (headWeight.shape[0] !== embedding.shape[0]) {
      throw new FormatError(`${source}: head.weight has ${headWeight.shape[0]} outputs and the embedding ${embedding.shape[0]} tokens; a language model needs one output per token`);
    }
    model = new LanguageModel({ vocabSize: embedding.shape[0]!, embeddingSize: embedding.shape[1]!, ...recurrentOptions });
    state['embedding.weight'] = embedding;
    state['head.weight'] = headWeight;
    state['head.bias'] = headBias!;
  } else if (headWeight) {
    model = new SequenceRegressor({ inputSize: r.inputSize, outputSize: headWeight.shape[0]!, ...recurrentOptions });
    state['head.weight'] = headWeight;
    state['head.bias'] = headBias!;
  } else {
    model = createRecurrent(r.mode, { inputSize: r.inputSize, hiddenSize: r.hiddenSize, numLayers: r.numLayers, bidirectional: r.bidirectional, bias: r.bias, projSize: r.projSize, batchFirst: true });
    for (const k of Object.keys(state)) {
      state[k.slice('rnn.'.length)] = state[k]!;
      delete state[k];
    }
  }
  model.loadStateDict(state);
  return model.eval();
}

/** A tensor name with its first component (the module) renamed where `rename` says. */
export function renameHead(name: string, rename: Record<string, string>): string {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  return rename[head] !== undefined ? `${rename[head]}${dot < 0 ? '' : name.slice(dot)}` : name;
}

/** The model's state dict as safetensors bytes, PyTorch names, renamed back if asked. */
export function exportTorch(model: SavableModel, rename: Record<string, string> = {}): Uint8Array {
  torchCell(model);
  return torchStateDict(model.stateDict(), rename);
}

/** Any state dict (e.g. a folder's weights) as PyTorch safetensors bytes, its modules renamed where asked. */
export function torchStateDict(state: Record<string, Tensor>, rename: Record<string, string> = {}): Uint8Array {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(state)) out[renameHead(name, rename)] = t;
  return serializeSafetensors(out, { format: 'pt' });
}

/** The model's recurrent module, refused when its cell is one PyTorch does not have. */
function torchCell(model: SavableModel): RecurrentBase {
  const r = model instanceof LanguageModel || model instanceof SequenceRegressor ? model.rnn : model;
  if (r.peepholes) throw new ConfigError('PyTorch export: torch.nn.LSTM has no peephole connections; export this model with --format onnx');
  if (!r.linearBeforeReset) throw new ConfigError('PyTorch export: torch.nn.GRU applies the reset gate after the recurrent product (linearBeforeReset true); export this model with --format onnx');
  return r;
}

/** A Python file defining the PyTorch module that these weights load into, and how to load them. */
export function torchModuleSource(model: SavableModel, weightsFile: string): string {
  const r = torchCell(model);
  const cls = r.kind === 'LSTM' ? 'LSTM' : r.kind === 'GRU' ? 'GRU' : 'RNN';
  const args = [
    `${r.inputSize}`, `${r.hiddenSize}`, `num_layers=${r.numLayers}`, `bias=${r.bias ? 'True' : 'False'}`, 'batch_first=True',
    `bidirectional=${r.bidirectional ? 'True' : 'False'}`,
    ...(r.kind === 'LSTM' && r.projSize ? [`proj_size=${r.projSize}`] : []),
    ...(r.kind.startsWith('RNN') ? [`nonlinearity='${r.kind === 'RNN_RELU' ? 'relu' : 'tanh'}'`] : []),
  ].join(', ');
  const rnnOut = r.outputSize;
  let body: string;
  if (model instanceof LanguageModel && model.config.adaptive) {
    const a = model.config.adaptive;
    body = `class Model(torch.nn.Module):
    """Embedding -> ${cls} -> adaptive softmax, per step (token ids (B,T) -> log-probabilities (B,T,V))."""
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(${model.config.vocabSize}, ${model.config.embeddingSize})
        self.rnn = torch.nn.${cls}(${args})
        self.head = torch.nn.AdaptiveLogSoftmaxWithLoss(${rnnOut}, ${model.config.vocabSize}, cutoffs=[${a.cutoffs.join(', ')}], div_value=${a.divValue ?? 4})

    def forward(self, tokens, state=None):
        out, state = self.rnn(self.embedding(tokens), state)
        B, T, P = out.shape
        return self.head.log_prob(out.reshape(B * T, P)).reshape(B, T, -1), state`;
  } else if (model instanceof LanguageModel) {
    body = `class Model(torch.nn.Module):
    """Embedding -> ${cls} -> Linear, per step (token ids (B,T) -> logits (B,T,V))."""
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(${model.config.vocabSize}, ${model.config.embeddingSize})
        self.rnn = torch.nn.${cls}(${args})
        self.head = torch.nn.Linear(${rnnOut}, ${model.config.vocabSize})

    def forward(self, tokens, state=None):
        out, state = self.rnn(self.embedding(tokens), state)
        return self.head(out), state`;
  } else if (model instanceof SequenceRegressor) {
    body = `class Model(torch.nn.Module):
    """${cls} -> Linear on the last step (x (B,T,I) -> (B,O))."""
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.${cls}(${args})
        self.head = torch.nn.Linear(${rnnOut}, ${model.config.outputSize})

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])`;
  } else {
    body = `def Model():
    return torch.nn.${cls}(${args})`;
  }
  return `# Written by recurrent: the PyTorch module for ${weightsFile}.
import json, struct
import numpy as np
import torch

${body}


def load_safetensors(path):
    """A safetensors reader in a few lines (or: from safetensors.torch import load_file)."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}
    out = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        a, b = t['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtypes[t['dtype']]).reshape(t['shape']).copy())
    return out


if __name__ == '__main__':
    model = Model()
    model.load_state_dict(load_safetensors('${weightsFile}'))
    model.eval()
    print(model)
`;
}
