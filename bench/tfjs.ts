/**
 * TensorFlow.js on one workload. Input is one-hot (the wasm backend has no
 * kernel for the embedding's gradient), LSTM/GRU/SimpleRNN with
 * returnSequences, a time-distributed Dense head, softmax cross-entropy, Adam
 * with clipnorm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
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
    model.compile({ optimizer, loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
    const y = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).cast('float32');
    step = () => model.trainOnBatch(x, y);
  } else {
    step = async () => {
      const out = model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    };
  }
  const { median, runs } = await medianSeconds(step, 3);
  return { workload: w.id, library: 'tfjs', backend, threads: 1, charsPerSec: (B * T) / median, peakRssMB: peakRssMB(), runs };
}
