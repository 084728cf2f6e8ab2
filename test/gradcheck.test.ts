/**
 * Finite-difference checks of every module's backward, including what the
 * PyTorch fixtures do not cover (dropout between layers, cells over several
 * steps, Embedding padding, weighted and masked losses).
 */
import { describe, it } from 'node:test';
import {
  Conv2d, Dropout, Embedding, GlobalAvgPool2d, GRU, GRUCell, LSTM, LSTMCell, LanguageModel, Linear, RNN, RNNCell, Random, Sequential, Tensor,
  bceWithLogits, crossEntropy, getBackend, mseLoss, setBackend,
} from '../packages/recurrent/src/node.js';
import type { RecurrentBase } from '../packages/recurrent/src/node.js';
import { dot, gradCheck, randomTensor } from './helpers.js';

const rng = new Random(1234);

describe('finite-difference gradients', () => {
  it('Linear', () => {
    const lin = new Linear({ inFeatures: 5, outFeatures: 3, rng });
    const x = randomTensor([2, 4, 5], rng);
    const r = randomTensor([2, 4, 3], rng);
    const loss = () => dot(lin.forward(x).data, r.data);
    lin.zeroGrad();
    lin.forward(x);
    const dx = lin.backward(r);
    lin.clearCache();
    gradCheck([
      { name: 'x', values: x.data, grad: dx.data },
      { name: 'weight', values: lin.weight.data, grad: lin.weight.grad },
      { name: 'bias', values: lin.bias!.data, grad: lin.bias!.grad },
    ], () => { const v = loss(); lin.clearCache(); return v; });
  });

  it('Conv2d then the global average pool (the pool is not in the PyTorch fixtures; ReLU is, and its kink defeats a finite difference)', () => {
    const net = new Sequential(new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, stride: 2, rng }), new GlobalAvgPool2d());
    const conv = net.layers[0] as Conv2d;
    const x = randomTensor([2, 2, 5, 6], rng);
    const r = randomTensor([2, 3], rng);
    net.zeroGrad();
    net.forward(x);
    const dx = net.backward(r);
    gradCheck([
      { name: 'x', values: x.data, grad: dx.data },
      { name: 'weight', values: conv.weight.data, grad: conv.weight.grad },
      { name: 'bias', values: conv.bias!.data, grad: conv.bias!.grad },
    ], () => { const v = dot(net.forward(x).data, r.data); net.clearCache(); return v; });
  });

  it('Embedding, with a padding index that gets no gradient', () => {
    const emb = new Embedding({ numEmbeddings: 6, embeddingDim: 3, paddingIdx: 0, rng });
    const ids = { data: Int32Array.from([1, 2, 0, 2, 5, 1]), shape: [2, 3] };
    const r = randomTensor([2, 3, 3], rng);
    emb.forward(ids);
    emb.backward(r);
    const rows = emb.weight.data.subarray(3); // the padding row is checked separately
    gradCheck([{ name: 'weight', values: rows, grad: emb.weight.grad.subarray(3) }], () => { const v = dot(emb.forward(ids).data, r.data); emb.clearCache(); return v; });
    for (let j = 0; j < 3; j++) if (emb.weight.grad[j] !== 0) throw new Error('padding row received a gradient');
  });

  it('Dropout and Sequential (fixed mask via reseeding)', () => {
    const dropRng = new Random(5);
    const seq = new Sequential(new Linear({ inFeatures: 4, outFeatures: 6, rng }), new Dropout(0.4, dropRng), new Linear({ inFeatures: 6, outFeatures: 2, rng }));
    const x = randomTensor([3, 4], rng);
    const r = randomTensor([3, 2], rng);
    const run = () => { dropRng.seed(7); return seq.forward(x); };
    run();
    const dx = seq.backward(r);
    gradCheck([{ name: 'x', values: x.data, grad: dx.data }, ...seq.namedParameters().map(([n, p]) => ({ name: n, values: p.data, grad: p.grad }))],
      () => { const v = dot(run().data, r.data); seq.clearCache(); return v; });
  });

  const recurrentCases: Array<[string, () => RecurrentBase, { lengths?: number[]; batchFirst: boolean }]> = [
    ['LSTM 2 layers, bidirectional, dropout between layers', () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dropout: 0.3, batchFirst: true, rng: new Random(3) }), { batchFirst: true }],
    ['LSTM with projection, packed lengths', () => new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 2, numLayers: 2, batchFirst: true, rng: new Random(4) }), { batchFirst: true, lengths: [4, 2, 3] }],
    ['GRU bidirectional, packed, time-first', () => new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, rng: new Random(5) }), { batchFirst: false, lengths: [1, 4, 3] }],
    ['GRU 2 layers with dropout', () => new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.5, batchFirst: true, rng: new Random(6) }), { batchFirst: true }],
    ['RNN tanh, no bias', () => new RNN({ inputSize: 3, hiddenSize: 4, bias: false, batchFirst: true, rng: new Random(7) }), { batchFirst: true }],
  ];
  // The cells PyTorch lacks (ONNX's peephole LSTM and reset-first GRU), on each backend.
  const variantCases: typeof recurrentCases = [
    ['LSTM with peepholes, 2 layers, bidirectional, packed', () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, peepholes: true, rng: new Random(8) }), { batchFirst: false, lengths: [2, 4, 3] }],
    ['LSTM with peepholes and projection, batch-first', () => new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 3, peepholes: true, batchFirst: true, rng: new Random(9) }), { batchFirst: true }],
    ['GRU with the reset gate first, bidirectional, packed', () => new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, linearBeforeReset: false, rng: new Random(10) }), { batchFirst: false, lengths: [4, 1, 3] }],
    ['GRU with the reset gate first, 2 layers, batch-first, dropout', () => new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.5, batchFirst: true, linearBeforeReset: false, rng: new Random(12) }), { batchFirst: true }],
  ];
  const cases = [
    ...recurrentCases.map(([n, make, o]) => [n, make, o, null] as const),
    ...variantCases.flatMap(([n, make, o]) => (['js', 'wasm'] as const).map((b) => [`${n} (${b})`, make, o, b] as const)),
  ];
  for (const [name, make, opts, backend] of cases) {
    it(name, async () => {
      const before = getBackend();
      if (backend) await setBackend(backend, { threads: 1 });
      try {
        checkRecurrent(make(), opts);
      } finally {
        if (backend) await setBackend(before === 'js' ? 'js' : 'wasm');
      }
    });
  }
  function checkRecurrent(m: RecurrentBase, opts: { lengths?: number[]; batchFirst: boolean }): void {
    const B = 3;
    const T = 4;
    const x = randomTensor(opts.batchFirst ? [B, T, m.inputSize] : [T, B, m.inputSize], rng);
    const LD = m.numLayers * m.numDirections;
    const h0 = randomTensor([LD, B, m.stateSize], rng, 0.5);
    const c0 = m.kind === 'LSTM' ? randomTensor([LD, B, m.hiddenSize], rng, 0.5) : null;
    const rng0 = (m as unknown as { rng: Random }).rng;
    const run = () => { rng0.seed(11); return m.forward(x, { h0, c0, lengths: opts.lengths ?? null }); };
    const first = run();
    const ry = randomTensor([...first.output.shape], rng);
    const rh = randomTensor([...first.hN.shape], rng);
    const rc = first.cN ? randomTensor([...first.cN.shape], rng) : null;
    const g = m.backward({ gradOutput: ry, gradHN: rh, gradCN: rc });
    const loss = () => {
      const o = run();
      m.clearCache();
      return dot(o.output.data, ry.data) + dot(o.hN.data, rh.data) + (o.cN && rc ? dot(o.cN.data, rc.data) : 0);
    };
    gradCheck([
      { name: 'input', values: x.data, grad: g.gradInput.data },
      { name: 'h0', values: h0.data, grad: g.gradH0.data },
      ...(c0 ? [{ name: 'c0', values: c0.data, grad: g.gradC0!.data }] : []),
      ...m.namedParameters().map(([n, p]) => ({ name: n, values: p.data, grad: p.grad })),
    ], loss);
  }

  it('LSTMCell over three steps (backward in reverse order)', () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, rng });
    const xs = [0, 1, 2].map(() => randomTensor([2, 3], rng));
    const h0 = randomTensor([2, 4], rng);
    const c0 = randomTensor([2, 4], rng);
    const rs = xs.map(() => randomTensor([2, 4], rng));
    const run = () => {
      let s = { h: h0, c: c0 };
      return xs.map((x) => (s = cell.forward(x, s)));
    };
    run();
    let gh: Tensor | null = null;
    let gc: Tensor | null = null;
    const gx: Tensor[] = [];
    for (let t = 2; t >= 0; t--) {
      const dh = new Tensor(rs[t]!.data.map((v, i) => v + (gh ? gh.data[i]! : 0)), [2, 4]);
      const g = cell.backward({ gradH: dh, gradC: gc });
      gx[t] = g.gradInput;
      gh = g.gradH;
      gc = g.gradC;
    }
    gradCheck([
      ...xs.map((x, t) => ({ name: `x${t}`, values: x.data, grad: gx[t]!.data })),
      { name: 'h0', values: h0.data, grad: gh!.data },
      { name: 'c0', values: c0.data, grad: gc!.data },
      ...cell.namedParameters().map(([n, p]) => ({ name: n, values: p.data, grad: p.grad })),
    ], () => { const v = run().reduce((s, st, t) => s + dot(st.h.data, rs[t]!.data), 0); cell.clearCache(); return v; });
  });

  for (const [name, make] of [['GRUCell', () => new GRUCell({ inputSize: 3, hiddenSize: 4, rng })], ['RNNCell', () => new RNNCell({ inputSize: 3, hiddenSize: 4, rng })]] as const) {
    it(`${name} over two steps`, () => {
      const cell = make();
      const xs = [randomTensor([2, 3], rng), randomTensor([2, 3], rng)];
      const h0 = randomTensor([2, 4], rng);
      const r = randomTensor([2, 4], rng);
      const run = () => cell.forward(xs[1]!, cell.forward(xs[0]!, h0));
      run();
      const g1 = cell.backward(r);
      const g0 = cell.backward(g1.gradH);
      gradCheck([
        { name: 'x0', values: xs[0]!.data, grad: g0.gradInput.data },
        { name: 'x1', values: xs[1]!.data, grad: g1.gradInput.data },
        { name: 'h0', values: h0.data, grad: g0.gradH.data },
        ...cell.namedParameters().map(([n, p]) => ({ name: n, values: p.data, grad: p.grad })),
      ], () => { const v = dot(run().data, r.data); cell.clearCache(); return v; });
    });
  }

  it('cross-entropy with class weights, an ignored target and a mask', () => {
    const logits = randomTensor([5, 4], rng);
    const targets = [0, 3, -100, 2, 1];
    const opts = { weight: [1, 2, 0.5, 1.5], mask: [1, 1, 1, 1, 0] };
    const { grad } = crossEntropy(logits, targets, opts);
    gradCheck([{ name: 'logits', values: logits.data, grad: grad.data }], () => crossEntropy(logits, targets, opts).loss, { eps: 1e-3 });
    const sum = crossEntropy(logits, targets, { reduction: 'sum' });
    gradCheck([{ name: 'logits(sum)', values: logits.data, grad: sum.grad.data }], () => crossEntropy(logits, targets, { reduction: 'sum' }).loss, { eps: 1e-3 });
  });

  it('mean squared error and BCE with logits (with posWeight)', () => {
    const p = randomTensor([3, 2], rng);
    const y = randomTensor([3, 2], rng);
    gradCheck([{ name: 'mse', values: p.data, grad: mseLoss(p, y).grad.data }], () => mseLoss(p, y).loss, { eps: 1e-3 });
    const t = [1, 0, 1, 1, 0, 0];
    gradCheck([{ name: 'bce', values: p.data, grad: bceWithLogits(p, t, { posWeight: 2.5 }).grad.data }], () => bceWithLogits(p, t, { posWeight: 2.5 }).loss, { eps: 1e-3 });
    gradCheck([{ name: 'bce(sum)', values: p.data, grad: bceWithLogits(p, t, { reduction: 'sum' }).grad.data }], () => bceWithLogits(p, t, { reduction: 'sum' }).loss, { eps: 1e-3 });
  });

  it('LanguageModel end to end (embedding, GRU, head, cross-entropy)', () => {
    const lm = new LanguageModel({ vocabSize: 7, embeddingSize: 3, hiddenSize: 5, numLayers: 2, mode: 'GRU' }, new Random(8));
    const tokens = { data: Int32Array.from([1, 2, 3, 4, 5, 6, 0, 1]), shape: [2, 4] };
    const targets = [2, 3, 4, 5, 6, 0, 1, 2];
    const { logits } = lm.forward(tokens);
    lm.backward(crossEntropy(logits, targets).grad);
    gradCheck(lm.namedParameters().map(([n, p]) => ({ name: n, values: p.data, grad: p.grad })),
      () => { const v = crossEntropy(lm.forward(tokens).logits, targets).loss; lm.clearCache(); return v; }, { eps: 1e-2, atol: 5e-4 });
  });
});
