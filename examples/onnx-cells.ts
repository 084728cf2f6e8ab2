/**
 * The two cells ONNX has and PyTorch lacks, as trainable modules: the GRU with
 * the reset gate before the recurrent product (ONNX's default GRU, and what
 * converters write for Keras and TensorFlow GRUs) and the LSTM with peepholes.
 * Each goes out to ONNX and back (as a file from another toolkit would come
 * in), then trains on a task that needs memory: output the bit seen two steps
 * earlier.
 *
 *   npx tsx examples/onnx-cells.ts
 */
import { Adam, GRU, LSTM, Linear, Module, Random, type RecurrentBase, Tensor, Trainer, mseLoss } from 'recurrent-nn';
import { exportOnnx, importOnnx, toNativeModel } from 'recurrent-nn/onnx';

class Tagger extends Module {
  readonly head: Linear;

  constructor(readonly rnn: RecurrentBase, rng: Random) {
    super();
    this.registerModule('rnn', rnn);
    this.head = this.registerModule('head', new Linear({ inFeatures: rnn.outputSize, outFeatures: 1, rng }));
  }

  /** x is (B,T,1); returns (B,T,1). */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.rnn.forward(x).output);
  }

  backward(grad: Tensor): void {
    this.rnn.backward({ gradOutput: this.head.backward(grad) });
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
const cells: Array<[string, RecurrentBase]> = [
  ['GRU, reset gate first (ONNX linear_before_reset=0)', new GRU({ inputSize: 1, hiddenSize: 16, batchFirst: true, linearBeforeReset: false, rng })],
  ['LSTM with peepholes (ONNX input P)', new LSTM({ inputSize: 1, hiddenSize: 16, batchFirst: true, peepholes: true, rng })],
];
for (const [name, cell] of cells) {
  // Out to ONNX and back: the file's cell comes in as the same kind of module, with its weights.
  const bytes = exportOnnx(cell);
  const rnn = toNativeModel(importOnnx(bytes, 'cell.onnx')) as RecurrentBase;
  console.log(`${name}: ${bytes.length} bytes of ONNX, back as ${rnn.constructor.name} (peepholes ${rnn.peepholes}, linearBeforeReset ${rnn.linearBeforeReset})`);
  const model = new Tagger(rnn, rng);
  const trainer = new Trainer(model, new Adam(model.parameters(), { lr: 0.02 }), { clipNorm: 1 });
  let first = 0;
  let last = 0;
  for (let step = 1; step <= 300; step++) {
    const { x, y } = batch(rng, 32, 12);
    const { loss } = trainer.step(() => {
      const r = mseLoss(model.forward(x), y);
      model.backward(r.grad);
      return r.loss;
    });
    if (step === 1) first = loss;
    last = loss;
  }
  console.log(`  loss ${first.toFixed(4)} at step 1, ${last.toFixed(4)} at step 300`);
}
