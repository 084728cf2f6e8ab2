/**
 * Runs PyTorch reference fixtures (format: shared/fixtures/README.md) through
 * the library. Kind `rnn`: one recurrent module, forward and backward. Kind
 * `train`: a few optimiser steps of Embedding -> recurrent -> Linear. Kind
 * `adaptive_softmax` (test/fixtures/torch-extra, made by
 * scripts/make-fixtures.py): torch.nn.AdaptiveLogSoftmaxWithLoss, forward,
 * log_prob, predict and the loss's gradients. Kind `ctc` (../shared/fixtures/
 * torch-ctc): torch.nn.functional.ctc_loss on log_softmax(logits), the loss
 * and its gradient with respect to the logits. Kind `conv2d` (../shared/fixtures/
 * torch-conv): Conv2d, then ReLU and max_pool2d when the metadata asks, forward
 * and the gradients of the input, weight and bias.
 */
import { FormatError } from '../errors.js';
import { noGrad } from '../nn/grad-mode.js';
import { parseSafetensors, type SafetensorsFile } from '../io/safetensors.js';
import { CTC_REDUCTIONS, type CtcReduction, ctcLoss } from '../losses/ctc.js';
import { crossEntropy } from '../losses/losses.js';
import { LanguageModel } from '../models/language-model.js';
import { AdaptiveLogSoftmaxWithLoss } from '../nn/adaptive-softmax.js';
import { Conv2d, MaxPool2d, ReLU, type Size2d } from '../nn/conv.js';
import { Sequential } from '../nn/layers.js';
import type { StateDict } from '../nn/module.js';
import type { CellKind } from '../kernels/types.js';
import type { RecurrentOutput } from '../nn/recurrent/base.js';
import { createRecurrent } from '../nn/recurrent/modules.js';
import { createOptimizer, optimizerOptionsFromTorch } from '../optim/optimizers.js';
import { Tensor } from '../tensor/tensor.js';
import { Trainer } from '../train/trainer.js';
import { type Comparison, compareArrays } from './compare.js';

/** What one PyTorch fixture gave: each output and gradient compared, or the error that stopped it. */
export interface FixtureResult {
  name: string;
  kind: string;
  pass: boolean;
  comparisons: Comparison[];
  /** set when the fixture could not be run at all */
  error?: string;
}

const MODES: readonly CellKind[] = ['LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'];

/** The fixture kinds this runner knows (a folder of other kinds is not this runner's to judge). */
export const FIXTURE_KINDS = ['rnn', 'train', 'adaptive_softmax', 'ctc', 'conv2d'] as const;

/** A fixture's kind from its metadata, or null when the file or its metadata cannot be read. */
export function fixtureKind(bytes: Uint8Array): string | null {
  try {
    return String(readMetadata(parseSafetensors(bytes)).kind);
  } catch {
    return null;
  }
}

/** Runs one fixture from its bytes; never throws for a bad fixture, it reports it. */
export function runFixture(name: string, bytes: Uint8Array): FixtureResult {
  let kind = '?';
  try {
    const file = parseSafetensors(bytes, name);
    const meta = readMetadata(file);
    kind = String(meta.kind);
    let comparisons: Comparison[];
    if (kind === 'rnn') comparisons = runRnnFixture(file, meta);
    else if (kind === 'train') comparisons = runTrainFixture(file, meta);
    else if (kind === 'adaptive_softmax') comparisons = runAdaptiveFixture(file, meta);
    else if (kind === 'ctc') comparisons = runCtcFixture(file, meta);
    else if (kind === 'conv2d') comparisons = runConvFixture(file, meta);
    else throw new FormatError(`unknown fixture kind ${JSON.stringify(meta.kind)}, expected ${FIXTURE_KINDS.map((k) => `'${k}'`).join(', ')}`);
    return { name, kind, pass: comparisons.every((c) => c.pass), comparisons };
  } catch (e) {
    return { name, kind, pass: false, comparisons: [], error: (e as Error).message };
  }
}

