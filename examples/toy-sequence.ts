/**
 * Train an LSTM on a toy sequence task and watch the loss fall.
 * The task: read a stream of random bits and output, at every step, the bit
 * seen two steps earlier, which a network can only do by remembering.
 *
 *   npx tsx examples/toy-sequence.ts     (in an app that installed recurrent: node toy-sequence.js, once compiled)
 */
import { Adam, LSTM, Linear, Module, Random, Tensor, Trainer, mseLoss } from 'recurrent-nn';

class Tagger extends Module {
  readonly lstm: LSTM;
  readonly head: Linear;

  constructor(rng: Random) {
    super();
    this.lstm = this.registerModule('lstm', new LSTM({ inputSize: 1, hiddenSize: 16, batchFirst: true, rng }));
    this.head = this.registerModule('head', new Linear({ inFeatures: 16, outFeatures: 1, rng }));
  }

  /** x is (B,T,1); returns (B,T,1). */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.lstm.forward(x).output);
  }

  backward(grad: Tensor): void {
    this.lstm.backward({ gradOutput: this.head.backward(grad) });
  }
}

function batch(rng: Random, B: number, T: number): { x: Tensor; y: Float32Array } {
  const x = new Float32Array(B * T);
  const y = new Float32Array(B * T);
  for (let i = 0; i < B * T; i++) x[i] = rng.next() < 0.5 ? 1 : 0;
  for (let b = 0; b < B; b++) for (let t = 2; t < T; t++) y[b * T + t] = x[b * T + t - 2]!;
  return { x: new Tensor(x, [B, T, 1]), y };
}

const rng = new Random(0);
const model = new Tagger(rng);
const trainer = new Trainer(model, new Adam(model.parameters(), { lr: 0.02 }), { clipNorm: 1 });
for (let step = 1; step <= 300; step++) {
  const { x, y } = batch(rng, 32, 12);
  const { loss, gradNorm } = trainer.step(() => {
    const { loss, grad } = mseLoss(model.forward(x), y);
    model.backward(grad);
    return loss;
  });
  if (step % 25 === 0) console.log(`step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}  grad norm ${gradNorm.toFixed(3)}`);
}

model.eval();
const { x, y } = batch(rng, 1, 12);
const out = model.forward(x);
console.log('input bits     ', [...x.data].join(' '));
console.log('target (t - 2) ', [...y].join(' '));
console.log('prediction     ', [...out.data].map((v) => (v > 0.5 ? 1 : 0)).join(' '));
