/** Training progress as a bar on a terminal, or as JSON lines for programs. */
import cliProgress from 'cli-progress';
import type { ForecastProgress } from '../tasks/forecast/forecaster.js';
import type { Progress } from '../tasks/text/generator.js';

export interface ProgressView {
  update(p: Progress): void;
  event(kind: string, data: object): void;
  stop(): void;
}

function fmtTime(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export function jsonProgress(): ProgressView {
  let last = 0;
  return {
    update(p) {
      // At most two lines a second: enough for a program to follow.
      const t = performance.now();
      if (t - last < 500) return;
      last = t;
      console.log(JSON.stringify({ event: 'progress', ...p }));
    },
    event(kind, data) {
      console.log(JSON.stringify({ event: kind, ...data }));
    },
    stop() {},
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
  const payload = (p: Progress) => ({
    step: p.totalSteps !== null ? `${p.step}/${p.totalSteps}` : String(p.step),
    loss: Number.isFinite(p.loss) ? p.loss.toFixed(3) : '--',
    val: p.valLoss !== null ? p.valLoss.toFixed(3) : '--',
    bits: p.valBits !== null ? p.valBits.toFixed(2) : '--',
    speed: Math.round(p.tokensPerSec).toLocaleString('en-US'),
    eta: fmtTime(p.eta),
  });
  return {
    update(p) {
      const value = Math.round(p.fraction * 1000);
      if (!started) {
        bar.start(1000, value, payload(p));
        started = true;
      } else {
        bar.update(value, payload(p));
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
  const bar = new cliProgress.SingleBar({
    format: '{bar} {percentage}% | epoch {epoch} | loss {loss} | val {val} (best {best}) | {elapsed}',
    hideCursor: true, clearOnComplete: false, stream: process.stderr, fps: 5,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      const payload = {
        epoch: `${p.epoch}/${p.epochs}`, loss: p.loss.toFixed(4), val: p.valLoss.toFixed(4), best: p.bestValLoss.toFixed(4), elapsed: fmtTime(p.seconds),
      };
      if (!started) bar.start(1000, Math.round(p.fraction * 1000), payload);
      else bar.update(Math.round(p.fraction * 1000), payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
