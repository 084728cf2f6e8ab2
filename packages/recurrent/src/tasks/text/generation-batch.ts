/**
 * Sampling many texts from one language model at once, each with its own
 * prime, length, sampling settings and seed: the live sequences are the rows
 * of one TokenDecoder, stepped together (one recurrent GEMM for all of them
 * per token instead of one per sequence), and a sequence may join or leave
 * between any two steps (continuous batching, as LLM servers do). Each
 * sequence gives exactly the tokens TextGenerator.generate gives it alone:
 * generate is a batch of one.
 *
 * The rows' states live in the decoder; when the rows change they are read
 * out, regrouped and set into the decoder for the new count. Decoders come in
 * power-of-two widths (1, 2, 4, ... maxRows), the spare rows idle: a handful
 * of decoders, each packing the weights once, serve every count.
 */
import { ConfigError } from '../../errors.js';
import type { LanguageModel, RecurrentState } from '../../models/language-model.js';
import { inEvalMode } from '../../nn/grad-mode.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { UNK, type Vocabulary } from '../../data/vocabulary.js';
import { Sampler, type SamplingOptions, checkSampling } from '../../decoding/sampling.js';
import { TokenDecoder } from '../../decoding/token-decoder.js';
import { stackStates, stateRow } from '../../decoding/state-rows.js';

/** One text to write. */
export interface SequenceRequest extends SamplingOptions {
  /** text to start from (default: a random token) */
  prime?: string;
  /** tokens to write (default 500) */
  length?: number;
  /** the sequence's own random seed (default 0) */
  seed?: number;
  /** each token's text as it is drawn (with word spacing) */
  onToken?(text: string): void;
}

/** A sequence's result. */
export interface SequenceResult {
  /** the tokens written, decoded */
  text: string;
  /** prime characters or words the vocabulary lacks (dropped, or read as <unk>) */
  unknown: string[];
  /** ids written */
  ids: number[];
  /** false when the sequence was cancelled before its length */
  complete: boolean;
}

/** What the batch needs of a text model: its network, vocabulary and token spacing. */
export interface TextModelView {
  readonly model: LanguageModel;
  readonly vocab: Vocabulary;
  /** the text token `id` adds after `prev` (null at the start) */
  tokenText(id: number, prev: number | null): string;
}

/** A sequence in the batch: its result once its last token is drawn. */
export interface SequenceHandle {
  /** null until the sequence ends */
  readonly result: SequenceResult | null;
  /** resolves when the sequence ends */
  readonly done: Promise<SequenceResult>;
  /** ends the sequence before the next step (its result is what was written so far) */
  cancel(): void;
}

/** Masks <unk> in `rows` rows of next-token logits, in place: it stands for many words; writing it out would mean nothing. */
export function unkMasker(vocab: Vocabulary): (logits: Float32Array, rows?: number) => Float32Array {
  const unkId = vocab.id(UNK);
  const V = vocab.size;
  return (l, rows = 1) => {
    if (unkId !== undefined) for (let b = 0; b < rows; b++) l[b * V + unkId] = -Infinity;
    return l;
  };
}

/**
 * A sequence's start: the prime's ids (when it has none, one random token
 * drawn from `rng` stands in), read by the model from a zero state: the
 * next-token logits (<unk> masked) and the state after the prime.
 */
export function readPrime(text: TextModelView, prime: string, rng: Random): { primeIds: Int32Array; unknown: string[]; logits: Float32Array; state: RecurrentState } {
  const reader = new PrimeReader(text, prime, rng);
  while (!reader.read()) { /* the next chunk */ }
  return reader.result();
}

/**
 * Reads a prime a chunk (PRIME_CHUNK tokens) at a time, the state carried
 * from one to the next: its memory stays PRIME_CHUNK x V however long the
 * prime (a 2 MB prime is a request like any other), only the last step's
 * logits are kept, and a caller sharing the thread (GenerationBatch) can do
 * other work between chunks.
 */
class PrimeReader {
  readonly primeIds: Int32Array;
  readonly unknown: string[];
  private readonly start: Int32Array;
  private at = 0;
  private state: RecurrentState | null = null;
  private last: Float32Array | null = null;

  constructor(private readonly text: TextModelView, prime: string, rng: Random) {
    const { ids, unknown } = text.vocab.encode(prime);
    this.primeIds = ids;
    this.unknown = unknown;
    this.start = ids.length ? ids : Int32Array.of(rng.int(text.vocab.size));
  }

