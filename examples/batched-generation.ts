/**
 * Many texts from one model at once (what `recurrent serve` does for its
 * clients): the sequences are rows of one decoder, stepped together, joining
 * and leaving between tokens; each gets exactly what it would get alone.
 *
 *   npx tsx examples/batched-generation.ts
 */
import { GenerationBatch, TextGenerator } from 'recurrent-nn';

const text = 'the quick brown fox jumps over the lazy dog; a lazy cat naps in the sun. '.repeat(50);
const g = TextGenerator.create(text, { hiddenSize: 48, numLayers: 1, embeddingSize: 16 }, 1);
await g.train(text, { steps: 60, batch: 8, seqLen: 30, evalEvery: 60 });

const batch = new GenerationBatch(g, 8);
const first = batch.add({ prime: 'the ', length: 40, seed: 1 });
const second = batch.add({ prime: 'a lazy ', length: 20, seed: 2, temperature: 0.5 });
for (let i = 0; i < 5; i++) batch.step();
// A third joins mid-way, as a new client does.
const third = batch.add({ prime: 'fox ', length: 30, seed: 3, topK: 3 });
let steps = 5;
while (batch.size > 0) steps += batch.step() > 0 ? 1 : 0;
batch.dispose();

for (const [name, s, request] of [['first', first, { prime: 'the ', length: 40, seed: 1 }], ['second', second, { prime: 'a lazy ', length: 20, seed: 2, temperature: 0.5 }], ['third', third, { prime: 'fox ', length: 30, seed: 3, topK: 3 }]] as const) {
  const alone = g.generate(request).text;
  console.log(`${name}: ${JSON.stringify(s.result!.text)} (the same alone: ${s.result!.text === alone})`);
}
console.log(`${steps} decoder steps for 90 tokens`);
