/**
 * TensorFlow.js on one workload. Input is one-hot (the wasm backend has no
 * kernel for the embedding's gradient), LSTM/GRU/SimpleRNN with
 * returnSequences, a time-distributed Dense head, softmax cross-entropy, and
 * Adam after clipping the gradients' global norm to 5, as ours
 * (bench/tfjs-train.ts). Inference passes the whole batch (predict's default
 * batchSize is 32).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { clippedAdamStep } from './tfjs-train.js';
import { type BenchResult, type Workload, medianSeconds, peakRssMB } from './workloads.js';

/**
 * Generation as a TensorFlow.js user writes it: a stateful model over one
 * token at a time (embedding, the LSTM layers, a softmax head), predict, read
 * the probabilities, sample the next token in JavaScript.
 */
async function generateTfjs(w: Workload, backend: 'cpu' | 'wasm'): Promise<BenchResult> {
  const { seqLen: T, vocab: V, hidden: H } = w;
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: V, outputDim: 64, batchInputShape: [1, 1] }));
  for (let l = 0; l < (w.layers ?? 1); l++) {
    model.add(tf.layers.lstm({ units: H, returnSequences: true, stateful: true, kernelInitializer: 'randomUniform', recurrentInitializer: 'randomUniform' }));
  }
  model.add(tf.layers.dense({ units: V, activation: 'softmax' }));
  let seed = 1;
  const step = async (): Promise<void> => {
    model.resetStates();
    let token = 0;
    for (let i = 0; i < T; i++) {
      const p = tf.tidy(() => model.predict(tf.tensor2d([[token]], [1, 1], 'int32')) as tf.Tensor);
      const probs = await p.data();
      p.dispose();
      seed = (seed * 1103515245 + 12345) % 2147483648;
      let u = seed / 2147483648;
      token = V - 1;
      for (let v = 0; v < V; v++) if ((u -= probs[v]!) <= 0) { token = v; break; }
    }
  };
  const { median, runs } = await medianSeconds(step, 3);
  return { workload: w.id, library: 'tfjs', backend, threads: 1, charsPerSec: T / median, peakRssMB: peakRssMB(), runs };
}

/** TensorFlow.js's threads on its wasm backend: several only in a cross-origin isolated page (never in Node). */
function tfjsThreads(backend: 'cpu' | 'wasm'): number {
  if (backend !== 'wasm' || !tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) return 1;
  return typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 1;
}

export async function runTfjs(w: Workload, backend: 'cpu' | 'wasm'): Promise<BenchResult> {
  const result = await runTfjsOnce(w, backend);
  return { ...result, threads: tfjsThreads(backend) };
}

async function runTfjsOnce(w: Workload, backend: 'cpu' | 'wasm'): Promise<BenchResult> {
  await tf.setBackend(backend);
  await tf.ready();
  if (w.kind === 'generate') return generateTfjs(w, backend);
  if (w.kind === 'beam') throw new Error('no beam search runner for TensorFlow.js');
  const { batch: B, seqLen: T, vocab: V, hidden: H } = w;
  const model = tf.sequential();
  const rnnArgs = { units: H, returnSequences: true, inputShape: [T, V] };
  // glorot/orthogonal initialisation is slow and irrelevant to speed: use uniform.
  const init = { kernelInitializer: 'randomUniform', recurrentInitializer: 'randomUniform' } as const;
  if (w.cell === 'LSTM') model.add(tf.layers.lstm({ ...rnnArgs, ...init }));
  else if (w.cell === 'GRU') model.add(tf.layers.gru({ ...rnnArgs, ...init }));
  else model.add(tf.layers.simpleRNN({ ...rnnArgs, ...init }));
  let step: () => Promise<unknown>;
  const x = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).cast('float32');
  if (w.kind === 'train') {
    model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V }) }));
    const optimizer = tf.train.adam(2e-3);
    const y = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).cast('float32');
    const train = clippedAdamStep(model, optimizer, 5);
    step = () => train(x, y);
  } else {
    step = async () => {
      const out = model.predict(x, { batchSize: B }) as tf.Tensor;
      await out.data();
      out.dispose();
    };
  }
  const { median, runs } = await medianSeconds(step, 3);
  return { workload: w.id, library: 'tfjs', backend, threads: 1, charsPerSec: (B * T) / median, peakRssMB: peakRssMB(), runs };
}
