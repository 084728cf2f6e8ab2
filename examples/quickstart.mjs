// Plain JavaScript, as an app that ran `npm install recurrent` writes it:
//   node examples/quickstart.mjs
// Trains a small character LSTM on a few lines, saves the model folder
// (atomically, crash-safe), loads it back and writes with it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextGenerator, loadTextModel, saveTextModel } from 'recurrent-nn';

const text = 'the cat sat on the mat. the dog sat on the log. '.repeat(40);
const g = TextGenerator.create(text, { cell: 'LSTM', hiddenSize: 32, numLayers: 1, embeddingSize: 16 }, /* seed */ 0);
await g.train(text, { steps: 150, batch: 8, seqLen: 24, evalEvery: 50, lr: 1e-2 }, {
  onEval: (p) => console.log(`step ${p.step}: validation ${p.valLoss.toFixed(3)} nats/char`),
});
const dir = join(mkdtempSync(join(tmpdir(), 'recurrent-quickstart-')), 'model');
await saveTextModel(dir, g);
const again = await loadTextModel(dir);
console.log(`saved in ${dir}; a sample: ${JSON.stringify(again.generate({ prime: 'the ', length: 40, temperature: 0.5, seed: 1 }).text)}`);
