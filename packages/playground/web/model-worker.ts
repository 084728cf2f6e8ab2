/**
 * The model worker: the panels that train or load one model each (the
 * forecast with its anomalies, the translator and its attention, a model
 * someone brings: a character model's folder, or a PyTorch state dict, an
 * ONNX file or another model folder; a captioner with an image to caption),
 * off the page's thread, one job at a time.
 */
import { type JsonValue, LanguageModel, type LoadedModel, type ModelFolderFiles, type RgbaImage, SequenceRegressor, TextGenerator, checkConfig, importTorch, modelFromFiles, setBackend } from 'recurrent-nn';
import { importOnnx, toNativeModel } from 'recurrent-nn/onnx';
import { captionView } from '../src/caption-view.js';
import { ForecastJob, FORECAST_JOB_DEFAULTS } from '../src/forecast-job.js';
import type { FromModelWorker, ToModelWorker } from '../src/protocol.js';
import { TextSession } from '../src/session.js';
import { TRANSLATE_JOB_DEFAULTS, TranslateJob } from '../src/translate-job.js';
import { broughtViews, computeViews } from '../src/views.js';

const scope = self as unknown as { postMessage(m: FromModelWorker): void; onmessage: ((e: MessageEvent<ToModelWorker>) => void) | null };
const post = (m: FromModelWorker): void => scope.postMessage(m);
let forecast: ForecastJob | null = null;
let translator: TranslateJob | null = null;
let work: Promise<void> = Promise.resolve();

/** A dropped JSON file's contents, or an error naming it. */
function parseJson(name: string, bytes: Uint8Array): JsonValue {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
  } catch (e) {
    throw new Error(`${name} is not JSON: ${(e as Error).message}`);
  }
}

/** The parts of a model folder, by file name (the folder's own names, as `recurrent train` writes them). */
function folderFiles(files: Array<{ name: string; bytes: Uint8Array }>): ModelFolderFiles {
  const byName = new Map(files.map((f) => [f.name.split('/').pop()!, f.bytes]));
  const need = (name: string): Uint8Array => {
    const b = byName.get(name);
    if (!b) throw new Error(`the model folder needs ${name}; got ${[...byName.keys()].join(', ') || 'no files'}`);
    return b;
  };
  return { config: parseJson('config.json', need('config.json')), weights: need('model.safetensors'), vocab: parseJson('vocab.json', need('vocab.json')), checkpoint: null };
}

/**
 * A model from files without a vocabulary, read as `recurrent import` reads
 * them: an ONNX file, a model folder of the library's (config.json and
 * model.safetensors), or a PyTorch state dict saved as safetensors.
 */
function importedModel(files: Array<{ name: string; bytes: Uint8Array }>): LoadedModel {
  const onnx = files.find((f) => f.name.endsWith('.onnx'));
  if (onnx) return toNativeModel(importOnnx(onnx.bytes, onnx.name));
  const config = files.find((f) => f.name.split('/').pop() === 'config.json');
  const weights = files.find((f) => f.name.split('/').pop() === 'model.safetensors');
  if (config && weights) {
    const parsed = checkConfig(parseJson('config.json', config.bytes), 'the dropped folder/config.json');
    return modelFromFiles({ config: parsed, weights: weights.bytes }, 'the dropped folder').model;
  }
  const state = files.find((f) => f.name.endsWith('.safetensors'));
  if (state && files.length === 1) return importTorch(state.bytes, {}, state.name);
  throw new Error(`expected a model folder (config.json, model.safetensors and, for text, vocab.json), an .onnx file or a PyTorch .safetensors state dict; got ${files.map((f) => f.name).join(', ') || 'no files'}`);
}

/** A PNG or JPEG file's pixels, decoded by the browser (an OffscreenCanvas, in this worker). */
async function decodeImage(file: { name: string; bytes: Uint8Array }): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([file.bytes as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${file.name}: cannot decode this image (expected a PNG or JPEG)`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const d = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: d.width, height: d.height, data: d.data };
}

async function handle(m: ToModelWorker): Promise<void> {
  switch (m.type) {
    case 'forecast': {
      await setBackend('wasm', { threads: m.threads });
      forecast = new ForecastJob({ ...FORECAST_JOB_DEFAULTS, csv: m.csv });
      await forecast.train({ onEpoch: (epoch, loss, valLoss) => post({ type: 'forecast-progress', epoch, loss, valLoss }) });
      post({ type: 'forecast-view', view: forecast.view() });
      return;
    }
    case 'inject':
      if (!forecast) throw new Error('train the forecaster first');
      forecast.inject(m.steps, m.size);
      post({ type: 'forecast-view', view: forecast.view() });
      return;
    case 'translator': {
      await setBackend('wasm', { threads: m.threads });
      const t0 = performance.now();
      translator = new TranslateJob(TRANSLATE_JOB_DEFAULTS);
      await translator.fit({ onEpoch: (epoch, loss, valExact) => post({ type: 'translator-progress', epoch, loss, valExact }) });
      post({ type: 'translator-ready', exact: { greedy: translator.exactMatch(1), beam3: translator.exactMatch(3) }, seconds: (performance.now() - t0) / 1000 });
      post({ type: 'translate-view', view: translator.view(m.source, m.beam) });
      return;
    }
    case 'translate':
      if (!translator) throw new Error('train the translator first');
      post({ type: 'translate-view', view: translator.view(m.source, m.beam) });
      return;
    case 'caption': {
      await setBackend('wasm', { threads: 1 });
      const config = m.files.find((f) => f.name.split('/').pop() === 'config.json');
      const weights = m.files.find((f) => f.name.split('/').pop() === 'model.safetensors');
      const image = m.files.find((f) => /\.(png|jpe?g)$/i.test(f.name));
      if (!config || !weights || !image) throw new Error(`expected a caption model folder's config.json and model.safetensors, and a PNG or JPEG image; got ${m.files.map((f) => f.name).join(', ') || 'no files'}`);
      post({ type: 'caption-view', view: captionView({ config: parseJson('config.json', config.bytes), weights: weights.bytes }, await decodeImage(image)) });
      return;
    }
    case 'load': {
      const names = m.files.map((f) => f.name.split('/').pop()!);
      if (names.includes('vocab.json')) {
        const g = TextGenerator.fromFiles(folderFiles(m.files), 'the dropped folder');
        const session = TextSession.fromGenerator(g, m.text);
        post({ type: 'loaded', views: computeViews(session), name: `${g.options.cell} ${g.options.hiddenSize}x${g.options.numLayers}`, parameters: g.model.numParameters() });
        return;
      }
      const model = importedModel(m.files);
      // Names spelled out: a bundle minifies class names.
      const kind = model instanceof LanguageModel ? 'language model' : model instanceof SequenceRegressor ? 'sequence regressor' : null;
      if (kind === null || !(model instanceof LanguageModel || model instanceof SequenceRegressor)) {
        throw new Error('the playground opens language models (embedding, recurrent, head) and sequence regressors (recurrent, head); this model is neither (a bare recurrent module, a classifier or a translator)');
      }
      post({ type: 'loaded', views: broughtViews(model), name: `a ${kind} (${model.rnn.kind} ${model.rnn.hiddenSize}x${model.rnn.numLayers})`, parameters: model.numParameters() });
      return;
    }
  }
}

const JOBS = { forecast: 'forecast', inject: 'forecast', translator: 'translate', translate: 'translate', load: 'load', caption: 'caption' } as const;

scope.onmessage = (e) => {
  const m = e.data;
  work = work.then(() => handle(m)).catch((err: Error) => post({ type: 'model-error', job: JOBS[m.type], message: err.message }));
};