type Meta = Record<string, unknown>;

function readMetadata(file: SafetensorsFile): Meta {
  const raw = file.metadata.fixture;
  if (raw === undefined) throw new FormatError('__metadata__.fixture is missing');
  try {
    const meta = JSON.parse(raw) as unknown;
    if (typeof meta !== 'object' || meta === null) throw new Error('not an object');
    return meta as Meta;
  } catch (e) {
    throw new FormatError(`__metadata__.fixture is not a JSON object: ${(e as Error).message}`);
  }
}

function int(meta: Meta, key: string, fallback?: number): number {
  const v = meta[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new FormatError(`metadata '${key}' must be an integer, got ${JSON.stringify(meta[key])}`);
  return v;
}

function bool(meta: Meta, key: string, fallback: boolean): boolean {
  const v = meta[key] ?? fallback;
  if (typeof v !== 'boolean') throw new FormatError(`metadata '${key}' must be true or false, got ${JSON.stringify(meta[key])}`);
  return v;
}

function mode(meta: Meta): CellKind {
  const m = meta.mode;
  if (!MODES.includes(m as CellKind)) throw new FormatError(`unknown mode ${JSON.stringify(m)}, expected one of ${MODES.join(', ')}`);
  return m as CellKind;
}

function compare(name: string, got: Tensor | null, file: SafetensorsFile, key: string): Comparison {
  if (!got) return { name, maxError: Infinity, pass: false, problem: 'not produced' };
  const want = file.float32(key);
  if (want.shape.join() !== got.shape.join()) {
    return { name, maxError: Infinity, pass: false, problem: `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]` };
  }
  return compareArrays(name, got.data, want.data);
}

/**
 * The tensors a kind's format (shared/fixtures/README.md) says a fixture
 * holds: a fixture missing any is refused, naming them all, rather than
 * checked in part.
 */
function requireTensors(file: SafetensorsFile, kind: string, names: string[]): void {
  const missing = names.filter((n) => !file.has(n));
  if (missing.length) throw new FormatError(`kind '${kind}' needs tensor${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}, which the fixture does not have`);
}

function numbers(meta: Meta, key: string): number[] {
  const v = meta[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new FormatError(`metadata '${key}' must be a list of numbers, got ${JSON.stringify(v)}`);
  return v as number[];
}

function runCtcFixture(file: SafetensorsFile, meta: Meta): Comparison[] {
  const reduction = meta.reduction ?? 'mean';
  if (!CTC_REDUCTIONS.includes(reduction as CtcReduction)) throw new FormatError(`metadata 'reduction' must be one of ${CTC_REDUCTIONS.join(', ')}, got ${JSON.stringify(meta.reduction)}`);
  const none = reduction === 'none';
  requireTensors(file, 'ctc', ['logits', 'targets', 'input_lengths', 'target_lengths', 'loss', 'grad.logits', ...(none ? ['grad_loss'] : [])]);
  const logits = file.float32('logits');
  const targetLengths = file.integers('target_lengths');
  const N = logits.shape[1] ?? 0;
  // Targets (N,S) padded, as the format says; PyTorch's other layout, all targets concatenated (sum of lengths), is read too.
  let targets = file.integers('targets');
  if (file.shape('targets').length === 1) {
    const S = Math.max(0, ...targetLengths);
    const padded = new Int32Array(N * S);
    let at = 0;
    for (let n = 0; n < N; n++) {
      padded.set(targets.subarray(at, at + targetLengths[n]!), n * S);
      at += targetLengths[n]!;
    }
    targets = padded;
  }
  const r = ctcLoss(logits, targets, file.integers('input_lengths'), targetLengths, {
    blank: int(meta, 'blank', 0), reduction: reduction as CtcReduction, zeroInfinity: bool(meta, 'zero_infinity', false),
    gradLoss: none ? file.float32('grad_loss').data : null,
  });
  return [
    compareArrays('loss', none ? Float32Array.from(r.losses) : Float32Array.of(r.loss), file.float32('loss').data),
    compare('grad.logits', r.grad, file, 'grad.logits'),
  ];
}

/** A size in the metadata: an integer or [h, w] (PyTorch accepts both). */
function size2d(meta: Meta, key: string, fallback?: Size2d): Size2d {
  const v = meta[key] ?? fallback;
  const ok = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x);
  if (ok(v)) return v as number;
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[1]] as [number, number];
  throw new FormatError(`metadata '${key}' must be an integer or [h, w], got ${JSON.stringify(meta[key])}`);
}

