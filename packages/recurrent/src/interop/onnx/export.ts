/**
 * A model of ours -> an ONNX model (opset 14), with dynamic batch and time:
 *   LanguageModel:     tokens int64 (B,T) -> Gather -> Transpose -> per layer
 *                      LSTM/GRU/RNN, Transpose, Reshape -> Transpose -> MatMul, Add -> logits (B,T,V)
 *   SequenceRegressor: x (B,T,I) -> Transpose -> layers -> Gather(last step) -> Gemm -> (B,O)
 *   LSTM/GRU/RNN:      x (B,T,I) or (T,B,I) -> layers -> output, as forward() gives it
 * The recurrent operators get ONNX's gate orders (LSTM i,o,f,c; GRU z,r,h),
 * W and R stacked per direction, B = [Wb, Rb], and for the GRU
 * linear_before_reset=1 (PyTorch's GRU applies the reset gate after the
 * recurrent matmul; 0 for a GRU built with linearBeforeReset false); an LSTM
 * with peepholes gets input P (p_i, p_o, p_f). ONNX's LSTM has no projection:
 * projSize > 0 is refused.
 * Browser-safe.
 */
import { ConfigError } from '../../errors.js';
import type { SavableModel } from '../../io/model-files.js';
import { LanguageModel } from '../../models/language-model.js';
import { SequenceRegressor } from '../../models/sequence-regressor.js';
import type { RecurrentBase } from '../../nn/recurrent/base.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ONNX_FROM_TORCH, gateFamily, reorderGates } from './gates.js';
import { FLOAT, INT64, type NodeProto, type TensorProto, attribute, floatTensor, int64Tensor, modelBytes, node, valueInfo } from './proto.js';

export const ONNX_OPSET = 14;

