/**
 * A model as files, without touching a file system (browser-safe): a JSON
 * config that says how to rebuild it and safetensors weights with PyTorch
 * names. `io/fs.ts` writes and reads these atomically on Node.
 */
import { ConfigError, FormatError, NonFiniteError, ShapeError } from '../errors.js';
import { LanguageModel, type LanguageModelConfig } from '../models/language-model.js';
import { SequenceRegressor, type SequenceRegressorConfig } from '../models/sequence-regressor.js';
import type { Module } from '../nn/module.js';
import { withParameterBudget } from '../nn/parameter.js';
import type { RecurrentBase } from '../nn/recurrent/base.js';
import { type LSTMOptions, createRecurrent } from '../nn/recurrent/modules.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';

/** The format marker and version written into every config.json. */
export const MODEL_FORMAT = 'recurrent-model';
export const MODEL_FORMAT_VERSION = 1;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What config.json holds. */
export interface ModelConfigFile {
  format: typeof MODEL_FORMAT;
  version: number;
  /** which class to rebuild: 'LanguageModel', 'SequenceRegressor', 'LSTM', 'GRU', 'RNN' */
  type: string;
  config: { [key: string]: JsonValue };
  /** anything the application keeps with the model (vocabulary, history, ...) */
  extra?: { [key: string]: JsonValue };
}

/** A model that can be saved: LanguageModel, SequenceRegressor or a recurrent module. */
export type SavableModel = LanguageModel | SequenceRegressor | RecurrentBase;

export interface ModelFiles {
  config: ModelConfigFile;
  weights: Uint8Array;
}

function describe(model: SavableModel): Pick<ModelConfigFile, 'type' | 'config'> {
  if (model instanceof LanguageModel) return { type: 'LanguageModel', config: { ...model.config } };
  if (model instanceof SequenceRegressor) return { type: 'SequenceRegressor', config: { ...model.config } };
  const r = model;
  return {
    type: r.kind.startsWith('RNN') ? 'RNN' : r.kind,
    config: {
      inputSize: r.inputSize, hiddenSize: r.hiddenSize, numLayers: r.numLayers, bias: r.bias,
      batchFirst: r.batchFirst, dropout: r.dropout, bidirectional: r.bidirectional, projSize: r.projSize,
      mode: r.kind,
    },
  };
}

/** Throws NonFiniteError (nothing written) if any weight is NaN or infinite. */
export function assertFiniteWeights(state: Record<string, { data: Float32Array }>, what: string): void {
  for (const [name, t] of Object.entries(state)) {
    let bad = 0;
    for (const v of t.data) if (!Number.isFinite(v)) bad++;
    if (bad > 0) throw new NonFiniteError(`${what}: not written: '${name}' has ${bad} of ${t.data.length} values NaN or infinite (the last good model is kept)`);
  }
}

/** A model's weights as safetensors bytes with PyTorch names; refuses (NonFiniteError) NaN or infinite weights. */
export function weightsToBytes(state: Record<string, Tensor>, what = 'the model'): Uint8Array {
  assertFiniteWeights(state, what);
  return serializeSafetensors(state, { format: 'pt' });
}

/** The config and weight bytes of a model. */
export function modelToFiles(model: SavableModel, extra?: { [key: string]: JsonValue }): ModelFiles {
  const config: ModelConfigFile = { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, ...describe(model), ...(extra ? { extra } : {}) };
  return { config, weights: weightsToBytes(model.stateDict()) };
}

/** Checks a parsed config.json and returns it typed. */
export function checkConfig(value: unknown, source = 'config.json'): ModelConfigFile {
  if (typeof value !== 'object' || value === null) throw new FormatError(`${source}: expected a JSON object`);
  const c = value as Partial<ModelConfigFile>;
  if (c.format !== MODEL_FORMAT) throw new FormatError(`${source}: not a recurrent model (format is ${JSON.stringify(c.format)}, expected '${MODEL_FORMAT}')`);
  if (c.version !== MODEL_FORMAT_VERSION) {
    throw new FormatError(`${source}: model format version ${JSON.stringify(c.version)} is not supported by this version of recurrent (it reads version ${MODEL_FORMAT_VERSION})`);
  }
  if (typeof c.type !== 'string' || typeof c.config !== 'object' || c.config === null) throw new FormatError(`${source}: 'type' and 'config' are required`);
  return c as ModelConfigFile;
}

/** Loads safetensors bytes (PyTorch names) into a module's parameters, strictly: every name must match. */
export function loadWeights(module: Module, bytes: Uint8Array, source: string): void {
  const st = parseSafetensors(bytes, source);
  try {
    module.loadStateDict(Object.fromEntries(st.names().map((n) => [n, st.float32(n)])));
  } catch (e) {
    // Name the file: "keys do not match" alone does not say which of a folder's files is wrong.
    if (e instanceof ShapeError) throw new FormatError(`${source}: ${e.message}`);
    throw e;
  }
}

/** Parameter values a rebuilt model may have beyond its weights file's (so a missing tensor is named by loadWeights). */
const PARAMETER_SLACK = 1 << 20;

/**
 * Runs `build` (a model's constructor from a config) allowing its parameters
 * no more values than the safetensors `weights` hold (parsed first, so a
 * damaged file is named as such): a config that claims more is refused before
 * anything is allocated.
 */
export function buildForWeights<T>(weights: Uint8Array, source: string, build: () => T, weightsSource = source.replace(/config\.json$/, 'model.safetensors')): T {
  // A damaged weights file is reported as such, before the config is weighed against it.
  const st = parseSafetensors(weights, weightsSource);
  let values = 0;
  for (const t of st.tensors.values()) values += t.shape.reduce((a, b) => a * b, 1);
  // Some slack (4 MB of parameters), so a file that lacks a tensor or two is told which (loadWeights).
  return withParameterBudget(values + PARAMETER_SLACK, source, build);
}

/** Rebuilds a model from its config and weights; outputs are bit-identical to the saved model's. */
export function modelFromFiles(files: ModelFiles, source = 'model'): SavableModel {
  const cfg = checkConfig(files.config, `${source}/config.json`);
  const model = buildForWeights(files.weights, `${source}/config.json`, (): SavableModel => {
    if (cfg.type === 'LanguageModel') return new LanguageModel(cfg.config as unknown as LanguageModelConfig);
    if (cfg.type === 'SequenceRegressor') return new SequenceRegressor(cfg.config as unknown as SequenceRegressorConfig);
    if (cfg.type === 'LSTM' || cfg.type === 'GRU' || cfg.type === 'RNN') {
      const { mode, ...options } = cfg.config as unknown as LSTMOptions & { mode: string };
      return createRecurrent(mode, options);
    }
    throw new ConfigError(`${source}/config.json: the model type '${cfg.type}' is not one loadModel rebuilds (LanguageModel, SequenceRegressor, LSTM, GRU, RNN); load it with its task's loader`);
  });
  loadWeights(model, files.weights, `${source}/model.safetensors`);
  return model.eval();
}
