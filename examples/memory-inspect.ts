/**
 * Memory, measured: a tanh RNN and an LSTM (chrono init) learn the adding
 * problem at T = 40; then, for each, how the gradient of the loss fades going
 * back in time, how much the output depends on each input step, and, traced,
 * what the LSTM's gates do at the two marked steps.
 *
 *   npx tsx examples/memory-inspect.ts
 */
import {
  Adam, Random, SequenceRegressor, Tensor, Trainer, addingProblem, connectivity, decayPerStep, mseLoss, noGrad, regressorGradients,
} from 'recurrent-nn';

const T = 40;
const rng = new Random(1);
const test = addingProblem(200, T, new Random(2));

for (const mode of ['RNN_TANH', 'LSTM'] as const) {
  const model = new SequenceRegressor({ inputSize: 2, hiddenSize: 24, outputSize: 1, mode, ...(mode === 'LSTM' ? { chronoInit: T } : {}) }, rng);
  const trainer = new Trainer(model, new Adam(model.parameters(), { lr: 0.01 }), { clipNorm: 1 });
  for (let step = 0; step < 1000; step++) {
    const { x, y } = addingProblem(64, T, rng);
    trainer.step(() => {
      const r = mseLoss(model.forward(x), y);
      model.backward(r.grad);
      return r.loss;
    });
  }
  model.eval();
  const mse = noGrad(() => mseLoss(model.forward(test.x), test.y).loss);

  // ||dLoss/dh_t||: the last step is lag 0.
  const norms = regressorGradients(model, test.x, test.y).norms[0]!;
  const decay = Math.exp(decayPerStep(norms));
  console.log(`${mode}: test MSE ${mse.toFixed(4)} (guessing 0.1667); ||dL/dh|| lag 0 ${norms[T - 1]!.toExponential(2)}, lag 39 ${norms[0]!.toExponential(2)}, x${decay.toFixed(3)} per step`);

  // The first test sequence: how much the last output depends on each input step.
  const one = test.x.data.subarray(0, T * 2);
  const C = connectivity(model.rnn, new Tensor(one.slice(), [1, T, 2]));
  const marked = [...Array(T).keys()].filter((t) => one[t * 2 + 1] === 1);
  console.log(`  connectivity of the last output to the marked steps ${marked.join(' and ')}: ${marked.map((s) => C[(T - 1) * T + s]!.toExponential(2)).join(', ')}` +
    `; to an unmarked one: ${C[(T - 1) * T + [...Array(T).keys()].find((t) => !marked.includes(t))!]!.toExponential(2)}`);

  if (mode === 'LSTM') {
    // Traced: the mean input gate i and forget gate f over the cells, at the marked steps and elsewhere.
    const tr = noGrad(() => model.rnn.forward(new Tensor(one.slice(), [1, T, 2]), { trace: true })).trace![0]!;
    const H = model.rnn.hiddenSize;
    const mean = (t: number, gate: number): number => {
      let s = 0;
      for (let j = 0; j < H; j++) s += tr.gates!.data[t * 4 * H + gate * H + j]!;
      return s / H;
    };
    const other = [...Array(T).keys()].filter((t) => !marked.includes(t));
    const avg = (ts: number[], gate: number): number => ts.reduce((a, t) => a + mean(t, gate), 0) / ts.length;
    console.log(`  traced gates (mean over cells): input gate ${avg(marked, 0).toFixed(3)} at the marked steps, ${avg(other, 0).toFixed(3)} elsewhere; ` +
      `forget gate ${avg(marked, 1).toFixed(3)} and ${avg(other, 1).toFixed(3)}`);
  }
}
