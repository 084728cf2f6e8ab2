/**
 * A language model run one token at a time, for decoding: embedding, every
 * recurrent layer and the head, B rows at once (1 for sampling, the beam's
 * width for beam search). On the WebAssembly backend the whole stack is one
 * kernel call per token (Kernels.stepper: weights packed once, the state kept
 * in wasm memory, nothing allocated per token, the units split between two
 * threads when the step is large enough); elsewhere, and for cells the fused
 * kernel lacks (projection, peepholes, the reset-first GRU) and for an
 * adaptive softmax head, it steps the model's forward instead, with the same
 * results.
 *
 * It runs the model as evaluation does (no dropout) and reads the weights
 * when it is made: make a new one after training further.
 */
import { ConfigError, ShapeError } from '../errors.js';
import { kernels } from '../kernels/index.js';
import type { KernelStepper } from '../kernels/types.js';
import type { LanguageModel, RecurrentState } from '../models/language-model.js';
import { inEvalMode } from '../nn/grad-mode.js';
import { Linear } from '../nn/layers.js';
import { Tensor } from '../tensor/tensor.js';

/** A language model stepped one token at a time for a batch of sequences, keeping its state between steps (what generation and beam search run on). */
export class TokenDecoder {
  readonly batch: number;
  readonly vocabSize: number;
  private readonly stepper: KernelStepper | null;
  private readonly L: number;
  private readonly P: number;
  private readonly H: number;
  private readonly lstm: boolean;
  private readonly tokens: Int32Array;
  /** the modules' path: the state between steps */
  private state: RecurrentState | null = null;
  /** the reorder's copy of the rows (L*B*P, L*B*H) */
  private readonly scratchH: Float32Array;
  private readonly scratchC: Float32Array | null;

  constructor(readonly model: LanguageModel, batch = 1) {
    if (!(Number.isInteger(batch) && batch >= 1)) throw new ConfigError(`TokenDecoder: batch must be a positive integer, got ${batch}`);
    if (model.config.bidirectional) throw new ConfigError('TokenDecoder: a bidirectional model reads the whole sequence; it cannot decode a token at a time');
    this.batch = batch;
    this.vocabSize = model.config.vocabSize;
    this.L = model.rnn.numLayers;
    this.P = model.rnn.stateSize;
    this.H = model.rnn.hiddenSize;
    this.lstm = model.rnn.kind === 'LSTM';
    this.tokens = new Int32Array(batch);
    // An adaptive softmax head has no one matrix over the vocabulary: the modules' path gives its log-probabilities.
    const head = model.head instanceof Linear ? model.head : null;
    const layers = head ? model.rnn.stepLayers() : null;
    const k = kernels();
    this.stepper = head && layers && k.stepper
      ? k.stepper({
        layers, head: { weight: head.weight.data, bias: head.bias?.data ?? null, V: this.vocabSize }, batch,
        embedding: { weight: model.embedding.weight.data, count: model.embedding.numEmbeddings },
      })
      : null;
    this.scratchH = new Float32Array(this.L * batch * this.P);
    this.scratchC = this.lstm ? new Float32Array(this.L * batch * this.H) : null;
  }

  /** Threads a step runs on (1 on the modules' path). */
  get threads(): number {
    return this.stepper?.threads ?? 1;
  }

  /** Starts from a state: h (L,B,P) and, for an LSTM, c (L,B,H); null: zeros. */
  setState(state: RecurrentState | null): void {
    const { L, P, H, batch: B } = this;
    if (state) {
      const want = [L, B, P].join(', ');
      if (state.h.shape.join(', ') !== want) throw new ShapeError(`TokenDecoder.setState: h must be (${want}), got (${state.h.shape.join(', ')})`);
      if (this.lstm && (!state.c || state.c.shape.join(', ') !== [L, B, H].join(', '))) throw new ShapeError(`TokenDecoder.setState: an LSTM's c must be (${[L, B, H].join(', ')})`);
    }
    if (!this.stepper) {
      this.state = state ? { h: new Tensor(state.h.data.slice(), state.h.shape), c: state.c ? new Tensor(state.c.data.slice(), state.c.shape) : null } : null;
      return;
    }
    for (let l = 0; l < L; l++) {
      const h = this.stepper.h(l);
      if (state) h.set(state.h.data.subarray(l * B * P, (l + 1) * B * P));
      else h.fill(0);
      const c = this.stepper.c(l);
      if (c) {
        if (state?.c) c.set(state.c.data.subarray(l * B * H, (l + 1) * B * H));
        else c.fill(0);
      }
    }
  }

