/**
 * The model worker: the panels that train or load one model each (the
 * forecast with its anomalies, the translator and its attention, a model
 * someone brings), off the page's thread, one job at a time.
 */
import { type JsonValue, type ModelFolderFiles, TextGenerator, setBackend } from 'recurrent';
import { ForecastJob, FORECAST_JOB_DEFAULTS } from '../src/forecast-job.js';
import type { FromModelWorker, ToModelWorker } from '../src/protocol.js';
import { TextSession } from '../src/session.js';
import { TRANSLATE_JOB_DEFAULTS, TranslateJob } from '../src/translate-job.js';
import { computeViews } from '../src/views.js';

const scope = self as unknown as { postMessage(m: FromModelWorker): void; onmessage: ((e: MessageEvent<ToModelWorker>) => void) | null };
const post = (m: FromModelWorker): void => scope.postMessage(m);
let forecast: ForecastJob | null = null;
let translator: TranslateJob | null = null;
let work: Promise<void> = Promise.resolve();

/** The parts of a model folder, by file name (the folder's own names, as `recurrent train` writes them). */
function folderFiles(files: Array<{ name: string; bytes: Uint8Array }>): ModelFolderFiles {
  const byName = new Map(files.map((f) => [f.name.split('/').pop()!, f.bytes]));
  const need = (name: string): Uint8Array => {
    const b = byName.get(name);
    if (!b) throw new Error(`the model folder needs ${name}; got ${[...byName.keys()].join(', ') || 'no files'}`);
    return b;
  };
  const json = (name: string): JsonValue => {
    try {
      return JSON.parse(new TextDecoder().decode(need(name))) as JsonValue;
    } catch (e) {
      throw new Error(`${name} is not JSON: ${(e as Error).message}`);
    }
  };
  return { config: json('config.json'), weights: need('model.safetensors'), vocab: json('vocab.json'), checkpoint: null };
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
    case 'load': {
      const g = TextGenerator.fromFiles(folderFiles(m.files), 'the dropped folder');
      const session = TextSession.fromGenerator(g, m.text);
      post({ type: 'loaded', views: computeViews(session), name: `${g.options.cell} ${g.options.hiddenSize}x${g.options.numLayers}`, parameters: g.model.numParameters() });
      return;
    }
  }
}

const JOBS = { forecast: 'forecast', inject: 'forecast', translator: 'translate', translate: 'translate', load: 'load' } as const;

scope.onmessage = (e) => {
  const m = e.data;
  work = work.then(() => handle(m)).catch((err: Error) => post({ type: 'model-error', job: JOBS[m.type], message: err.message }));
};
