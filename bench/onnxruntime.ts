/**
 * onnxruntime-node (native, with its own CPU kernels) on the inference
 * workloads: the same LSTM, exported by this library to one ONNX LSTM op,
 * run by an InferenceSession with `threads` intra-op threads. Generation is
 * not run: the exported graph takes no initial state, so it cannot be stepped
 * a token at a time.
 */
import * as ort from 'onnxruntime-node';
import { LSTM, Random } from '../packages/recurrent/src/index.js';
import { exportOnnx } from '../packages/recurrent/src/onnx.js';
import { type BenchResult, type Workload, medianSeconds, peakRssMB } from './workloads.js';

export async function runOnnxruntime(w: Workload, threads: number): Promise<BenchResult> {
  if (w.kind !== 'infer') throw new Error(`onnxruntime runs the inference workloads only, not ${w.id}`);
  const { batch: B, seqLen: T, vocab: V, hidden: H } = w;
  const rng = new Random(1);
  const lstm = new LSTM({ inputSize: V, hiddenSize: H, batchFirst: true, rng });
  const session = await ort.InferenceSession.create(exportOnnx(lstm), { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const x = new ort.Tensor('float32', Float32Array.from({ length: B * T * V }, () => rng.normal()), [B, T, V]);
  const feeds = { [session.inputNames[0]!]: x };
  const { median, runs } = await medianSeconds(() => session.run(feeds), 7);
  return { workload: w.id, library: 'onnxruntime', backend: `native CPU (onnxruntime-node ${ort.env.versions.common})`, threads, charsPerSec: (B * T) / median, peakRssMB: peakRssMB(), runs };
}