  /** Reads the next chunk; true once the whole prime is read. */
  read(): boolean {
    const V = this.text.vocab.size;
    const model = this.text.model;
    const chunk = this.start.subarray(this.at, Math.min(this.at + PRIME_CHUNK, this.start.length));
    const out = inEvalMode(model, () => model.forward({ data: chunk, shape: [1, chunk.length] }, this.state));
    this.state = out.state;
    this.last = out.logits.data.slice((chunk.length - 1) * V, chunk.length * V);
    this.at += chunk.length;
    return this.at >= this.start.length;
  }

  /** The next-token logits (<unk> masked) and the state after the prime (once `read` returned true). */
  result(): { primeIds: Int32Array; unknown: string[]; logits: Float32Array; state: RecurrentState } {
    return { primeIds: this.primeIds, unknown: this.unknown, logits: unkMasker(this.text.vocab)(this.last!), state: this.state! };
  }
}

/**
 * Prime tokens read per forward pass: bounds the memory a long prime takes
 * (its logits are PRIME_CHUNK x V at most) and, in a batch, the wait it adds
 * to each token of the other sequences (one chunk per step).
 */
export const PRIME_CHUNK = 64;

interface Row {
  request: SequenceRequest;
  length: number;
  rng: Random;
  ids: number[];
  unknown: string[];
  prev: number | null;
  /** the state before the row's pending token (only until it joins the decoder) */
  state: RecurrentState | null;
  cancelled: boolean;
  handle: { result: SequenceResult | null; done: Promise<SequenceResult>; cancel(): void };
  resolve(r: SequenceResult): void;
}

/** Continuous batching for text generation: sequences join and leave one decoder between tokens; each writes what it would alone. */
export class GenerationBatch {
  private readonly sampler: Sampler;
  private readonly decoders = new Map<number, TokenDecoder>();
  /** rows in the decoder, in its row order */
  private rows: Row[] = [];
  /** rows primed but not yet in the decoder */
  private joining: Row[] = [];
  /** rows whose prime is longer than a chunk, read a chunk per step */
  private priming: Array<{ row: Row; reader: PrimeReader }> = [];
  private readonly V: number;
  private readonly maskUnk: (logits: Float32Array, rows?: number) => Float32Array;
  private readonly next: Int32Array;

  /** `maxRows`: the most sequences stepped together (more wait in `pending`). */
  constructor(private readonly text: TextModelView, readonly maxRows = 64) {
    if (!(Number.isInteger(maxRows) && maxRows >= 1)) throw new ConfigError(`GenerationBatch: maxRows must be a positive integer, got ${maxRows}`);
    if (text.model.config.bidirectional) throw new ConfigError('GenerationBatch: a bidirectional model cannot write a token at a time');
    this.V = text.vocab.size;
    this.sampler = new Sampler(this.V);
    this.maskUnk = unkMasker(text.vocab);
    this.next = new Int32Array(maxRows);
  }

  /** Sequences being written (in the decoder, joining it at the next step, or still reading their prime). */
  get size(): number {
    return this.rows.length + this.joining.length + this.priming.length;
  }

  /** True when a sequence can join now. */
  get hasRoom(): boolean {
    return this.size < this.maxRows;
  }

  /**
   * Throws the ConfigError `add` would throw for these settings (sampling,
   * length, seed), so that a caller can refuse a request before it answers
   * (a server before its stream starts); returns the length.
   */
  static checkRequest(request: SequenceRequest): number {
    checkSampling(request);
    const length = request.length ?? 500;
    if (!Number.isInteger(length) || length < 0) throw new ConfigError(`length must be a non-negative integer, got ${length}`);
    if (request.seed !== undefined && !Number.isSafeInteger(request.seed)) throw new ConfigError(`seed must be a safe integer, got ${request.seed}`);
    return length;
  }

  /**
   * Starts a sequence: reads (the first PRIME_CHUNK tokens of) its prime now,
   * and, once the prime is read, draws its first token (calling onToken); a
   * longer prime is read a chunk per `step()` (one long prime's chunk per
   * step, in turn), so that long primes do not hold the thread. The rest of
   * the tokens come one per `step()`. The handle holds the result once its
   * last token is drawn. Throws ConfigError for bad settings, and when the
   * batch is full (see hasRoom).
   */
  add(request: SequenceRequest): SequenceHandle {
    const length = GenerationBatch.checkRequest(request);
    if (!this.hasRoom) throw new ConfigError(`GenerationBatch: full (${this.maxRows} sequences); wait for one to end`);
    const rng = new Random(request.seed ?? 0);
    const reader = new PrimeReader(this.text, request.prime ?? '', rng);
    let resolve!: (r: SequenceResult) => void;
    const handle: Row['handle'] = { result: null, done: new Promise<SequenceResult>((r) => { resolve = r; }), cancel: () => { row.cancelled = true; } };
    const row: Row = {
      request, length, rng, ids: [], unknown: reader.unknown, prev: reader.primeIds.length ? reader.primeIds[reader.primeIds.length - 1]! : null, state: null, cancelled: false, handle, resolve,
    };
    if (length === 0) this.finish(row);
    else if (reader.read()) this.primed(row, reader);
    else this.priming.push({ row, reader });
    return handle;
  }

