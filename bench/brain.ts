/**
 * brain.js (1.6) on a training workload. It has no batching: it trains one
 * sequence at a time, so its figure is characters per second over 8 sequences
 * of the workload's length, one epoch per timed run.
 */
import brain from 'brain.js';
import { type BenchResult, type Workload, medianSeconds, peakRssMB } from './workloads.js';

interface BrainNet {
  train(data: string[], options: { iterations: number; log: boolean; learningRate: number }): unknown;
}

export async function runBrain(w: Workload): Promise<BenchResult> {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;'.slice(0, w.vocab).split('');
  const kind = w.cell === 'LSTM' ? 'LSTM' : w.cell === 'GRU' ? 'GRU' : 'RNN';
  const lib = brain as unknown as { recurrent: Record<string, new (o: object) => BrainNet>; utilities: { DataFormatter: new (chars: string[]) => object } };
  const seqs = Array.from({ length: 8 }, (_, i) => Array.from({ length: w.seqLen }, (_, t) => chars[(i * 7 + t * 13) % chars.length]).join(''));
  // brain.js's RNN (relu) sometimes diverges to NaN from its random start and
  // throws; a fresh network is tried, up to 5 times.
  for (let attempt = 1; ; attempt++) {
    try {
      const net = new lib.recurrent[kind]!({ hiddenLayers: [w.hidden], dataFormatter: new lib.utilities.DataFormatter(chars) });
      const { median, runs } = await medianSeconds(() => net.train(seqs, { iterations: 1, log: false, learningRate: 0.001 }), 3);
      // brain.js' RNN is ReLU (ours, on W5, is tanh): not the same cell, said beside its figure.
      const notes = [...(kind === 'RNN' ? ['ReLU RNN; ours is tanh'] : []), ...(attempt > 1 ? [`diverged ${attempt - 1} time(s) first`] : [])];
      return { workload: w.id, library: 'brain.js', backend: 'js', threads: 1, charsPerSec: (seqs.length * w.seqLen) / median, peakRssMB: peakRssMB(), runs, ...(notes.length ? { note: notes.join('; ') } : {}) };
    } catch (e) {
      if (attempt >= 5 || !/NaN/.test((e as Error).message)) throw e;
    }
  }
}
