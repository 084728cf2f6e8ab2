/**
 * Transcription while the audio streams in, with a unidirectional
 * transcriber (running normalisation, nothing trimmed): every chunk of
 * samples becomes MFCC frames as soon as a whole 25 ms frame is there, each
 * frame normalised by those before it, its delta written once the next
 * frame has come (10 ms of lookahead), `stack` frames a step, the steps run
 * through the recurrent stack from the state the last chunk left, and the
 * best path extended. After `end()` the transcript is the one `transcribe`
 * gives the whole recording, greedy.
 */
import { ConfigError, DataError } from '../../errors.js';
import { type RunningStats, mfcc, runningNormalise, startRunningStats } from '../../audio/features.js';
import type { TaggerState } from '../../models/sequence-tagger.js';
import { noGrad } from '../../nn/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Transcriber } from './transcriber.js';

/** The blank's class (transcriber.ts: class 0, the characters after it). */
const BLANK = 0;

/** Transcribes audio as it arrives: feed samples, read the transcript so far. */
export class TranscriptStream {
  private readonly frameLen: number;
  private readonly hop: number;
  /** samples not yet consumed: the first is the start of the next frame */
  private pending = new Float32Array(0);
  private readonly stats: RunningStats;
  /** normalised frames whose delta waits for the next frame: the last two (the one before, and the one waiting) */
  private previous: Float32Array | null = null;
  private waiting: Float32Array | null = null;
  /** feature rows of the step being filled */
  private stepRows: Float32Array[] = [];
  private state: TaggerState | null = null;
  private labels: number[] = [];
  private lastClass = BLANK;
  private ended = false;
  /** steps the recurrent stack has read */
  steps = 0;

  constructor(readonly transcriber: Transcriber, readonly sampleRate: number) {
    const o = transcriber.options;
    if (o.bidirectional || o.normalise !== 'running') {
      throw new ConfigError(`streaming needs a unidirectional transcriber with running normalisation, this one is ${o.bidirectional ? 'bidirectional' : 'unidirectional'} with '${o.normalise}' normalisation (train with bidirectional: false)`);
    }
    if (!transcriber.featureStats) throw new DataError('streaming needs a trained transcriber (its feature statistics are not set)');
    if (!(sampleRate >= 4000)) throw new DataError(`a stream's sample rate must be at least 4000 Hz, got ${sampleRate}`);
    this.frameLen = Math.round((sampleRate * 25) / 1000);
    this.hop = Math.round((sampleRate * 10) / 1000);
    this.stats = startRunningStats(transcriber.featureStats);
  }

  /** The next samples (mono, [-1, 1], at the stream's rate): the transcript so far. */
  push(samples: Float32Array): string {
    if (this.ended) throw new ConfigError('this stream has ended: start a new one');
    const all = new Float32Array(this.pending.length + samples.length);
    all.set(this.pending);
    all.set(samples, this.pending.length);
    const frames = all.length >= this.frameLen ? 1 + Math.floor((all.length - this.frameLen) / this.hop) : 0;
    const rows: Float32Array[] = [];
    if (frames > 0) {
      const C = this.transcriber.options.coefficients;
      const m = mfcc(all.subarray(0, (frames - 1) * this.hop + this.frameLen), this.sampleRate, { coefficients: C });
      const x = runningNormalise(m, this.stats);
      for (let f = 0; f < frames; f++) rows.push(...this.frame(x.data.slice(f * C, (f + 1) * C)));
    }
    this.pending = all.slice(frames * this.hop);
    this.run(rows);
    return this.text();
  }

  /** No more audio: the last frame's delta (against itself, as withDeltas clamps), the last whole step; the transcript. */
  end(): string {
    if (!this.ended) {
      this.ended = true;
      if (this.waiting) this.run(this.emit(this.waiting, this.waiting));
    }
    return this.text();
  }

  /** The transcript so far. */
  text(): string {
    return this.transcriber.decode(this.labels);
  }

  /** A new normalised frame: the feature rows it completes (the previous frame's, now its successor is known). */
  private frame(x: Float32Array): Float32Array[] {
    if (!this.transcriber.options.deltas) return [x];
    const out = this.waiting ? this.emit(this.waiting, x) : [];
    this.waiting = x;
    return out;
  }

  /** The waiting frame's row: itself, then (next - previous) / 2, the first frame its own previous. */
  private emit(current: Float32Array, next: Float32Array): Float32Array[] {
    const prev = this.previous ?? current;
    const C = current.length;
    const row = new Float32Array(2 * C);
    row.set(current);
    for (let c = 0; c < C; c++) row[C + c] = (next[c]! - prev[c]!) / 2;
    this.previous = current;
    return [row];
  }

  /** Rows into steps of `stack`; whole steps through the model from the carried state; the best path extended. */
  private run(rows: Float32Array[]): void {
    const stack = this.transcriber.options.stack;
    const steps: Float32Array[] = [];
    for (const r of rows) {
      this.stepRows.push(r);
      if (this.stepRows.length === stack) {
        const step = new Float32Array(stack * r.length);
        this.stepRows.forEach((x, i) => step.set(x, i * r.length));
        steps.push(step);
        this.stepRows = [];
      }
    }
    if (steps.length === 0) return;
    const F = steps[0]!.length;
    const x = new Float32Array(steps.length * F);
    steps.forEach((s, t) => x.set(s, t * F));
    noGrad(() => {
      const model = this.transcriber.model;
      model.eval();
      const { scores, state } = model.forwardFrom(new Tensor(x, [1, steps.length, F]), this.state);
      this.state = state;
      const K = scores.shape[2]!;
      for (let t = 0; t < steps.length; t++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (scores.data[t * K + k]! > scores.data[t * K + best]!) best = k;
        if (best !== BLANK && best !== this.lastClass) this.labels.push(best);
        this.lastClass = best;
      }
    });
    this.steps += steps.length;
  }
}
