import { Adam, LanguageModel, Random, Trainer, TruncatedBPTT } from '../src/index.js';
import { setBackend, getBackend } from '../src/index.js';
await setBackend((process.argv[3] ?? 'wasm') as 'wasm');
console.log(getBackend());
const H = Number(process.argv[2] ?? 128);
const lm = new LanguageModel({ vocabSize: 65, embeddingSize: 64, hiddenSize: H }, new Random(1));
const tr = new TruncatedBPTT(lm, new Trainer(lm, new Adam(lm.parameters(), { lr: 1e-3 }), { clipNorm: 5 }));
const B = 32, T = 50;
const rng = new Random(2);
const inputs = { data: Int32Array.from({ length: B * T }, () => rng.int(65)), shape: [B, T] };
const targets = Int32Array.from({ length: B * T }, () => rng.int(65));
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  tr.step(inputs, targets);
  const dt = performance.now() - t0;
  console.log(`step ${dt.toFixed(0)} ms, ${(B * T / dt * 1000).toFixed(0)} chars/s`);
}
