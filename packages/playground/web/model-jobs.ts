/**
 * The jobs of the model worker (web/model-worker.ts): the forecaster, the
 * translator, the captioner and a model someone brings, each with its own state for its
 * panel; the worker starts at the first job.
 */
import { useCallback, useRef, useState } from 'preact/hooks';
import type { FromModelWorker, ToModelWorker } from '../src/protocol.js';
import type { Views } from '../src/views.js';
import type { AttentionState } from './panels/attention.js';
import type { CaptionState } from './panels/caption.js';
import type { ForecastState } from './panels/forecast.js';
import type { LoadedState } from './panels/models.js';

export function useModelJobs(onLoaded: () => void, onError: (message: string) => void) {
  const [forecast, setForecast] = useState<ForecastState>({ view: null, epoch: 0, valLoss: null, busy: false, error: null });
  const [attention, setAttention] = useState<AttentionState>({ view: null, exact: null, seconds: 0, epoch: 0, busy: false, error: null });
  const [caption, setCaption] = useState<CaptionState>({ view: null, imageUrl: null, busy: false, error: null });
  const [loaded, setLoaded] = useState<LoadedState & { views: Views | null }>({ name: null, parameters: 0, busy: false, error: null, views: null });
  const modelWorker = useRef<Worker | null>(null);
  const seriesLength = useRef(0);

  /** The model worker (forecast, translator, a model brought here), started at its first job. */
  const toModels = (m: ToModelWorker): void => {
    if (!modelWorker.current) {
      const w = new Worker(new URL('./model-worker.js', import.meta.url), { type: 'module' });
      w.onmessage = (e: MessageEvent<FromModelWorker>) => {
        const r = e.data;
        if (r.type === 'forecast-progress') setForecast((f) => ({ ...f, epoch: r.epoch, valLoss: r.valLoss }));
        else if (r.type === 'forecast-view') {
          seriesLength.current = r.view.times.length;
          setForecast((f) => ({ ...f, view: r.view, busy: false, error: null }));
        }
        else if (r.type === 'translator-progress') setAttention((a) => ({ ...a, epoch: r.epoch }));
        else if (r.type === 'translator-ready') setAttention((a) => ({ ...a, exact: r.exact, seconds: r.seconds }));
        else if (r.type === 'translate-view') setAttention((a) => ({ ...a, view: r.view, busy: false, error: null }));
        else if (r.type === 'caption-view') setCaption((c) => ({ ...c, view: r.view, busy: false, error: null }));
        else if (r.type === 'loaded') {
          setLoaded({ name: r.name, parameters: r.parameters, busy: false, error: null, views: r.views });
          onLoaded();
        } else if (r.job === 'forecast') setForecast((f) => ({ ...f, busy: false, error: r.message }));
        else if (r.job === 'translate') setAttention((a) => ({ ...a, busy: false, error: r.message }));
        else if (r.job === 'caption') setCaption((c) => ({ ...c, view: null, busy: false, error: r.message }));
        else setLoaded((l) => ({ ...l, busy: false, error: r.message }));
      };
      w.onerror = (e) => onError(`model worker: ${e.message}`);
      modelWorker.current = w;
    }
    modelWorker.current.postMessage(m);
  };
  const trainForecast = useCallback(() => {
    setForecast((f) => ({ ...f, busy: true, epoch: 0, error: null }));
    fetch('./co2-concentration.csv').then((r) => r.text())
      .then((csv) => toModels({ type: 'forecast', csv, threads: 1 }))
      .catch((e: Error) => setForecast((f) => ({ ...f, busy: false, error: `cannot load the series: ${e.message}` })));
  }, []);
  const injectSpikes = useCallback(() => {
    const n = seriesLength.current;
    if (n === 0) return;
    setForecast((f) => ({ ...f, busy: true }));
    toModels({ type: 'inject', steps: [Math.floor(n * 0.35), Math.floor(n * 0.6), Math.floor(n * 0.85)], size: 0.5 });
  }, []);
  const trainTranslator = useCallback((source: string, beam: number) => {
    setAttention((a) => ({ ...a, busy: true, epoch: 0, error: null }));
    toModels({ type: 'translator', source, beam, threads: 1 });
  }, []);
  const translate = useCallback((source: string, beam: number) => {
    setAttention((a) => ({ ...a, busy: true, error: null }));
    toModels({ type: 'translate', source, beam });
  }, []);
  const openModel = useCallback((files: File[]) => {
    setLoaded((l) => ({ ...l, busy: true, error: null }));
    Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
      .then((read) => fetch('./text.txt').then((r) => r.text()).then((text) => toModels({ type: 'load', files: read, text })))
      .catch((e: Error) => setLoaded((l) => ({ ...l, busy: false, error: e.message })));
  }, []);
  const captionImage = useCallback((files: File[]) => {
    const image = files.find((f) => /\.(png|jpe?g)$/i.test(f.name));
    setCaption((c) => {
      if (c.imageUrl) URL.revokeObjectURL(c.imageUrl);
      return { ...c, busy: true, error: null, imageUrl: image ? URL.createObjectURL(image) : null };
    });
    Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
      .then((read) => toModels({ type: 'caption', files: read }))
      .catch((e: Error) => setCaption((c) => ({ ...c, busy: false, error: e.message })));
  }, []);
  return { forecast, attention, caption, loaded, trainForecast, injectSpikes, trainTranslator, translate, captionImage, openModel };
}
