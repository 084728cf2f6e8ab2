/**
 * The playground page: RNN, LSTM and GRU trained side by side on the same text
 * and seed, one Web Worker each, and five views of what happens inside; a
 * translator's attention, a forecast with its anomalies, and any character
 * model brought here, in a worker of their own.
 * URL parameters (for links and tests): task=text, adding or copy, hidden=64
 * (text), length=50 (adding; copy: 10 blanks), parameters=3000 and
 * init=forget-bias (adding, copy), seed=1, threads=1 or 2,
 * until=N (stop at step N), autostart=1.
 */
import { type CellKind, GATE_INITS, type GateInit } from 'recurrent-nn';
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { FromWorker, ToWorker } from '../src/protocol.js';
import { PLAYGROUND_TASKS, type PlaygroundTask } from '../src/session.js';
import type { Views } from '../src/views.js';
import { CELL_COLOR, CELL_LABEL, PLAYGROUND_CELLS } from './cells.js';
import { ActivationsPanel } from './panels/activations.js';
import { useModelJobs } from './model-jobs.js';
import { AttentionPanel } from './panels/attention.js';
import { CaptionPanel } from './panels/caption.js';
import { ForecastPanel } from './panels/forecast.js';
import { ModelsPanel } from './panels/models.js';
import { ConnectivityPanel } from './panels/connectivity.js';
import { MemoryPanel } from './panels/memory.js';
import { StepPanel } from './panels/step.js';
import { type RunStatus, TrainPanel } from './panels/train.js';
import { ChunkScheduler } from './scheduler.js';

const params = new URLSearchParams(location.search);
const num = (k: string, d: number): number => (params.has(k) && Number.isFinite(Number(params.get(k))) ? Number(params.get(k)) : d);
const CLIP_ON = 5;

interface Settings {
  task: PlaygroundTask;
  /** adding: T; copy: the blanks */
  length: number;
  /** adding and copy: the parameter budget of every cell */
  parameters: number;
  /** adding and copy: the gates' start */
  init: GateInit;
  /** text */
  hiddenSize: number;
  seed: number;
  until: number | null;
  /** the WebAssembly kernels' threads in each worker: 2 needs a cross-origin isolated page */
  threads: number;
}

