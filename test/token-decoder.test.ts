/**
 * Decoding a token at a time (src/decoding/token-decoder.ts on the kernels'
 * stepper, src/decoding/sampling.ts' Sampler): the same logits as the
 * model's forward, on every backend and split; the same draws as ranking the
 * whole vocabulary; and the same generated text, for the same seed, as the
 * model's forward stepped token by token with that reference sampler.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError, LanguageModel, Random, Sampler, ShapeError, TextGenerator, TokenDecoder, Translator, beamSearch, beamSearchAll, logSoftmax,
  stackStates, stateRow, type CellKind, type LanguageModelConfig, type RecurrentState, type SamplingOptions,
} from '../packages/recurrent/src/node.js';
import { BACKEND_MODES, onKernels } from './backends.js';

/** The definition the Sampler must keep: rank every token (ties: lower id first), cut by top-k and top-p, walk down from the top. */
function referenceSample(logits: ArrayLike<number>, o: SamplingOptions, rng: Random): number {
  const n = logits.length;
  const logp = logSoftmax(logits, 0, n, o.temperature ?? 1);
  let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logp[b]! - logp[a]!);
  if (o.topK !== undefined) order = order.slice(0, o.topK);
  if (o.topP !== undefined && o.topP < 1) {
    let cum = 0;
    let keep = 0;
    while (keep < order.length && cum < o.topP) cum += Math.exp(logp[order[keep++]!]!);
    order = order.slice(0, Math.max(1, keep));
  }
  let total = 0;
  for (const i of order) total += Math.exp(logp[i]!);
  let u = rng.next() * total;
  for (const i of order) {
    u -= Math.exp(logp[i]!);
    if (u <= 0) return i;
  }
  return order[order.length - 1]!;
}

describe('Sampler', () => {
  it('draws what ranking the whole vocabulary draws: flat and peaked, ties, top-k, top-p, temperature', () => {
    const rng = new Random(5);
    let draws = 0;
    const seen = new Set<number>();
    for (let trial = 0; trial < 800; trial++) {
      const V = 1 + rng.int(300);
      const scale = [0.01, 1, 4, 20][trial % 4]!;
      // Every third distribution is rounded to whole numbers: many exact ties.
      const round = trial % 3 === 0 ? 1 : 100;
      const logits = Float32Array.from({ length: V }, () => Math.round(rng.normal() * scale * round) / round);
      const o = [{}, { topK: 1 + rng.int(V + 3) }, { topP: rng.next() }, { topK: 1 + rng.int(10), topP: 0.5 + rng.next() / 2, temperature: 0.7 }][trial % 4]!;
      const s = new Sampler(V);
      for (let r = 0; r < 10; r++) {
        const seed = trial * 100 + r;
        const got = s.sample(logits, 0, o, new Random(seed));
        assert.equal(got, referenceSample(logits, o, new Random(seed)), `V=${V} ${JSON.stringify(o)} seed ${seed}`);
        seen.add(got);
        draws++;
      }
    }
    assert.equal(draws, 8000);
    assert.ok(seen.size > 50, 'the draws spread over many tokens');
  });

  it('reads logits at an offset and ignores a masked token', () => {
    const logits = Float32Array.of(9, 9, 0, 0, -Infinity, 0);
    const s = new Sampler(3);
    for (let seed = 0; seed < 200; seed++) assert.notEqual(s.sample(logits, 3, {}, new Random(seed)), 1);
  });
});

type Case = { mode: CellKind; hiddenSize: number; numLayers: number; vocabSize: number; embeddingSize: number; batch: number; extra?: Partial<LanguageModelConfig> };
const CASES: Case[] = [
  { mode: 'LSTM', hiddenSize: 24, numLayers: 2, vocabSize: 13, embeddingSize: 8, batch: 1 },
  { mode: 'GRU', hiddenSize: 16, numLayers: 2, vocabSize: 21, embeddingSize: 6, batch: 3 },
  { mode: 'RNN_TANH', hiddenSize: 32, numLayers: 3, vocabSize: 9, embeddingSize: 5, batch: 2 },
  { mode: 'RNN_RELU', hiddenSize: 16, numLayers: 1, vocabSize: 7, embeddingSize: 4, batch: 1 },
  // A vocabulary too large for the first layer's lookup table (more than 4x its inputs): the embedding row is the input.
  { mode: 'LSTM', hiddenSize: 16, numLayers: 1, vocabSize: 100, embeddingSize: 8, batch: 2 },
  // An odd hidden size: one thread, edge strips.
  { mode: 'GRU', hiddenSize: 13, numLayers: 2, vocabSize: 11, embeddingSize: 3, batch: 2 },
  // Cells the fused kernel lacks: the modules' path.
  { mode: 'LSTM', hiddenSize: 16, numLayers: 2, vocabSize: 10, embeddingSize: 4, batch: 2, extra: { projSize: 8 } },
  { mode: 'LSTM', hiddenSize: 16, numLayers: 1, vocabSize: 10, embeddingSize: 4, batch: 1, extra: { peepholes: true } },
  { mode: 'GRU', hiddenSize: 16, numLayers: 1, vocabSize: 10, embeddingSize: 4, batch: 2, extra: { linearBeforeReset: false } },
];

