/** The benchmark workloads, shared by every library's runner. */
export interface Workload {
  id: string;
  title: string;
  /** train: forward, backward, clipping, Adam; infer: one layer's forward; generate: sample token by token; beam: beam search of width `batch` */
  kind: 'train' | 'infer' | 'generate' | 'beam';
  cell: 'LSTM' | 'GRU' | 'RNN_TANH';
  vocab: number;
  hidden: number;
  /** tokens per run (generate, beam: tokens written) */
  seqLen: number;
  batch: number;
  /** recurrent layers (default 1) */
  layers?: number;
}

export const WORKLOADS: Workload[] = [
  { id: 'W1', title: 'char-LSTM training, hidden 128', kind: 'train', cell: 'LSTM', vocab: 65, hidden: 128, seqLen: 50, batch: 32 },
  { id: 'W2', title: 'char-LSTM training, hidden 512', kind: 'train', cell: 'LSTM', vocab: 65, hidden: 512, seqLen: 50, batch: 32 },
  { id: 'W3b1', title: 'LSTM inference, hidden 256, batch 1', kind: 'infer', cell: 'LSTM', vocab: 65, hidden: 256, seqLen: 100, batch: 1 },
  { id: 'W3b64', title: 'LSTM inference, hidden 256, batch 64', kind: 'infer', cell: 'LSTM', vocab: 65, hidden: 256, seqLen: 100, batch: 64 },
  { id: 'W4', title: 'char-GRU training, hidden 128', kind: 'train', cell: 'GRU', vocab: 65, hidden: 128, seqLen: 50, batch: 32 },
  { id: 'W5', title: 'char-RNN (tanh) training, hidden 128', kind: 'train', cell: 'RNN_TANH', vocab: 65, hidden: 128, seqLen: 50, batch: 32 },
  // The default text model (2x256 LSTM, embedding 64), untrained: its nearly flat distributions are the sampler's hardest case.
  { id: 'G1', title: 'text generation, 2x256 char LSTM, sampling at batch 1', kind: 'generate', cell: 'LSTM', vocab: 65, hidden: 256, seqLen: 2000, batch: 1, layers: 2 },
  { id: 'G5', title: 'text generation, 2x256 char LSTM, beam search of width 5', kind: 'beam', cell: 'LSTM', vocab: 65, hidden: 256, seqLen: 500, batch: 5, layers: 2 },
];

/** A text with exactly `V` distinct characters, for the generation workloads' vocabulary. */
export function benchAlphabet(V: number): string {
  return Array.from({ length: V }, (_, i) => String.fromCharCode(33 + i)).join('');
}

/** One measured result, the shape `npm run bench -- --json` prints. */
export interface BenchResult {
  workload: string;
  library: 'recurrent' | 'tfjs' | 'brain.js' | 'PyTorch' | 'onnxruntime';
  backend: string;
  threads: number;
  charsPerSec: number;
  peakRssMB: number;
  /** timed runs behind the median */
  runs: number;
  note?: string;
}

/**
 * Median of the timed runs, in seconds. Every library gets the same
 * treatment: a warm-up of at least 3 runs and 2 s (JIT tiers, kernel
 * compilation and the collector settle over the first dozen steps), then at
 * least `runs` (>= 3) timed runs and 3 s of them.
 */
export async function medianSeconds(run: () => unknown | Promise<unknown>, runs = 3): Promise<{ median: number; runs: number }> {
  const warm0 = performance.now();
  for (let i = 0; i < 3 || (performance.now() - warm0 < 2000 && i < 100); i++) await run();
  const times: number[] = [];
  const t00 = performance.now();
  while (times.length < Math.max(3, runs) || (performance.now() - t00 < 3000 && times.length < 300)) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/** Peak resident memory of this process, MB (0 in a browser, which does not say). */
export function peakRssMB(): number {
  return typeof process !== 'undefined' && typeof process.resourceUsage === 'function' ? Math.round(process.resourceUsage().maxRSS / 1024) : 0;
}
