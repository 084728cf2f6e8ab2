/**
 * A model as files, without touching a file system (browser-safe): a JSON
 * config that says how to rebuild it and safetensors weights with PyTorch
 * names. `io/fs.ts` writes and reads these atomically on Node.
 */
import { ConfigError, FormatError, NonFiniteError, ShapeError } from '../errors.js';
import { EsRnn, type EsRnnConfig } from '../models/es-rnn.js';
import { LanguageModel } from '../models/language-model.js';
import { Seq2Seq } from '../models/seq2seq.js';
import { CaptionModel } from '../models/captioner.js';
import { SequenceClassifier } from '../models/sequence-classifier.js';
import { SequenceRegressor } from '../models/sequence-regressor.js';
import { SequenceTagger } from '../models/sequence-tagger.js';
import type { Module } from '../nn/module.js';
import { withParameterBudget } from '../nn/parameter.js';
import { RecurrentBase } from '../nn/recurrent/base.js';
import { type GRUOptions, type LSTMOptions, createRecurrent } from '../nn/recurrent/modules.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';

/** The format marker and version written into every config.json. */
export const MODEL_FORMAT = 'recurrent-model';
/** The version of the model-folder format this library writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/** Any value JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What config.json holds. */
export interface ModelConfigFile {
  format: typeof MODEL_FORMAT;
  version: number;
  /** which registered type to rebuild (modelTypes(): 'LanguageModel', 'SequenceRegressor', 'SequenceClassifier', 'SequenceTagger', 'Seq2Seq', 'EsRnn', 'LSTM', 'GRU', 'RNN') */
  type: string;
  config: { [key: string]: JsonValue };
  /** anything the application keeps with the model (vocabulary, history, ...) */
  extra?: { [key: string]: JsonValue };
}

/** A model that can be saved: LanguageModel, SequenceRegressor or a recurrent module. */
export type SavableModel = LanguageModel | SequenceRegressor | RecurrentBase;

/** A model folder in memory: config.json's object and model.safetensors' bytes. */
export interface ModelFiles {
  config: ModelConfigFile;
  weights: Uint8Array;
}

/**
 * A kind of network a model folder can hold: how config.json names and
 * configures it, and how it is rebuilt (tfjs' getConfig / fromConfig with
 * registerClass). Every folder of every task goes through this one envelope.
 */
export interface ModelType<M extends Module = Module> {
  /** config.json's `type` */
  readonly type: string;
  /** true for the instances this entry describes */
  owns(model: Module): model is M;
  /** the JSON that rebuilds the model */
  getConfig(model: M): { [key: string]: JsonValue };
  /** rebuilds it (untrained) from that JSON */
  fromConfig(config: { [key: string]: JsonValue }): M;
}

const registry: ModelType[] = [];

/** Adds (or replaces) a model type, so modelToFiles and loadModel know it. */
export function registerModelType<M extends Module>(t: ModelType<M>): void {
  const at = registry.findIndex((r) => r.type === t.type);
  if (at >= 0) registry.splice(at, 1);
  registry.unshift(t as unknown as ModelType);
}

/** The registered types' names. */
export function modelTypes(): string[] {
  return registry.map((r) => r.type);
}

type Json = { [key: string]: JsonValue };
const plain = <C extends object>(c: C): Json => ({ ...c }) as unknown as Json;

/** A model class whose whole configuration is its `config` field (the models in src/models). */
function configured<M extends Module & { config: object }>(type: string, cls: new (config: never) => M): ModelType<M> {
  return {
    type,
    owns: (m): m is M => m instanceof cls,
    getConfig: (m) => plain(m.config),
    fromConfig: (c) => new cls(c as never),
  };
}

/** LSTM, GRU and RNN modules ('RNN' covers both nonlinearities: `mode` says which). */
function recurrentType(type: 'LSTM' | 'GRU' | 'RNN'): ModelType<RecurrentBase> {
  return {
    type,
    owns: (m): m is RecurrentBase => m instanceof RecurrentBase && (m.kind.startsWith('RNN') ? 'RNN' : m.kind) === type,
    getConfig: (r) => ({
      inputSize: r.inputSize, hiddenSize: r.hiddenSize, numLayers: r.numLayers, bias: r.bias,
      batchFirst: r.batchFirst, dropout: r.dropout, bidirectional: r.bidirectional, projSize: r.projSize, mode: r.kind,
      // The variants beyond PyTorch's only when used, so PyTorch-shaped configs stay as they were.
      ...(r.peepholes ? { peepholes: true } : {}), ...(!r.linearBeforeReset ? { linearBeforeReset: false } : {}),
    }),
    fromConfig: (c) => {
      const { mode, ...options } = c as unknown as LSTMOptions & GRUOptions & { mode: string };
      return createRecurrent(mode, options);
    },
  };
}

for (const t of [
  recurrentType('RNN'), recurrentType('GRU'), recurrentType('LSTM'),
  configured('Seq2Seq', Seq2Seq), configured('SequenceClassifier', SequenceClassifier),
  configured('SequenceRegressor', SequenceRegressor), configured('LanguageModel', LanguageModel), configured('SequenceTagger', SequenceTagger), configured('CaptionModel', CaptionModel),
  {
    type: 'EsRnn', owns: (m): m is EsRnn => m instanceof EsRnn,
    getConfig: (m: EsRnn) => plain(m.config), fromConfig: (c: Json) => EsRnn.fromConfig(c as unknown as EsRnnConfig),
  },
] as ModelType[]) registerModelType(t);