for (const [name, load] of BACKEND_MODES) {
  describe(`TokenDecoder (${name})`, () => {
    onKernels(load);

    it('gives the logits and state of the model\'s forward, step after step, through reorders and a set state', () => {
      for (const c of CASES) {
        const rng = new Random(3);
        const model = new LanguageModel({ vocabSize: c.vocabSize, embeddingSize: c.embeddingSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, mode: c.mode, ...c.extra }, rng);
        model.eval();
        const B = c.batch;
        const dec = new TokenDecoder(model, B);
        const label = `${c.mode} H${c.hiddenSize} L${c.numLayers} V${c.vocabSize} B${B} ${JSON.stringify(c.extra ?? {})}`;
        if (name.includes('split by units forced') && c.hiddenSize % 8 === 0 && !c.extra) assert.equal(dec.threads, 2, `${label}: split between the threads`);
        let state: RecurrentState | null = null;
        for (let t = 0; t < 12; t++) {
          if (t === 4) {
            // Start both from the same non-zero state.
            const prime = model.forward({ data: Int32Array.from({ length: B * 3 }, () => rng.int(c.vocabSize)), shape: [B, 3] }, null);
            state = prime.state;
            dec.setState(state);
          }
          if (t === 8 && B > 1) {
            const from = Array.from({ length: B }, (_, b) => (b + 1) % B);
            from[0] = 0;
            dec.reorder(from);
            state = stackStates(from.map((r) => stateRow(state!, r)));
          }
          const tokens = Int32Array.from({ length: B }, () => rng.int(c.vocabSize));
          const want = model.forward({ data: tokens, shape: [B, 1] }, state);
          state = want.state;
          const got = dec.step(tokens);
          assert.equal(got.length, B * c.vocabSize, label);
          for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want.logits.data[i]!) <= 1e-5, `${label}: step ${t} logit ${i}: ${got[i]} vs ${want.logits.data[i]}`);
        }
        const s = dec.getState();
        for (let i = 0; i < s.h.size; i++) assert.ok(Math.abs(s.h.data[i]! - state!.h.data[i]!) <= 1e-5, `${label}: h`);
        if (s.c) for (let i = 0; i < s.c.size; i++) assert.ok(Math.abs(s.c.data[i]! - state!.c!.data[i]!) <= 1e-5, `${label}: c`);
        dec.dispose();
      }
    });

    it('generates the text of the model\'s forward stepped token by token, for the same seed: sampling and beam search', () => {
      const text = 'the cat sat on the mat; the dog ate the hat. '.repeat(20);
      const g = TextGenerator.create(text, { hiddenSize: 16, numLayers: 2, embeddingSize: 8 }, 4);
      const V = g.vocab.size;
      const prime = 'the ';
      const options: SamplingOptions[] = [{}, { temperature: 0.6 }, { topK: 3 }, { topP: 0.8, temperature: 1.3 }];
      for (const o of options) {
        const rng = new Random(11);
        const ids = g.vocab.encode(prime).ids;
        let out = g.model.forward({ data: ids, shape: [1, ids.length] }, null);
        let logits: Float32Array = out.logits.data.slice((ids.length - 1) * V);
        const want: number[] = [];
        for (let i = 0; i < 200; i++) {
          const id = referenceSample(logits, o, rng);
          want.push(id);
          out = g.model.forward({ data: Int32Array.of(id), shape: [1, 1] }, out.state);
          logits = out.logits.data;
        }
        const got = g.generate({ prime, length: 200, seed: 11, ...o });
        assert.equal(got.text, g.vocab.decode(want), JSON.stringify(o));
        assert.equal(g.generate({ prime, length: 200, seed: 11, ...o }).text, got.text, 'again');
      }
      // Beam search, one forward per hypothesis as the reference.
      const ids = g.vocab.encode(prime).ids;
      const reference = referenceBeam(g.model, ids, 4, 60);
      assert.equal(g.generate({ prime, length: 60, beam: 4 }).text, g.vocab.decode(reference));
    });

    it('refuses what it cannot do, in one line', () => {
      const model = new LanguageModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 8 }, new Random(1));
      const dec = new TokenDecoder(model, 2);
      assert.throws(() => dec.step([1]), (e: Error) => e instanceof ShapeError && /expected 2 token/.test(e.message));
      assert.throws(() => dec.step([1, 5]), (e: Error) => e instanceof ConfigError && /\[0, 5\), got 5/.test(e.message));
      assert.throws(() => dec.reorder([0, 2]), ConfigError);
      assert.throws(() => dec.setState({ h: model.forward({ data: Int32Array.of(1), shape: [1, 1] }).state.h, c: null }), ShapeError);
      assert.throws(() => new TokenDecoder(model, 0), ConfigError);
      const bi = new LanguageModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 8, bidirectional: true }, new Random(1));
      assert.throws(() => new TokenDecoder(bi), (e: Error) => e instanceof ConfigError && /bidirectional/.test(e.message));
      dec.dispose();
    });
  });
}

