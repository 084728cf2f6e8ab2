/**
 * Training progress: a bar when standard error is a terminal, a plain line
 * every few seconds when it is not (a log file, a pipe, CI: as Keras'
 * `verbose=2` or tqdm there), or JSON lines for programs (`--json`).
 */
import cliProgress from 'cli-progress';
import { type ForecastProgress, type Progress } from 'recurrent-nn';

export interface ProgressView {
  update(p: Progress): void;
  event(kind: string, data: object): void;
  stop(): void;
}

/** Seconds between plain progress lines. */
export const LINE_INTERVAL = 5;

/** Seconds as "2m05s" or "42s", rounded to the second first (119.6 s is 2m00s, not 1m60s); "--" when unknown. */
export function fmtTime(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const r = Math.round(s);
  const m = Math.floor(r / 60);
  return m > 0 ? `${m}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

const isTerminal = (): boolean => process.stderr.isTTY === true;

/**
 * Draws the latest update at most once every `seconds`; `flush` draws the
 * latest one if it has not been drawn (the end of a run).
 */
function throttled<T>(seconds: number, draw: (p: T) => void): { update(p: T): void; flush(): void } {
  let last = -Infinity;
  let latest: T | null = null;
  let drawn: T | null = null;
  const show = (p: T): void => {
    last = performance.now() / 1000;
    drawn = p;
    draw(p);
  };
  return {
    update(p) {
      latest = p;
      if (performance.now() / 1000 - last >= seconds) show(p);
    },
    flush() {
      if (latest !== null && latest !== drawn) show(latest);
    },
  };
}

/** The fields every view shows for a step of training. */
function stepFields(p: Progress) {
  return {
    step: p.totalSteps !== null ? `${p.step}/${p.totalSteps}` : String(p.step),
    loss: Number.isFinite(p.loss) ? p.loss.toFixed(3) : '--',
    val: p.valLoss !== null ? p.valLoss.toFixed(3) : '--',
    bits: p.valBits !== null ? p.valBits.toFixed(2) : '--',
    speed: Math.round(p.tokensPerSec).toLocaleString('en-US'),
    eta: fmtTime(p.eta),
    percent: Math.floor(p.fraction * 100),
  };
}

/** The view for step-based training (text): JSON lines, a bar on a terminal, else plain lines. */
export function stepProgress(json: boolean, unit: string): ProgressView {
  if (json) return jsonProgress();
  return isTerminal() ? barProgress(unit) : lineProgress(unit);
}

export function jsonProgress(): ProgressView {
  // At most two lines a second: enough for a program to follow.
  const line = throttled(0.5, (p: Progress) => console.log(JSON.stringify({ event: 'progress', ...p })));
  return {
    update: (p) => line.update(p),
    event(kind, data) {
      console.log(JSON.stringify({ event: kind, ...data }));
    },
    stop() {},
  };
}

/** One line every LINE_INTERVAL seconds, and one at each validation. */
export function lineProgress(unit: string): ProgressView {
  const line = throttled(LINE_INTERVAL, (p: Progress) => {
    const f = stepFields(p);
    process.stderr.write(`step ${f.step} (${f.percent}%)  loss ${f.loss}  val ${f.val} (${f.bits} bits/${unit})  ${f.speed} ${unit}s/s  ETA ${f.eta}\n`);
  });
  return {
    update: (p) => line.update(p),
    event(kind, data) {
      if (kind === 'checkpoint' || kind === 'info') process.stderr.write(`${(data as { message?: string }).message ?? ''}\n`);
      else if (kind === 'eval') {
        const d = data as { step: number; valLoss: number; valBits: number; improved: boolean };
        process.stderr.write(`validation at step ${d.step}: ${d.valLoss.toFixed(3)} nats/${unit} (${d.valBits.toFixed(2)} bits/${unit})${d.improved ? ', the best so far' : ''}\n`);
      } else if (kind === 'start') {
        const d = data as { dir?: string; tokens?: number; parameters?: number };
        process.stderr.write(`training into ${d.dir}: ${d.tokens?.toLocaleString('en-US')} tokens, ${d.parameters?.toLocaleString('en-US')} parameters\n`);
      }
    },
    stop: () => line.flush(),
  };
}

export function barProgress(unit: string): ProgressView {
  const bar = new cliProgress.SingleBar({
    format: `{bar} {percentage}% | step {step} | loss {loss} | val {val} ({bits} bits/${unit}) | {speed} ${unit}s/s | ETA {eta}`,
    hideCursor: true,
    clearOnComplete: false,
    stream: process.stderr,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      const value = Math.round(p.fraction * 1000);
      if (!started) {
        bar.start(1000, value, stepFields(p));
        started = true;
      } else {
        bar.update(value, stepFields(p));
      }
    },
    event(kind, data) {
      if (kind === 'checkpoint' || kind === 'info') {
        if (started) bar.stop();
        started = false;
        process.stderr.write(`${(data as { message?: string }).message ?? ''}\n`);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** Progress of epoch-based training (forecasting, classification). */
export type EpochProgress = ForecastProgress;

export function epochProgress(json: boolean): { update(p: EpochProgress): void; stop(): void } {
  if (json) {
    return { update: (p) => console.log(JSON.stringify({ event: 'epoch', ...p })), stop() {} };
  }
  const fields = (p: EpochProgress) => ({
    epoch: `${p.epoch}/${p.epochs}`, loss: p.loss.toFixed(4), val: p.valLoss.toFixed(4), best: p.bestValLoss.toFixed(4), elapsed: fmtTime(p.seconds),
  });
  if (!isTerminal()) {
    const line = throttled(LINE_INTERVAL, (p: EpochProgress) => {
      const f = fields(p);
      process.stderr.write(`epoch ${f.epoch} (${Math.floor(p.fraction * 100)}%)  loss ${f.loss}  val ${f.val} (best ${f.best})  ${f.elapsed}\n`);
    });
    return { update: (p) => line.update(p), stop: () => line.flush() };
  }
  const bar = new cliProgress.SingleBar({
    format: '{bar} {percentage}% | epoch {epoch} | loss {loss} | val {val} (best {best}) | {elapsed}',
    hideCursor: true, clearOnComplete: false, stream: process.stderr, fps: 5,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      if (!started) bar.start(1000, Math.round(p.fraction * 1000), fields(p));
      else bar.update(Math.round(p.fraction * 1000), fields(p));
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