  /** A row whose prime is read: its first token drawn, then it joins the decoder (unless that was its length). */
  private primed(row: Row, reader: PrimeReader): void {
    const { logits, state } = reader.result();
    row.state = state;
    this.draw(row, logits, 0);
    if (row.ids.length < row.length) this.joining.push(row);
  }

  /**
   * One token for every live sequence, in one decoder step; sequences that
   * reach their length end (their promises resolve). Returns how many
   * sequences were stepped.
   */
  step(): number {
    // Long primes: one chunk per step, for one of them in turn (as LLM servers budget chunked prefill), so that
    // the sequences already writing wait one chunk per token at most, however many long primes arrive.
    this.priming = this.priming.filter(({ row }) => !row.cancelled || (this.finish(row), false));
    const turn = this.priming.shift();
    if (turn) {
      if (turn.reader.read()) this.primed(turn.row, turn.reader);
      else this.priming.push(turn);
    }
    this.joining = this.joining.filter((r) => !r.cancelled || (this.finish(r), false));
    if (this.rows.some((r) => r.cancelled)) this.drop((r) => r.cancelled);
    if (this.joining.length) this.regroup();
    const B = this.rows.length;
    if (B === 0) return 0;
    const decoder = this.decoder(B);
    this.next.fill(0);
    for (let b = 0; b < B; b++) this.next[b] = this.rows[b]!.ids[this.rows[b]!.ids.length - 1]!;
    const logits = this.maskUnk(decoder.step(this.next.subarray(0, decoder.batch)), B);
    // Read every row before the decoder steps again (its logits are a view).
    for (let b = 0; b < B; b++) this.draw(this.rows[b]!, logits, b * this.V);
    if (this.rows.some((r) => r.ids.length >= r.length)) this.drop((r) => r.ids.length >= r.length);
    return B;
  }

  /** Takes the rows `out` picks out of the decoder (ending them), regrouping the rest. */
  private drop(out: (r: Row) => boolean): void {
    const state = this.decoder(this.rows.length).getState();
    const gone = this.rows.filter(out);
    this.rows = this.rows.filter((r, b) => {
      r.state = stateRow(state, b);
      return !out(r);
    });
    if (this.rows.length) this.regroup(true);
    for (const r of gone) this.finish(r);
  }

  /** Frees the decoders' memory (the batch must be empty or abandoned). */
  dispose(): void {
    for (const d of this.decoders.values()) d.dispose();
    this.decoders.clear();
  }

  /** Draws a row's next token from logits[off, off+V) and hands it on. */
  private draw(row: Row, logits: Float32Array, off: number): void {
    const id = this.sampler.sample(logits, off, row.request, row.rng);
    row.ids.push(id);
    row.request.onToken?.(this.text.tokenText(id, row.prev));
    row.prev = id;
    if (row.ids.length >= row.length && this.rows.indexOf(row) < 0) this.finish(row);
  }

  private finish(row: Row): void {
    row.handle.result = { text: this.text.vocab.decode(row.ids), unknown: row.unknown, ids: row.ids, complete: row.ids.length >= row.length };
    row.resolve(row.handle.result);
  }

  /**
   * Puts the rows (and those joining) into the decoder for their count.
   * `fromRows`: the rows' states were just read out into row.state.
   */
  private regroup(fromRows = false): void {
    let states: RecurrentState[];
    if (fromRows || this.rows.length === 0) {
      states = this.rows.map((r) => r.state!);
    } else {
      const current = this.decoder(this.rows.length).getState();
      states = this.rows.map((_, b) => stateRow(current, b));
    }
    this.rows = [...this.rows, ...this.joining];
    states = [...states, ...this.joining.map((r) => r.state!)];
    this.joining = [];
    for (const r of this.rows) r.state = null;
    const decoder = this.decoder(this.rows.length);
    const zero = { h: Tensor.zeros(states[0]!.h.shape), c: states[0]!.c ? Tensor.zeros(states[0]!.c.shape) : null };
    while (states.length < decoder.batch) states.push(zero);
    decoder.setState(stackStates(states));
  }

  /** The decoder that steps B rows: the next power of two (at most maxRows) wide. */
  private decoder(B: number): TokenDecoder {
    let width = 1;
    while (width < B) width *= 2;
    width = Math.min(width, this.maxRows);
    let d = this.decoders.get(width);
    if (!d) this.decoders.set(width, (d = new TokenDecoder(this.text.model, width)));
    return d;
  }
}
