/**
 * Model folders as HTTP endpoints: each folder is read once at start-up, by
 * the loader of its task (config.json's extra.task), into one operation with
 * the JSON schema of its request and a function that answers it. Text
 * generation is the exception in shape: it streams (see server.ts), so it is
 * served through a GenerationLoop rather than an `answer` function.
 */
import { basename } from 'node:path';
import {
  type ClassifierEnsemble, Captioner, Forecaster, GenerationBatch, type JsonValue, type Series, type TextGenerator, Transcriber, Translator, parseTable, parseWav, pairTokens,
} from 'recurrent-nn';
import { loadForecastModel, loadTextModel, readModelFiles } from 'recurrent-nn/node';
import { loadClassifierFolder, loadSpeechFolder } from '../classify-speech-commands.js';
import { UsageError } from '../errors.js';
import { decodeImage } from '../images.js';
import { type DataSpec, seriesFromTable } from '../series-input.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import { GenerationLoop } from './generation-loop.js';

/** A JSON schema (the subset the routes use); fastify validates request bodies with it. */
export type Schema = { [key: string]: JsonValue };

/** What limits a served model's requests and how they are batched. */
export interface ServeLimits {
  /** most tokens one generation request may ask for */
  maxLength: number;
  /** most texts in one classification request */
  maxTexts: number;
  /** dynamic batching (maxItems 1: off) */
  batching: BatcherOptions;
}

/** What bounds one request's work: its deadline (performance.now() ms), and a signal aborted at the deadline or when its client goes away. */
export interface RequestLimits {
  deadline: number;
  signal: AbortSignal;
}

/** Thrown when a request's work ran past its time limit (the server answers 504). */
export class WorkTimeoutError extends Error {
  override readonly name = 'WorkTimeoutError';
}

/** One model's endpoint: POST /v1/models/<name>/<operation>. */
export interface ServedModel {
  name: string;
  folder: string;
  task: string;
  operation: string;
  /** the request body's schema */
  schema: Schema;
  /** a short description for GET /v1/models */
  summary: string;
  /** answers a (validated) request */
  answer?(body: Record<string, unknown>, request: RequestLimits): Promise<object>;
  /** text generation: the loop its requests share, and its tokenizer kind */
  generation?: { loop: GenerationLoop; generator: TextGenerator };
  /** requests waiting, for /health */
  load(): object;
}

const str = { type: 'string' } as const;
const posInt = (max: number): Schema => ({ type: 'integer', minimum: 1, maximum: max });
const object = (properties: Record<string, Schema>, required: string[]): Schema => ({ type: 'object', properties, required, additionalProperties: false });
const beam = posInt(64);
/** The most beam x output x source steps one translation request may ask for: a few seconds of work at most, and its memory bounded. */
export const TRANSLATION_WORK = 2_000_000;
const base64 = { type: 'string', minLength: 1 } as const;

/** Base64 request bytes, refused plainly when they are not base64. */
function bytesOf(value: unknown, field: string): Uint8Array {
  const s = String(value);
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(s)) throw new UsageError(`${field} must be base64 (the file's bytes), got text that is not`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** `name=folder` or a folder (named by its last part). */
export function parseModelArgument(arg: string): { name: string; folder: string } {
  const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(arg);
  const name = m ? m[1]! : basename(arg.replace(/\/+$/, ''));
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`cannot name the model '${arg}' in a URL: give it as NAME=${arg} with letters, digits, '.', '_' or '-'`);
  return { name, folder: m ? m[2]! : arg };
}

