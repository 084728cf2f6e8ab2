/**
 * Decoding a token at a time, and a word model with an adaptive softmax.
 *
 *   npx tsx examples/decode-and-adaptive.ts
 *
 * 1. A character model written token by token with TokenDecoder (the whole
 *    stack, one kernel call per token) and a Sampler (no sorting of the
 *    vocabulary): the same text TextGenerator.generate writes for that seed.
 * 2. A word model whose output layer is an adaptive softmax
 *    (AdaptiveLogSoftmaxWithLoss, as in PyTorch): it trains without scoring
 *    every word, and its log-probabilities still sum to one.
 */
import { Adam, LanguageModel, Random, Sampler, TextGenerator, TokenDecoder } from 'recurrent-nn';

const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);
const g = TextGenerator.create(text, { hiddenSize: 64, numLayers: 2, embeddingSize: 16 }, 1);
await g.train(text, { steps: 60, evalEvery: 60, batch: 8, seqLen: 32 });

// 1. Token by token: prime with the model's forward, then step the decoder.
const prime = g.vocab.encode('the ').ids;
const first = g.model.forward({ data: prime, shape: [1, prime.length] });
const V = g.vocab.size;
const decoder = new TokenDecoder(g.model, 1);
decoder.setState(first.state);
const sampler = new Sampler(V);
const rng = new Random(7);
let logits: Float32Array = first.logits.data.subarray((prime.length - 1) * V);
const ids: number[] = [];
for (let i = 0; i < 60; i++) {
  const id = sampler.sample(logits, 0, { temperature: 0.8 }, rng);
  ids.push(id);
  logits = decoder.step([id]);
}
decoder.dispose();
const byHand = g.vocab.decode(ids);
const byGenerate = g.generate({ prime: 'the ', length: 60, temperature: 0.8, seed: 7 }).text;
console.log(`token by token: ${JSON.stringify(byHand)}`);
console.log(`generate():     ${JSON.stringify(byGenerate)}`);
console.log(`the same text: ${byHand === byGenerate} (the step ran on ${decoder.threads} thread(s))`);

// 2. An adaptive softmax over 2,000 "words": shortlist of 100, then clusters up to 500 and 2,000.
const rng2 = new Random(3);
const lm = new LanguageModel({ vocabSize: 2000, embeddingSize: 16, hiddenSize: 64, adaptive: { cutoffs: [100, 500] } }, rng2);
const tokens = { data: Int32Array.from({ length: 4 * 20 }, () => Math.floor(2000 * rng2.next() ** 3)), shape: [4, 20] };
const targets = Int32Array.from({ length: 4 * 20 }, () => Math.floor(2000 * rng2.next() ** 3));
// 40 Adam steps on one batch: the loss falls (the model learns the batch), with no step scoring all 2,000 words.
const adam = new Adam(lm.parameters(), { lr: 1e-2 });
let firstLoss = 0;
let loss = 0;
for (let step = 1; step <= 40; step++) {
  lm.zeroGrad();
  loss = lm.loss(tokens, targets).loss;
  if (step === 1) firstLoss = loss;
  lm.backwardLoss();
  adam.step();
}
const lp = lm.forward(tokens).logits;
let sum = 0;
for (let v = 0; v < 2000; v++) sum += Math.exp(lp.data[v]!);
console.log(`adaptive softmax: loss ${firstLoss.toFixed(3)} nats at step 1 (uniform guessing: ${Math.log(2000).toFixed(3)}), ${loss.toFixed(3)} at step 40; parameters ${lm.namedParameters().filter(([n]) => n.startsWith('head')).map(([n, p]) => `${n} [${p.shape.join('x')}]`).join(', ')}`);
console.log(`row 0's probabilities sum to ${sum.toFixed(6)}; head.head.weight has a gradient: ${lm.namedParameters().find(([n]) => n === 'head.head.weight')![1].grad.some((x) => x !== 0)}`);