function runConvFixture(file: SafetensorsFile, meta: Meta): Comparison[] {
  const hasBias = bool(meta, 'bias', true);
  requireTensors(file, 'conv2d', ['weight', 'input', 'output', 'grad_output', 'grad.input', 'grad.weight', ...(hasBias ? ['bias', 'grad.bias'] : [])]);
  const conv = new Conv2d({
    inChannels: int(meta, 'in_channels'), outChannels: int(meta, 'out_channels'), kernelSize: size2d(meta, 'kernel_size'),
    stride: size2d(meta, 'stride', 1), padding: size2d(meta, 'padding', 0), dilation: size2d(meta, 'dilation', 1), bias: hasBias,
  });
  conv.loadStateDict(hasBias ? { weight: file.float32('weight'), bias: file.float32('bias') } : { weight: file.float32('weight') });
  const layers: Array<Conv2d | ReLU | MaxPool2d> = [conv];
  if (bool(meta, 'relu', false)) layers.push(new ReLU());
  const pool = meta.pool;
  if (pool !== null && pool !== undefined) {
    if (typeof pool !== 'object') throw new FormatError(`metadata 'pool' must be null or {kernel_size, stride, padding}, got ${JSON.stringify(pool)}`);
    const p = pool as Meta;
    const kernelSize = size2d(p, 'kernel_size');
    layers.push(new MaxPool2d({ kernelSize, stride: size2d(p, 'stride', kernelSize), padding: size2d(p, 'padding', 0), dilation: size2d(p, 'dilation', 1) }));
  }
  const net = new Sequential(...layers);
  const y = net.forward(file.float32('input'));
  const dx = net.backward(file.float32('grad_output'));
  const results = [compare('output', y, file, 'output'), compare('grad.input', dx, file, 'grad.input'), compareArrays('grad.weight', conv.weight.grad, file.float32('grad.weight').data)];
  if (conv.bias) results.push(compareArrays('grad.bias', conv.bias.grad, file.float32('grad.bias').data));
  return results;
}

function runAdaptiveFixture(file: SafetensorsFile, meta: Meta): Comparison[] {
  const divValue = meta.div_value ?? 4;
  if (typeof divValue !== 'number') throw new FormatError(`metadata 'div_value' must be a number, got ${JSON.stringify(meta.div_value)}`);
  const m = new AdaptiveLogSoftmaxWithLoss({
    inFeatures: int(meta, 'in_features'), nClasses: int(meta, 'n_classes'), cutoffs: numbers(meta, 'cutoffs'), divValue, headBias: bool(meta, 'head_bias', false),
  });
  const names = m.namedParameters().map(([n]) => n);
  requireTensors(file, 'adaptive_softmax', ['input', 'target', 'output', 'loss', 'log_prob', 'predict', 'grad.input', ...names, ...names.map((n) => `grad.${n}`)]);
  const params: StateDict = {};
  for (const n of names) params[n] = file.float32(n);
  m.loadStateDict(params);
  const x = file.float32('input');
  const { output, loss } = m.forward(x, file.integers('target'));
  const dx = m.backward();
  const predict = m.predict(x);
  const results = [
    compare('output', new Tensor(output, [output.length]), file, 'output'),
    compareArrays('loss', Float32Array.of(loss), file.float32('loss').data),
    compare('log_prob', m.logProb(x), file, 'log_prob'),
    compareArrays('predict', Float32Array.from(predict), Float32Array.from(file.integers('predict'))),
    compare('grad.input', dx, file, 'grad.input'),
  ];
  for (const [n, p] of m.namedParameters()) results.push(compareArrays(`grad.${n}`, p.grad, file.float32(`grad.${n}`).data));
  return results;
}

