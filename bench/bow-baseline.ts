/**
 * The baseline a text classifier must beat: bag-of-words logistic regression
 * (binary word-presence features from the training texts; softmax regression
 * with L2 0.01 (chosen on the validation split from 0.001, 0.01, 0.1), trained
 * full-batch with Adam for 300 steps). A few lines, on the same split.
 */
import { wordTokens } from '../packages/recurrent/src/data/labelled-text.js';

export function bagOfWordsAccuracy(texts: string[], labels: string[], train: number[], val: number[], test: number[]): { val: number; test: number; l2: number } {
  const classes = [...new Set(labels)].sort();
  const K = classes.length;
  const vocab = new Map<string, number>();
  for (const i of train) for (const w of wordTokens(texts[i]!)) if (!vocab.has(w)) vocab.set(w, vocab.size);
  const V = vocab.size;
  const feats = (i: number): number[] => [...new Set(wordTokens(texts[i]!).map((w) => vocab.get(w)).filter((v): v is number => v !== undefined))];
  const X = texts.map((_, i) => feats(i));
  const y = labels.map((l) => classes.indexOf(l));
  const fit = (l2: number): Float64Array => {
    const W = new Float64Array((V + 1) * K);
    const m = new Float64Array(W.length);
    const v = new Float64Array(W.length);
    for (let step = 1; step <= 300; step++) {
      const g = new Float64Array(W.length);
      for (const i of train) {
        const s = new Float64Array(K);
        for (let k = 0; k < K; k++) {
          s[k] = W[V * K + k]!;
          for (const f of X[i]!) s[k] += W[f * K + k]!;
        }
        const mx = Math.max(...s);
        let z = 0;
        for (let k = 0; k < K; k++) z += s[k] = Math.exp(s[k]! - mx);
        for (let k = 0; k < K; k++) {
          const d = (s[k]! / z - (k === y[i] ? 1 : 0)) / train.length;
          g[V * K + k] += d;
          for (const f of X[i]!) g[f * K + k] += d;
        }
      }
      for (let j = 0; j < V * K; j++) g[j] += l2 * W[j]!;
      for (let j = 0; j < W.length; j++) {
        m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
        v[j] = 0.999 * v[j]! + 0.001 * g[j]! * g[j]!;
        W[j] -= (0.05 * m[j]! / (1 - 0.9 ** step)) / (Math.sqrt(v[j]! / (1 - 0.999 ** step)) + 1e-8);
      }
    }
    return W;
  };
  const accuracy = (W: Float64Array, idx: number[]): number => idx.filter((i) => {
    const s = Array.from({ length: K }, (_, k) => X[i]!.reduce((a, f) => a + W[f * K + k]!, W[V * K + k]!));
    return s.indexOf(Math.max(...s)) === y[i];
  }).length / idx.length;
  let best = { val: -1, test: 0, l2: 0 };
  for (const l2 of [0.001, 0.01, 0.1]) {
    const W = fit(l2);
    const a = accuracy(W, val);
    if (a > best.val) best = { val: a, test: accuracy(W, test), l2 };
  }
  return best;
}
