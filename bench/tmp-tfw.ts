import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
const backend = process.argv[2] ?? 'wasm';
const H = Number(process.argv[3] ?? 128);
await tf.setBackend(backend); await tf.ready();
const B = 32, T = 50, V = 65;
const model = tf.sequential();
model.add(tf.layers.lstm({ units: H, returnSequences: true, inputShape: [T, V] }));
model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V }) }));
model.compile({ optimizer: tf.train.adam(1e-3), loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
const x = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).cast('float32');
const y = tf.oneHot(tf.randomUniform([B, T], 0, V, 'int32'), V).cast('float32');
for (let i = 0; i < 3; i++) { const t0 = performance.now(); await model.trainOnBatch(x, y); const dt = performance.now() - t0; console.log(backend, H, `${(B*T/dt*1000).toFixed(0)} chars/s`); }