function runRnnFixture(file: SafetensorsFile, meta: Meta): Comparison[] {
  const m = mode(meta);
  const lstm = m === 'LSTM';
  const rnn = createRecurrent(m, {
    inputSize: int(meta, 'input_size'),
    hiddenSize: int(meta, 'hidden_size'),
    numLayers: int(meta, 'num_layers', 1),
    bias: bool(meta, 'bias', true),
    batchFirst: bool(meta, 'batch_first', false),
    bidirectional: bool(meta, 'bidirectional', false),
    projSize: lstm ? int(meta, 'proj_size', 0) : 0,
  });
  const packed = bool(meta, 'packed', false);
  const paramNames = rnn.namedParameters().map(([n]) => n);
  const lstmOnly = (names: string[]): string[] => (lstm ? names : []);
  requireTensors(file, 'rnn', [
    ...paramNames, 'input', 'h0', ...lstmOnly(['c0']), ...(packed ? ['lengths'] : []), 'output', 'h_n', ...lstmOnly(['c_n']),
    'grad_output', 'grad_h_n', ...lstmOnly(['grad_c_n']), 'grad.input', 'grad.h0', ...lstmOnly(['grad.c0']), ...paramNames.map((n) => `grad.${n}`),
  ]);
  const params: StateDict = {};
  for (const n of paramNames) params[n] = file.float32(n);
  rnn.loadStateDict(params);
  const h0 = file.float32('h0');
  const c0 = lstm ? file.float32('c0') : null;
  const input = file.float32('input');
  const lengths = packed ? file.integers('lengths') : null;
  // pad_packed_sequence returns max(lengths) steps; the module returns all T (zero past each length).
  const timeAxis = rnn.batchFirst ? 1 : 0;
  const T = input.shape[timeAxis]!;
  const wantT = file.shape('output')[timeAxis] ?? T;
  const steps = packed && wantT < T ? wantT : T;
  const outputs = (r: RecurrentOutput, label: string): Comparison[] => [
    compare(`output${label}`, resizeTime(r.output, timeAxis, steps), file, 'output'),
    compare(`h_n${label}`, r.hN, file, 'h_n'),
    ...(lstm ? [compare(`c_n${label}`, r.cN, file, 'c_n')] : []),
  ];
  // The inference path first (no recording: the kernels' packed-weight and split-by-units paths), then training's.
  const results = outputs(noGrad(() => rnn.forward(input, { h0, c0, lengths })), ' (inference)');
  results.push(...outputs(rnn.forward(input, { h0, c0, lengths }), ''));
  const g = rnn.backward({
    gradOutput: resizeTime(file.float32('grad_output'), timeAxis, T),
    gradHN: file.float32('grad_h_n'),
    gradCN: lstm ? file.float32('grad_c_n') : null,
  });
  results.push(compare('grad.input', g.gradInput, file, 'grad.input'), compare('grad.h0', g.gradH0, file, 'grad.h0'));
  if (lstm) results.push(compare('grad.c0', g.gradC0, file, 'grad.c0'));
  for (const [n, p] of rnn.namedParameters()) {
    results.push(compareArrays(`grad.${n}`, p.grad, file.float32(`grad.${n}`).data));
  }
  return results;
}