function typeOf(model: Module): ModelType {
  const t = registry.find((r) => r.owns(model));
  if (!t) throw new ConfigError(`${model.constructor.name} is not a registered model type (${modelTypes().join(', ')}); registerModelType adds one`);
  return t;
}

/** config.json for a model: the format, its type and configuration, and what the application keeps with it. */
export function modelEnvelope(model: Module, extra?: { [key: string]: JsonValue }): ModelConfigFile {
  const t = typeOf(model);
  return { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, type: t.type, config: t.getConfig(model), ...(extra ? { extra } : {}) };
}

/**
 * Checks a folder's config.json for a task's loader: the envelope, the
 * network type and `extra.task`; returns the config and its extra.
 */
export function checkTaskConfig(value: unknown, source: string, type: string, task: string, what: string): { config: ModelConfigFile; extra: Record<string, unknown> } {
  const cfg = checkConfig(value, source);
  const extra = (cfg.extra ?? {}) as Record<string, unknown>;
  if (cfg.type !== type || extra.task !== task) {
    throw new FormatError(`${source}: not ${what} (type '${cfg.type}', task '${String(extra.task)}'; expected type '${type}', task '${task}')`);
  }
  return { config: cfg, extra };
}

/** The first tensor holding NaN or infinite values: its name, how many, and of how many; null if every value is finite. */
function firstNonFinite(state: Record<string, { data: Float32Array }>): { name: string; bad: number; total: number } | null {
  for (const [name, t] of Object.entries(state)) {
    let bad = 0;
    for (const v of t.data) if (!Number.isFinite(v)) bad++;
    if (bad > 0) return { name, bad, total: t.data.length };
  }
  return null;
}

/** Throws NonFiniteError (nothing written) if any weight is NaN or infinite. */
export function assertFiniteWeights(state: Record<string, { data: Float32Array }>, what: string): void {
  const b = firstNonFinite(state);
  if (b) throw new NonFiniteError(`${what}: not written: '${b.name}' has ${b.bad} of ${b.total} values NaN or infinite (the last good model is kept)`);
}

/** A model's weights as safetensors bytes with PyTorch names; refuses (NonFiniteError) NaN or infinite weights. */
export function weightsToBytes(state: Record<string, Tensor>, what = 'the model'): Uint8Array {
  assertFiniteWeights(state, what);
  return serializeSafetensors(state, { format: 'pt' });
}

/** The config and weight bytes of a model of a registered type; `what` names it in an error. */
export function modelToFiles(model: Module, extra?: { [key: string]: JsonValue }, what?: string): ModelFiles {
  return { config: modelEnvelope(model, extra), weights: weightsToBytes(model.stateDict(), what) };
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

/**
 * Loads safetensors bytes (PyTorch names) into a module's parameters, strictly:
 * every name must match, and every value must be finite (a file with NaN or
 * infinite weights, which this library never writes, is refused, naming the
 * tensor, rather than generating, exporting or serving garbage).
 */
export function loadWeights(module: Module, bytes: Uint8Array, source: string): void {
  const st = parseSafetensors(bytes, source);
  const state = Object.fromEntries(st.names().map((n) => [n, st.float32(n)]));
  const b = firstNonFinite(state);
  if (b) throw new FormatError(`${source}: tensor '${b.name}' has ${b.bad} of ${b.total} values NaN or infinite: not a model that can run (this library never writes one)`);
  try {
    module.loadStateDict(state);
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
  try {
    return withParameterBudget(values + PARAMETER_SLACK, source, build);
  } catch (e) {
    // A constructor's complaint about its settings (hiddenSize 16.5) names the file the settings came from.
    if (e instanceof ConfigError && !e.message.startsWith(source)) throw new ConfigError(`${source}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** A network any model folder may hold. */
export type LoadedModel = SavableModel | SequenceClassifier | Seq2Seq | EsRnn | CaptionModel;

/** A model read back: the network, and what was saved with it (`saveModel`'s `extra`; `{}` if nothing). */
export interface ModelWithExtra<M extends Module = LoadedModel> {
  /** the network, in evaluation mode */
  model: M;
  /** the JSON saved beside the network (a vocabulary, a task's settings) */
  extra: { [key: string]: JsonValue };
}

/**
 * Rebuilds the network of any model folder (every registered type: the text,
 * forecasting, classification, translation and speech tasks' networks, plain
 * recurrent modules, and the types an application registers) from its config
 * and weights, with the `extra` saved beside it; outputs are bit-identical to
 * the saved model's. `M` names the type you know the folder holds (your own
 * registered class, say): `modelFromFiles<MyTagger>(files).model`.
 */
export function modelFromFiles<M extends Module = LoadedModel>(files: ModelFiles, source = 'model'): ModelWithExtra<M> {
  const cfg = checkConfig(files.config, `${source}/config.json`);
  const t = registry.find((r) => r.type === cfg.type);
  if (!t) throw new ConfigError(`${source}/config.json: unknown model type '${cfg.type}' (known: ${modelTypes().join(', ')})`);
  const model = buildForWeights(files.weights, `${source}/config.json`, () => t.fromConfig(cfg.config));
  loadWeights(model, files.weights, `${source}/model.safetensors`);
  const extra = cfg.extra && typeof cfg.extra === 'object' && !Array.isArray(cfg.extra) ? cfg.extra : {};
  return { model: model.eval() as M, extra };
}
