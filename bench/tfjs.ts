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

export async function runTfjs(w: Workload, backend: 'cpu' | 'wasm'): Promise<BenchResult> {
  await tf.setBackend(backend);
  await tf.ready();
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
