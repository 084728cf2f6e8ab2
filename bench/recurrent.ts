/** This library on one workload (run by bench/run.ts in a child process). */
import {
  Adam, LSTM, LanguageModel, Random, Tensor, TextGenerator, Trainer, TruncatedBPTT, getBackend, getThreads, noGrad, setBackend,
} from '../packages/recurrent/src/index.js';
import { type BenchResult, type Workload, benchAlphabet, medianSeconds, peakRssMB } from './workloads.js';

/** backend: 'js', 'wasm' (threads chosen automatically), 'wasm1' (one thread) or 'wasm2' (two: what a browser page asks for). */
export async function runRecurrent(w: Workload, backend: string): Promise<BenchResult> {
  if (backend === 'js') await setBackend('js');
  else await setBackend('wasm', { threads: backend === 'wasm1' ? 1 : backend === 'wasm2' ? 2 : 'auto' });
  const rng = new Random(1);
  const { batch: B, seqLen: T, vocab: V, hidden: H } = w;
  let step: () => void;
  if (w.kind === 'train') {
    // Embedding 65 -> 64 stands for the one-hot input (same work per step, within 2%).
    const lm = new LanguageModel({ vocabSize: V, embeddingSize: 64, hiddenSize: H, mode: w.cell }, rng);
    const tbptt = new TruncatedBPTT(lm, new Trainer(lm, new Adam(lm.parameters(), { lr: 2e-3 }), { clipNorm: 5 }));
    const inputs = { data: Int32Array.from({ length: B * T }, () => rng.int(V)), shape: [B, T] };
    const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
    step = () => { tbptt.step(inputs, targets); };
  } else if (w.kind === 'generate' || w.kind === 'beam') {
    // What `recurrent generate` runs: TextGenerator.generate, one prime character, T tokens.
    const g = TextGenerator.create(benchAlphabet(V), { hiddenSize: H, numLayers: w.layers ?? 1, embeddingSize: 64 }, 1);
    const beam = w.kind === 'beam' ? B : 1;
    let seed = 0;
    step = () => { g.generate({ prime: '!', length: T, seed: seed++, beam }); };
    const { median, runs } = await medianSeconds(step, 5);
    return { workload: w.id, library: 'recurrent', backend: getBackend(), threads: getThreads(), charsPerSec: T / median, peakRssMB: peakRssMB(), runs };
  } else {
    const lstm = new LSTM({ inputSize: V, hiddenSize: H, batchFirst: true, rng }).eval();
    const x = new Tensor(Float32Array.from({ length: B * T * V }, () => rng.normal()), [B, T, V]);
    step = () => { noGrad(() => lstm.forward(x)); };
  }
  const { median, runs } = await medianSeconds(step, w.kind === 'infer' ? 7 : 5);
  return { workload: w.id, library: 'recurrent', backend: getBackend(), threads: getThreads(), charsPerSec: (B * T) / median, peakRssMB: peakRssMB(), runs };
}
