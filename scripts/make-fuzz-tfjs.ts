/**
 * Writes test/fixtures/fuzz/tfjs-lstm.{json,bin}: a small TensorFlow.js Layers
 * model (Embedding, LSTM, Dense) saved by tfjs itself, the seed input that
 * test/fuzz.test.ts mutates. Run: npx tsx scripts/make-fuzz-tfjs.ts
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
await tf.setBackend('cpu');
const m = tf.sequential({ layers: [
  tf.layers.embedding({ inputDim: 7, outputDim: 3, inputLength: 4 }),
  tf.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }),
  tf.layers.dense({ units: 7, activation: 'softmax' }),
] });
await m.save(tf.io.withSaveHandler(async (a) => {
  writeFileSync('test/fixtures/fuzz/tfjs-lstm.json', JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['tfjs-lstm.bin'], weights: a.weightSpecs }], format: 'layers-model' }));
  writeFileSync('test/fixtures/fuzz/tfjs-lstm.bin', new Uint8Array((a.weightData as ArrayBuffer).slice(0)));
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
}));