interface GraphParts {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

/** Appends the recurrent stack: x is (T,B,I) named `input`; returns the name of (T,B,D*H). */
function recurrentLayers(r: RecurrentBase, input: string, prefix: string, g: GraphParts): string {
  if (r.projSize > 0) throw new ConfigError('ONNX export: ONNX\'s LSTM operator has no projection (projSize); export a model without it, or use --format torch');
  const state = r.stateDict();
  const family = gateFamily(r.kind);
  const order = ONNX_FROM_TORCH[family];
  const G = order.length;
  const H = r.hiddenSize;
  const D = r.bidirectional ? 2 : 1;
  let x = input;
  for (let l = 0; l < r.numLayers; l++) {
    const dirs = D === 2 ? ['', '_reverse'] : [''];
    const get = (what: string, sfx: string): Tensor => state[`${what}_l${l}${sfx}`]!;
    const cat = (what: string): Float32Array => {
      const parts = dirs.map((s) => reorderGates(get(what, s).data, G, order));
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
      return out;
    };
    const inF = get('weight_ih', '').shape[1]!;
    const W = `${prefix}W_l${l}`;
    const R = `${prefix}R_l${l}`;
    g.initializers.push(floatTensor(W, [D, G * H, inF], cat('weight_ih')), floatTensor(R, [D, G * H, H], cat('weight_hh')));
    const inputs = [x, W, R];
    if (r.bias) {
      const B = `${prefix}B_l${l}`;
      const b = new Float32Array(D * 2 * G * H);
      dirs.forEach((s, d) => {
        b.set(reorderGates(get('bias_ih', s).data, G, order), d * 2 * G * H);
        b.set(reorderGates(get('bias_hh', s).data, G, order), d * 2 * G * H + G * H);
      });
      g.initializers.push(floatTensor(B, [D, 2 * G * H], b));
      inputs.push(B);
    }
    if (r.peepholes) {
      // P is input 7 (after B, sequence_lens, initial_h, initial_c), blocks p_i, p_o, p_f.
      const P = `${prefix}P_l${l}`;
      const p = new Float32Array(D * 3 * H);
      dirs.forEach((s, d) => p.set(reorderGates(get('weight_peephole', s).data, 3, [0, 2, 1]), d * 3 * H));
      g.initializers.push(floatTensor(P, [D, 3 * H], p));
      while (inputs.length < 7) inputs.push('');
      inputs.push(P);
    }
    const attrs = [attribute('hidden_size', H, 'int'), attribute('direction', D === 2 ? 'bidirectional' : 'forward', 'string')];
    if (family === 'GRU') attrs.push(attribute('linear_before_reset', r.linearBeforeReset ? 1 : 0, 'int'));
    if (family === 'RNN') attrs.push(attribute('activations', new Array<string>(D).fill(r.kind === 'RNN_RELU' ? 'Relu' : 'Tanh'), 'strings'));
    const y = `${prefix}Y_l${l}`;
    g.nodes.push(node(family, inputs, [y], `${prefix}${family.toLowerCase()}_l${l}`, attrs));
    // Y is (T, D, B, H) -> (T, B, D, H) -> (T, B, D*H)
    g.nodes.push(node('Transpose', [y], [`${y}_tbdh`], `${prefix}transpose_l${l}`, [attribute('perm', [0, 2, 1, 3], 'ints')]));
    g.nodes.push(node('Reshape', [`${y}_tbdh`, `${prefix}shape_tb_`], [`${y}_out`], `${prefix}reshape_l${l}`));
    x = `${y}_out`;
  }
  g.initializers.push(int64Tensor(`${prefix}shape_tb_`, [3], [0, 0, -1]));
  return x;
}

/** Serialises a model as an ONNX file's bytes. */
export function exportOnnx(model: SavableModel, options: { producer?: string } = {}): Uint8Array {
  const g: GraphParts = { nodes: [], initializers: [] };
  let inputs;
  let outputs;
  if (model instanceof LanguageModel) {
    const V = model.config.vocabSize;
    g.initializers.push(floatTensor('embedding.weight', [V, model.config.embeddingSize], model.embedding.weight.data));
    g.nodes.push(node('Gather', ['embedding.weight', 'tokens'], ['embedded'], 'embedding'));
    g.nodes.push(node('Transpose', ['embedded'], ['embedded_tb'], 'to_time_major', [attribute('perm', [1, 0, 2], 'ints')]));
    const y = recurrentLayers(model.rnn, 'embedded_tb', 'rnn.', g);
    g.nodes.push(node('Transpose', [y], ['rnn_out'], 'to_batch_major', [attribute('perm', [1, 0, 2], 'ints')]));
    const P = model.rnn.outputSize;
    const wT = new Float32Array(P * V);
    const head = model.linearHead('ONNX export');
    const w = head.weight.data;
    for (let v = 0; v < V; v++) for (let p = 0; p < P; p++) wT[p * V + v] = w[v * P + p]!;
    g.initializers.push(floatTensor('head.weight_T', [P, V], wT), floatTensor('head.bias', [V], head.bias!.data));
    g.nodes.push(node('MatMul', ['rnn_out', 'head.weight_T'], ['head_mm'], 'head_matmul'));
    g.nodes.push(node('Add', ['head_mm', 'head.bias'], ['logits'], 'head_bias'));
    inputs = [valueInfo('tokens', INT64, ['batch', 'time'])];
    outputs = [valueInfo('logits', FLOAT, ['batch', 'time', V])];
  } else if (model instanceof SequenceRegressor) {
    const c = model.config;
    g.nodes.push(node('Transpose', ['input'], ['input_tb'], 'to_time_major', [attribute('perm', [1, 0, 2], 'ints')]));
    const y = recurrentLayers(model.rnn, 'input_tb', 'rnn.', g);
    g.initializers.push(int64Tensor('last_step', [], [-1]));
    g.nodes.push(node('Gather', [y, 'last_step'], ['last'], 'last_step', [attribute('axis', 0, 'int')]));
    g.initializers.push(floatTensor('head.weight', [c.outputSize, model.rnn.outputSize], model.head.weight.data), floatTensor('head.bias', [c.outputSize], model.head.bias!.data));
    g.nodes.push(node('Gemm', ['last', 'head.weight', 'head.bias'], ['output'], 'head', [attribute('transB', 1, 'int')]));
    inputs = [valueInfo('input', FLOAT, ['batch', 'time', c.inputSize])];
    outputs = [valueInfo('output', FLOAT, ['batch', c.outputSize])];
  } else {
    const r = model;
    const dims = r.batchFirst ? ['batch', 'time'] : ['time', 'batch'];
    let x = 'input';
    if (r.batchFirst) {
      g.nodes.push(node('Transpose', ['input'], ['input_tb'], 'to_time_major', [attribute('perm', [1, 0, 2], 'ints')]));
      x = 'input_tb';
    }
    const y = recurrentLayers(r, x, '', g);
    g.nodes.push(r.batchFirst
      ? node('Transpose', [y], ['output'], 'to_batch_major', [attribute('perm', [1, 0, 2], 'ints')])
      : node('Identity', [y], ['output'], 'output'));
    inputs = [valueInfo('input', FLOAT, [...dims, r.inputSize])];
    outputs = [valueInfo('output', FLOAT, [...dims, r.outputSize])];
  }
  return modelBytes({
    producerName: options.producer ?? 'recurrent',
    producerVersion: '0.1.0',
    opset: ONNX_OPSET,
    graph: { name: model.constructor.name, node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
  });
}