/** Beam search with one forward per hypothesis (the reference for the batched decoder), as generation ran before it. */
function referenceBeam(model: LanguageModel, prime: Int32Array, width: number, length: number): number[] {
  const V = model.config.vocabSize;
  const first = model.forward({ data: prime, shape: [1, prime.length] }, null);
  const logits0 = first.logits.data.slice((prime.length - 1) * V);
  return beamSearch<RecurrentState>(first.state, (live) => live.map((h) => {
    if (h.tokens.length === 0) return { logProbs: logSoftmax(logits0, 0, V), state: h.state };
    const r = model.forward({ data: Int32Array.of(h.tokens.at(-1)!), shape: [1, 1] }, h.state);
    return { logProbs: logSoftmax(r.logits.data, 0, V), state: r.state };
  }), { width, maxLength: length }).tokens;
}

/** The beam search's definition: rank each hypothesis' tokens by sorting them all, then all candidates (stable sorts). */
function referenceBeamSearchAll(table: (tokens: number[]) => number[], width: number, maxLength: number, end?: number, lengthNormalise = false): Array<{ tokens: number[]; logp: number }> {
  type H = { tokens: number[]; logp: number; done: boolean };
  const score = (h: H): number => (lengthNormalise ? h.logp / (h.tokens.length + 1) : h.logp);
  let hyps: H[] = [{ tokens: [], logp: 0, done: false }];
  for (let t = 0; t < maxLength && hyps.some((h) => !h.done); t++) {
    const next = hyps.filter((h) => h.done);
    for (const h of hyps.filter((x) => !x.done)) {
      const ranked = table(h.tokens).map((lp, v) => [lp, v] as const).sort((a, b) => b[0] - a[0]).slice(0, width);
      for (const [lp, v] of ranked) next.push({ tokens: v === end ? h.tokens : [...h.tokens, v], logp: h.logp + lp, done: v === end });
    }
    hyps = next.sort((a, b) => score(b) - score(a)).slice(0, width);
  }
  return hyps;
}

describe('beamSearchAll', () => {
  it('keeps what sorting every candidate keeps: ties, end tokens, length normalisation', () => {
    const rng = new Random(9);
    for (let trial = 0; trial < 300; trial++) {
      const V = 2 + rng.int(12);
      const seed = rng.int(1e9);
      // Log-probabilities rounded to tenths: ties are common.
      const table = (tokens: number[]): number[] => {
        const r = new Random(seed + tokens.reduce((s, v) => s * 31 + v + 1, 7));
        return Array.from({ length: V }, () => -Math.round(r.next() * 30) / 10);
      };
      const width = 1 + rng.int(5);
      const maxLength = rng.int(7);
      const end = trial % 2 ? rng.int(V) : undefined;
      const norm = trial % 3 === 0;
      const got = beamSearchAll<null>(null, (live) => live.map((h) => ({ logProbs: table(h.tokens), state: null })), { width, maxLength, ...(end !== undefined ? { end } : {}), lengthNormalise: norm });
      const want = referenceBeamSearchAll(table, width, maxLength, end, norm);
      assert.deepEqual(got.map((h) => [h.tokens, h.logp]), want.map((h) => [h.tokens, h.logp]), `trial ${trial}`);
    }
  });
});

describe('Translator beam search, batched over the beam', () => {
  it('finds what stepping each hypothesis alone finds', () => {
    const pairs = Array.from({ length: 40 }, (_, i) => ({ source: `a${i % 7} b${i % 5}`, target: `x${i % 5} y${i % 7}` }));
    const t = Translator.create(pairs, { hiddenSize: 16, embeddingSize: 8 }, 1);
    const m = t.model;
    for (const p of pairs.slice(0, 6)) {
      const got = t.translate(p.source, { beam: 3 });
      const ids = t.source.encode(p.source, t.options.sourceTokenizer);
      const enc = m.encode({ data: Int32Array.from(ids), shape: [1, ids.length] }, [ids.length]);
      const all = beamSearchAll<RecurrentState>(enc.state, (live) => live.map((h) => {
        const r = m.step(Int32Array.of(h.tokens.at(-1) ?? 2), h.state, enc.outputs, Int32Array.of(ids.length));
        return { logProbs: r.logProbs, state: r.state };
      }), { width: 3, maxLength: Math.ceil(t.options.lengthRatio * ids.length) + 10, end: 3, allowed: (v) => v > 1 && v !== 2, lengthNormalise: true });
      assert.deepEqual(got.beam.map((b) => b.logp.toFixed(4)), all.map((h) => h.logp.toFixed(4)), p.source);
    }
  });
});