/** Cuts or zero-pads axis `axis` (0 or 1) of a rank-3 tensor to `n` steps. */
function resizeTime(t: Tensor, axis: number, n: number): Tensor {
  const shape = [...t.shape];
  const have = shape[axis]!;
  if (have === n) return t;
  const [a, , c] = shape as [number, number, number];
  const outShape = [...shape];
  outShape[axis] = n;
  const out = new Float32Array(outShape.reduce((x, y) => x * y, 1));
  const keep = Math.min(have, n);
  if (axis === 0) {
    out.set(t.data.subarray(0, keep * shape[1]! * c));
  } else {
    for (let i = 0; i < a; i++) out.set(t.data.subarray(i * have * c, (i * have + keep) * c), i * n * c);
  }
  return new Tensor(out, outShape);
}

function runTrainFixture(file: SafetensorsFile, meta: Meta): Comparison[] {
  const m = mode(meta);
  // batch_first only changes the layout PyTorch was fed; inputs are stored [B,T] either way.
  const model = new LanguageModel({
    vocabSize: int(meta, 'vocab_size'),
    embeddingSize: int(meta, 'embedding_size'),
    hiddenSize: int(meta, 'hidden_size'),
    numLayers: int(meta, 'num_layers', 1),
    mode: m,
    projSize: m === 'LSTM' ? int(meta, 'proj_size', 0) : 0,
  });
  const names = model.namedParameters().map(([n]) => n);
  requireTensors(file, 'train', ['inputs', 'targets', 'losses', 'grad_norms', ...names.map((n) => `initial.${n}`), ...names.map((n) => `final.${n}`)]);
  const initial: StateDict = {};
  for (const n of names) initial[n] = file.float32(`initial.${n}`);
  model.loadStateDict(initial);

  const opt = meta.optimizer;
  if (typeof opt !== 'object' || opt === null || typeof (opt as Meta).name !== 'string') {
    throw new FormatError(`metadata 'optimizer' must be an object with a name, got ${JSON.stringify(opt)}`);
  }
  const optimizer = createOptimizer((opt as Meta).name as string, model.parameters(), optimizerOptionsFromTorch(opt as Meta));
  const clip = meta.clip_grad_norm;
  let maxNorm: number | null = null;
  if (clip !== null && clip !== undefined) {
    const v = (clip as Meta).max_norm;
    if (typeof v !== 'number') throw new FormatError(`metadata 'clip_grad_norm' must be {max_norm} or null, got ${JSON.stringify(clip)}`);
    maxNorm = v;
  }
  const trainer = new Trainer(model, optimizer, { clipNorm: maxNorm });
  const steps = int(meta, 'steps');
  const inputs = { data: file.integers('inputs'), shape: file.shape('inputs') };
  const targets = file.integers('targets');
  const losses: number[] = [];
  const norms: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = trainer.step(() => {
      const { logits } = model.forward(inputs);
      const { loss, grad } = crossEntropy(logits, targets);
      model.backward(grad);
      return loss;
    });
    losses.push(r.loss);
    norms.push(maxNorm !== null ? r.gradNorm : 0);
  }
  const results = [compareArrays('losses', losses, file.float32('losses').data), compareArrays('grad_norms', norms, file.float32('grad_norms').data)];
  for (const [n, p] of model.namedParameters()) results.push(compareArrays(`final.${n}`, p.data, file.float32(`final.${n}`).data));
  return results;
}

/** One line per fixture: name, the largest error per compared tensor, PASS or FAIL. */
export function formatResult(r: FixtureResult): string {
  const head = `${r.pass ? 'PASS' : 'FAIL'} ${r.name} (${r.kind})`;
  if (r.error) return `${head}: cannot run: ${r.error}`;
  const parts = r.comparisons.map((c) => `${c.name}=${c.problem ? c.problem : c.maxError.toExponential(2)}${c.pass ? '' : '!'}`);
  return `${head} max|err|: ${parts.join(' ')}`;
}