  /** A copy of the state: h (L,B,P), c (L,B,H) or null. */
  getState(): RecurrentState {
    const { L, P, H, batch: B } = this;
    if (!this.stepper) {
      const s = this.state;
      return s ? { h: new Tensor(s.h.data.slice(), s.h.shape), c: s.c ? new Tensor(s.c.data.slice(), s.c.shape) : null }
        : { h: Tensor.zeros([L, B, P]), c: this.lstm ? Tensor.zeros([L, B, H]) : null };
    }
    const h = new Float32Array(L * B * P);
    const c = this.lstm ? new Float32Array(L * B * H) : null;
    for (let l = 0; l < L; l++) {
      h.set(this.stepper.h(l), l * B * P);
      if (c) c.set(this.stepper.c(l)!, l * B * H);
    }
    return { h: new Tensor(h, [L, B, P]), c: c ? new Tensor(c, [L, B, H]) : null };
  }

  /**
   * Feeds one token per row (B ids) and returns the next-token logits (B,V).
   * On the kernel path the array is a view of the backend's memory, valid
   * until the next call: read it (or sample from it) before stepping again.
   */
  step(tokens: ArrayLike<number>): Float32Array {
    const { batch: B, vocabSize: V } = this;
    if (tokens.length !== B) throw new ShapeError(`TokenDecoder.step: expected ${B} token(s), one per row, got ${tokens.length}`);
    for (let b = 0; b < B; b++) {
      const id = tokens[b]!;
      if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new ConfigError(`TokenDecoder.step: token ids must be integers in [0, ${V}), got ${id}`);
      this.tokens[b] = id;
    }
    if (!this.stepper) {
      const out = inEvalMode(this.model, () => this.model.forward({ data: this.tokens, shape: [B, 1] }, this.state));
      this.state = out.state;
      return out.logits.data;
    }
    this.stepper.tokens().set(this.tokens);
    this.stepper.step();
    return this.stepper.logits();
  }

  /** Row b takes the state of row from[b] (B rows), as beam search keeps the hypotheses it extends. */
  reorder(from: ArrayLike<number>): void {
    const { L, P, H, batch: B } = this;
    if (from.length !== B) throw new ShapeError(`TokenDecoder.reorder: expected ${B} row(s), got ${from.length}`);
    for (let b = 0; b < B; b++) {
      if (!(Number.isInteger(from[b]) && from[b]! >= 0 && from[b]! < B)) throw new ConfigError(`TokenDecoder.reorder: rows must be in [0, ${B}), got ${from[b]}`);
    }
    const gather = (rows: (l: number) => Float32Array, n: number, scratch: Float32Array): void => {
      for (let l = 0; l < L; l++) {
        const a = rows(l);
        scratch.set(a.subarray(0, B * n), l * B * n);
        for (let b = 0; b < B; b++) a.set(scratch.subarray((l * B + from[b]!) * n, (l * B + from[b]! + 1) * n), b * n);
      }
    };
    if (this.stepper) {
      const s = this.stepper;
      gather((l) => s.h(l), P, this.scratchH);
      if (this.scratchC) gather((l) => s.c(l)!, H, this.scratchC);
      return;
    }
    if (!this.state) return; // zeros everywhere: nothing moves
    const st = this.state;
    gather((l) => st.h.data.subarray(l * B * P, (l + 1) * B * P), P, this.scratchH);
    if (this.scratchC && st.c) gather((l) => st.c!.data.subarray(l * B * H, (l + 1) * B * H), H, this.scratchC);
  }

  /** Gives the backend memory back; the decoder is unusable after. */
  dispose(): void {
    this.stepper?.dispose();
  }
}