/** Reads a model folder and makes its endpoint. */
export async function serveModel(name: string, folder: string, limits: ServeLimits): Promise<ServedModel> {
  const files = await readModelFiles(folder);
  const task = String((files.config.extra as { task?: unknown } | undefined)?.task ?? files.config.type);
  const config = files.config as unknown as JsonValue;
  const common = { name, folder, task };
  switch (task) {
    case 'text-generation': {
      const generator = await loadTextModel(folder);
      const loop = new GenerationLoop(new GenerationBatch(generator, limits.batching.maxItems));
      return {
        ...common, operation: 'generate', generation: { loop, generator }, load: () => loop.load,
        summary: `${generator.vocab.kind}-level text generation (${generator.options.cell} ${generator.options.numLayers} x ${generator.options.hiddenSize}, vocabulary ${generator.vocab.size})`,
        schema: object({
          prime: str, length: posInt(limits.maxLength), temperature: { type: 'number', exclusiveMinimum: 0 }, topK: posInt(1e6),
          topP: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, seed: { type: 'integer' }, stream: { type: 'boolean' },
        }, []),
      };
    }
    case 'text-classification': {
      const c: ClassifierEnsemble = await loadClassifierFolder(folder);
      const batcher = new Batcher<string, number[]>((texts) => c.predictProbabilities(texts), limits.batching);
      return {
        ...common, operation: 'classify', load: () => ({ waiting: batcher.waiting, ...batcher.stats }),
        summary: `text classification into ${c.labels.join(', ')}`,
        schema: object({ texts: { type: 'array', items: { type: 'string', minLength: 1, pattern: '\\S' }, minItems: 1, maxItems: limits.maxTexts } }, ['texts']),
        answer: async (body, { deadline }) => {
          const probs = await batcher.submit(body.texts as string[], deadline);
          return {
            results: probs.map((p) => {
              const k = p.indexOf(Math.max(...p));
              return { label: c.labels[k]!, probability: p[k]!, probabilities: Object.fromEntries(c.labels.map((l, i) => [l, p[i]!])) };
            }),
          };
        },
      };
    }
    case 'translation': {
      const t = Translator.fromFiles({ config, weights: files.weights }, folder);
      return {
        ...common, operation: 'translate', load: () => ({}), summary: 'sequence-to-sequence translation with attention',
        schema: object({ text: { type: 'string', minLength: 1 }, beam, maxLength: posInt(limits.maxLength) }, ['text']),
        answer: async (body, { signal }) => {
          // A translation's work (beam x output x source steps) is bounded before it starts; it then shares the
          // thread with other requests (a turn of the event loop every few ms) and ends at the time limit.
          const text = body.text as string;
          const width = (body.beam as number | undefined) ?? 1;
          const source = pairTokens(text, t.options.sourceTokenizer).length;
          if (source > limits.maxLength) throw new UsageError(`the text has ${source.toLocaleString('en-US')} tokens, more than one request may translate (${limits.maxLength.toLocaleString('en-US')}): send it in parts`);
          const output = (body.maxLength as number | undefined) ?? Math.ceil(t.options.lengthRatio * source) + 10;
          const work = width * output * Math.max(1, source);
          if (work > TRANSLATION_WORK) {
            throw new UsageError(`beam ${width} x ${output} output tokens over ${source} source tokens is ${work.toLocaleString('en-US')} steps of attention, more than one request may ask (${TRANSLATION_WORK.toLocaleString('en-US')}): lower beam, maxLength or the text`);
          }
          const r = await t.translateAsync(text, { beam: width, ...(body.maxLength ? { maxLength: body.maxLength as number } : {}), signal, sliceMs: 5 });
          if (!r.complete) throw new WorkTimeoutError(`translation ran past the time limit after ${r.targetTokens.length} of up to ${output} output tokens`);
          return { text: r.text, sourceTokens: r.sourceTokens, targetTokens: r.targetTokens, attention: r.attention };
        },
      };
    }
    case 'forecast': {
      const { forecaster, extra } = await loadForecastModel(folder);
      if (!(forecaster instanceof Forecaster)) throw new UsageError(`${folder}: a hybrid forecaster; serve covers the recurrent forecaster (forecast train --model lstm) so far`);
      const spec = extra.data as unknown as DataSpec;
      return {
        ...common, operation: 'forecast', load: () => ({}),
        summary: `${forecaster.options.horizon}-step forecasts of ${forecaster.options.targets.join(', ')} from CSV text with the training columns`,
        schema: object({ csv: { type: 'string', minLength: 1 } }, ['csv']),
        answer: async (body) => {
          const series: Series = seriesFromTable(parseTable(body.csv as string, 'the request\'s csv'), spec);
          const f = forecaster.forecast(series);
          const time = (t: number): string | number => (series.isDate ? new Date(t).toISOString() : t);
          return { times: f.times.map(time), targets: f.targets.map((t) => ({ column: t.column, median: t.median, lower: t.lower, upper: t.upper })) };
        },
      };
    }
    case 'spoken-words': {
      const r = await loadSpeechFolder(folder);
      return {
        ...common, operation: 'recognize', load: () => ({}), summary: `spoken-word recognition (${r.labels.join(', ')}) from a base64 WAV file`,
        schema: object({ wav: base64 }, ['wav']),
        answer: async (body) => ({ word: r.predict([parseWav(bytesOf(body.wav, 'wav'), 'the request\'s wav')])[0] }),
      };
    }
    case 'transcribe': {
      const t = Transcriber.fromFiles({ config, weights: files.weights }, folder);
      return {
        ...common, operation: 'transcribe', load: () => ({}), summary: 'speech to text (CTC) from a base64 WAV file',
        schema: object({ wav: base64, beam }, ['wav']),
        answer: async (body) => ({ text: t.transcribe([parseWav(bytesOf(body.wav, 'wav'), 'the request\'s wav')], { beam: (body.beam as number | undefined) ?? 1 })[0] }),
      };
    }
    case 'captioning': {
      const c = Captioner.fromFiles({ config, weights: files.weights }, folder);
      if (c.options.features) throw new UsageError(`${folder} reads precomputed features, not images: serve covers captioners trained on images`);
      return {
        ...common, operation: 'caption', load: () => ({}), summary: 'image captioning with attention from a base64 PNG or JPEG file',
        schema: object({ image: base64, beam }, ['image']),
        answer: async (body) => {
          const r = c.caption(decodeImage(bytesOf(body.image, 'image'), 'the request\'s image'), { beam: (body.beam as number | undefined) ?? 1 });
          return { text: r.text, words: r.words, attention: r.attention, grid: r.grid };
        },
      };
    }
    default:
      throw new UsageError(`${folder}: a ${files.config.type} folder (task '${task}'): serve answers text generation, classification, translation, forecasting, spoken words, transcription and captioning`);
  }
}