function App() {
  const [text, setText] = useState<{ name: string; body: string } | null>(null);
  const [settings, setSettings] = useState<Settings>({
    task: (PLAYGROUND_TASKS as readonly string[]).includes(params.get('task') ?? '') ? params.get('task') as PlaygroundTask : 'text',
    length: num('length', params.get('task') === 'copy' ? 10 : 50), parameters: num('parameters', params.get('task') === 'copy' ? 10_000 : 3000),
    init: (GATE_INITS as readonly string[]).includes(params.get('init') ?? '') ? params.get('init') as GateInit : 'forget-bias', hiddenSize: num('hidden', 64), seed: num('seed', 1), until: params.has('until') ? num('until', 0) : null, threads: crossOriginIsolated ? num('threads', 1) : 1 });
  // What the workers report lands here and is drawn once per frame, however many messages arrive in it.
  const [{ runs, views }, setShown] = useState<{ runs: Record<string, RunStatus>; views: Record<string, Views> }>({ runs: {}, views: {} });
  const latest = useRef<{ runs: Record<string, RunStatus>; views: Record<string, Views> }>({ runs: {}, views: {} });
  const frame = useRef(0);
  const update = (change: (l: { runs: Record<string, RunStatus>; views: Record<string, Views> }) => void): void => {
    change(latest.current);
    if (!frame.current) {
      frame.current = requestAnimationFrame(() => {
        frame.current = 0;
        setShown({ runs: { ...latest.current.runs }, views: { ...latest.current.views } });
      });
    }
  };
  const [clip, setClip] = useState(true);
  const [focus, setFocus] = useState<CellKind | 'yours'>('LSTM');
  const [unit, setUnit] = useState(0);
  const [probeStep, setProbeStep] = useState(40);
  const [actCell, setActCell] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pasting, setPasting] = useState<string | null>(null);
  const jobs = useModelJobs(() => setFocus('yours'), setError);
  const workers = useRef(new Map<CellKind, Worker>());
  const scheduler = useRef<ChunkScheduler | null>(null);
  const [training, setTraining] = useState(false);
  const download = useCallback((cell: CellKind) => workers.current.get(cell)?.postMessage({ type: 'files' } satisfies ToWorker), []);

  useEffect(() => {
    fetch('./text.txt').then((r) => r.text()).then((body) => setText({ name: 'Moby-Dick (chapters 1-6)', body })).catch((e: Error) => setError(`cannot load the bundled text: ${e.message}`));
  }, []);

  /** New workers and sessions for the current text and settings. */
  const start = (body: string, s: Settings): void => {
    workers.current.forEach((w) => w.terminate());
    workers.current.clear();
    latest.current = { runs: {}, views: {} };
    update(() => undefined);
    setTraining(false);
    const sched = new ChunkScheduler(workers.current, Math.max(1, (navigator.hardwareConcurrency || 2) - 1));
    scheduler.current = sched;
    for (const cell of PLAYGROUND_CELLS) {
      const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      w.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === 'ready') {
          update((l) => {
            l.runs[m.cell] = { cell: m.cell, parameters: m.parameters, backend: m.backend, threads: m.threads, step: 0, running: false, history: [], error: null };
            if (params.get('autostart') === '1' && PLAYGROUND_CELLS.every((c) => l.runs[c])) {
              sched.run(s.until);
              setTraining(true);
            }
          });
        } else if (m.type === 'progress') {
          update((l) => {
            const old = l.runs[m.cell];
            if (!old) return;
            const active = sched.done(m.cell, m.step);
            const history = [...old.history, { step: m.step, loss: m.loss, valLoss: m.valLoss, perSecond: m.perSecond }];
            l.runs[m.cell] = { ...old, step: m.step, history };
            for (const [c, r] of Object.entries(l.runs)) if (r.running !== sched.isBusy(r.cell)) l.runs[c] = { ...r, running: !r.running };
            setTraining(sched.running || active);
          });
        } else if (m.type === 'files') {
          for (const f of m.files) {
            const a = document.createElement('a');
            a.href = URL.createObjectURL(new Blob([f.bytes.slice()]));
            a.download = `${CELL_LABEL[m.cell]!.toLowerCase()}-${f.name}`;
            a.click();
            setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
          }
        } else if (m.type === 'views') {
          update((l) => {
            l.views[m.views.cell] = m.views;
          });
        } else {
          update((l) => {
            const old = m.cell ? l.runs[m.cell] : undefined;
            if (old) {
              l.runs[old.cell] = { ...old, error: m.message, running: false };
              setTraining(sched.done(old.cell, old.step));
            }
          });
          setError(m.message);
        }
      };
      w.onerror = (e) => setError(`worker: ${e.message}`);
      const config = { task: s.task, cell, hiddenSize: s.hiddenSize, length: s.length, parameters: s.parameters, init: s.init, seed: s.seed, clip: clip ? CLIP_ON : 0 };
      w.postMessage({ type: 'init', config, text: body, threads: s.threads } satisfies ToWorker);
      workers.current.set(cell, w);
    }
  };

  useEffect(() => {
    if (text) start(text.body, settings);
  }, [text, settings]);

  const list = useMemo(() => PLAYGROUND_CELLS.map((c) => runs[c]).filter((r): r is RunStatus => r !== undefined), [runs]);
  const running = training;
  const focused = focus === 'yours' ? jobs.loaded.views : (views[focus] ?? null);
  const memViews = useMemo(() => PLAYGROUND_CELLS.filter((c) => views[c]).map((c) => ({ cell: c, memory: views[c]!.memory, gateNames: views[c]!.stepView.gateNames })), [views]);
  const onClip = useCallback((on: boolean) => {
    setClip(on);
    workers.current.forEach((w) => w.postMessage({ type: 'clip', clip: on ? CLIP_ON : 0 } satisfies ToWorker));
  }, []);
  (window as unknown as { __playground: object }).__playground = { runs, training, views: Object.keys(views) };

  const load = async (file: File): Promise<void> => setText({ name: file.name, body: await file.text() });

  return (
    <main
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const f = e.dataTransfer?.files[0];
        if (f) void load(f);
      }}
    >
      <header>
        <h1>recurrent playground</h1>
        <p class="note">
          {settings.task === 'text'
            ? <>A character model of {text ? <b>{text.name}</b> : 'the bundled text'} ({text ? Array.from(text.body).length.toLocaleString('en-US') : '…'} characters), one per cell, same data and seed. Drop a text file anywhere, or paste one, to train on it.</>
            : settings.task === 'adding'
              ? <>The adding problem: {settings.length} steps of (value, marker); the answer is the sum of the two marked values, so the first must be kept for up to {settings.length - 1} steps. Each cell has at most {settings.parameters.toLocaleString('en-US')} parameters.</>
              : <>Copy memory: 10 symbols from 8, {settings.length} blanks and a marker, then the 10 symbols asked back in order (guessing scores 10 ln 8 / (T+20) nats per step). Each cell has at most {settings.parameters.toLocaleString('en-US')} parameters; the recall panel tests it after fewer and more blanks than it trained on.</>}
        </p>
        <div class="controls">
          <button data-testid="run" disabled={running || list.length < PLAYGROUND_CELLS.length} onClick={() => { scheduler.current?.run(settings.until); setTraining(true); }}>train</button>
          <button data-testid="pause" disabled={!running} onClick={() => scheduler.current?.pause()}>pause</button>
          <button data-testid="step" disabled={running || list.length < PLAYGROUND_CELLS.length} onClick={() => { scheduler.current?.stepOnce(); setTraining(true); }}>step once</button>
          <button onClick={() => text && start(text.body, settings)}>reset</button>
          <label>task <select value={settings.task} data-testid="task" onChange={(e) => {
            const task = (e.target as HTMLSelectElement).value as PlaygroundTask;
            setSettings({ ...settings, task, length: task === 'copy' ? 10 : 50, parameters: task === 'copy' ? 10_000 : 3000 });
          }}>
            <option value="text">character model of a text</option>
            <option value="adding">adding problem (memory)</option>
            <option value="copy">copy memory</option>
          </select></label>
          {settings.task === 'text' ? (
            <label>hidden size <select value={settings.hiddenSize} onChange={(e) => setSettings({ ...settings, hiddenSize: Number((e.target as HTMLSelectElement).value) })}>
              {[16, 32, 64, 128].map((h) => <option value={h} key={h}>{h}</option>)}
            </select></label>
          ) : (
            <>
              <label>T <select value={settings.length} onChange={(e) => setSettings({ ...settings, length: Number((e.target as HTMLSelectElement).value) })}>
                {(settings.task === 'copy' ? [5, 10, 20, 50] : [25, 50, 100, 200]).map((h) => <option value={h} key={h}>{h}</option>)}
              </select></label>
              <label title="how the LSTM and GRU gates start: forget-gate bias 1 (Jozefowicz et al. 2015; Keras' default), chrono (Tallec & Ollivier 2018), or as PyTorch leaves them">
                gates <select value={settings.init} onChange={(e) => setSettings({ ...settings, init: (e.target as HTMLSelectElement).value as GateInit })}>
                  {GATE_INITS.map((g) => <option value={g} key={g}>{g === 'default' ? 'PyTorch default' : g}</option>)}
                </select>
              </label>
              <label>parameters <select value={settings.parameters} onChange={(e) => setSettings({ ...settings, parameters: Number((e.target as HTMLSelectElement).value) })}>
                {[1000, 3000, 10000].map((h) => <option value={h} key={h}>{h.toLocaleString('en-US')}</option>)}
              </select></label>
            </>
          )}
          <label title={crossOriginIsolated ? 'WebAssembly kernel threads in each worker' : 'two threads need the page served cross-origin isolated (recurrent playground does)'}>
            threads <select value={settings.threads} disabled={!crossOriginIsolated} onChange={(e) => setSettings({ ...settings, threads: Number((e.target as HTMLSelectElement).value) })}>
              {[1, 2].map((t) => <option value={t} key={t}>{t}</option>)}
            </select>
          </label>
          <label>seed <input type="number" value={settings.seed} style={{ width: '4em' }} onChange={(e) => setSettings({ ...settings, seed: Number((e.target as HTMLInputElement).value) })} /></label>
          <label>text <input type="file" accept=".txt,text/plain" onChange={(e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void load(f); }} /></label>
          <button data-testid="paste" onClick={() => setPasting(pasting === null ? '' : null)}>{pasting === null ? 'paste a text' : 'cancel'}</button>
        </div>
        {pasting !== null && (
          <div class="paste">
            <textarea data-testid="paste-text" rows={6} placeholder="paste a few thousand characters or more" value={pasting} onInput={(e) => setPasting((e.target as HTMLTextAreaElement).value)} />
            <button data-testid="paste-use" disabled={pasting.length === 0} onClick={() => {
              setText({ name: 'the pasted text', body: pasting });
              setSettings({ ...settings, task: 'text' });
              setPasting(null);
            }}>train on this text</button>
          </div>
        )}
        {error && <p class="error" data-testid="error">{error}</p>}
      </header>

      <section class="panel" data-panel="train"><h2>1. Train</h2><TrainPanel runs={list} task={settings.task} length={settings.length} /></section>

      <section class="panel" data-panel="step">
        <h2>2. One step, opened</h2>
        <div class="tabs">
          {PLAYGROUND_CELLS.map((c) => (
            <button key={c} class={c === focus ? 'on' : ''} style={{ borderColor: CELL_COLOR[c] }} onClick={() => setFocus(c)}>{CELL_LABEL[c]}</button>
          ))}
          {jobs.loaded.views && <button class={focus === 'yours' ? 'on' : ''} onClick={() => setFocus('yours')}>yours</button>}
        </div>
        <StepPanel view={focused?.stepView ?? null} unit={unit} t={probeStep} onUnit={setUnit} onStep={setProbeStep} />
      </section>

      <section class="panel" data-panel="activations"><h2>3. Activations over text ({focus === 'yours' ? 'yours' : CELL_LABEL[focus]})</h2><ActivationsPanel view={focused?.activations ?? null} cell={actCell} onCell={setActCell} /></section>

      <section class="panel" data-panel="memory">
        <h2>4. Memory: gradients through time</h2>
        <MemoryPanel views={memViews} clip={clip} onClip={onClip} />
      </section>

      <section class="panel" data-panel="connectivity"><h2>5. Connectivity ({focus === 'yours' ? 'yours' : CELL_LABEL[focus]})</h2><ConnectivityPanel view={focused?.connectivity ?? null} t={hover} onHover={setHover} /></section>

      <section class="panel" data-panel="attention"><h2>6. Attention: English to French numbers</h2><AttentionPanel state={jobs.attention} onTrain={jobs.trainTranslator} onTranslate={jobs.translate} /></section>

      <section class="panel" data-panel="forecast"><h2>7. Forecast and anomalies: Mauna Loa CO2</h2><ForecastPanel state={jobs.forecast} onTrain={jobs.trainForecast} onInject={jobs.injectSpikes} /></section>

      <section class="panel" data-panel="caption"><h2>9. Captioning: where the model looks</h2><CaptionPanel state={jobs.caption} onFiles={jobs.captionImage} /></section>

      <section class="panel" data-panel="models"><h2>8. Bring a model, take one away</h2><ModelsPanel state={jobs.loaded} canDownload={settings.task === 'text' && list.length === PLAYGROUND_CELLS.length} onFiles={jobs.openModel} onDownload={download} /></section>
    </main>
  );
}

render(<App />, document.getElementById('app')!);
