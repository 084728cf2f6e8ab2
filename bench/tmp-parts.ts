import { Adam, LanguageModel, Random, setBackend, crossEntropy, clipGradNorm } from '../src/index.js';
await setBackend('wasm');
const H = Number(process.argv[2] ?? 512);
const lm = new LanguageModel({ vocabSize: 65, embeddingSize: 64, hiddenSize: H, mode: (process.argv[3] ?? 'LSTM') as 'LSTM' }, new Random(1));
const opt = new Adam(lm.parameters(), { lr: 1e-3 });
const B = 32, T = 50;
const rng = new Random(2);
const inputs = { data: Int32Array.from({ length: B * T }, () => rng.int(65)), shape: [B, T] };
const targets = Int32Array.from({ length: B * T }, () => rng.int(65));
const acc: Record<string, number> = {};
const time = <R>(n: string, f: () => R): R => { const t0 = performance.now(); const r = f(); acc[n] = (acc[n] ?? 0) + performance.now() - t0; return r; };
for (let i = 0; i < 5; i++) {
  opt.zeroGrad();
  const emb = time('emb.f', () => lm.embedding.forward(inputs));
  const r = time('rnn.f', () => lm.rnn.forward(emb, {}));
  const logits = time('head.f', () => lm.head.forward(r.output));
  const { grad } = time('ce', () => crossEntropy(logits, targets));
  const g = time('head.b', () => lm.head.backward(grad));
  const gi = time('rnn.b', () => lm.rnn.backward({ gradOutput: g }));
  time('emb.b', () => lm.embedding.backward(gi.gradInput));
  time('clip', () => clipGradNorm(lm.parameters(), 5));
  time('adam', () => opt.step());
}
console.log(Object.entries(acc).map(([k, v]) => `${k} ${(v / 5).toFixed(1)}ms`).join('  '));
