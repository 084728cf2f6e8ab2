/**
 * Seeded mutation fuzzing of every parser a user's file reaches: bit flips,
 * truncations, splices, deleted and duplicated ranges, huge lengths written
 * over the bytes, and for JSON formats values swapped for hostile ones. Each
 * parser gets 2,000 inputs (a fixed count, not a time budget); the only exceptions allowed out are the library's
 * typed errors (RecurrentError subclasses), every input must finish quickly,
 * and no input may make the process hold much more memory than its own size.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseWav } from '../packages/recurrent/src/audio/wav.js';
import { mfcc } from '../packages/recurrent/src/audio/features.js';
import { parseTable } from '../packages/recurrent/src/data/csv.js';
import { parseLabelled } from '../packages/recurrent/src/data/labelled-text.js';
import { toSeries } from '../packages/recurrent/src/data/timeseries.js';
import { Vocabulary } from '../packages/recurrent/src/data/vocabulary.js';
import { RecurrentError } from '../packages/recurrent/src/errors.js';
import { importTfjs } from '../packages/recurrent/src/interop/keras.js';
import { importOnnx, toNativeModel } from '../packages/recurrent/src/interop/onnx/import.js';
import { exportOnnx } from '../packages/recurrent/src/interop/onnx/export.js';
import { modelFromFiles, modelToFiles } from '../packages/recurrent/src/io/model-files.js';
import { parseSafetensors } from '../packages/recurrent/src/io/safetensors.js';
import { parseJsonFile } from '../packages/recurrent/src/io/fs.js';
import { LanguageModel } from '../packages/recurrent/src/models/language-model.js';
import { GRU } from '../packages/recurrent/src/nn/recurrent/modules.js';
import { TextGenerator } from '../packages/recurrent/src/tasks/text/generator.js';
import { checkResumeState } from '../packages/recurrent/src/tasks/text/resume-state.js';
import { parsePairs } from '../packages/recurrent/src/tasks/translate/translator.js';
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { root } from './cli-helpers.js';
import { pcm16 } from './helpers.js';

/** Inputs per format: a fixed number, the same on every machine (not a time budget). */
const INPUTS = 2000;

type Mutator = (b: Uint8Array, r: Random) => Uint8Array;

const mutators: Array<[string, Mutator]> = [
  ['bit flips', (b, r) => {
    const out = b.slice();
    for (let k = 1 + r.int(8); k > 0 && out.length; k--) out[r.int(out.length)]! ^= 1 << r.int(8);
    return out;
  }],
  ['truncation', (b, r) => b.slice(0, r.int(b.length + 1))],
  ['splice', (b, r) => {
    const at = r.int(b.length + 1);
    const from = r.int(b.length + 1);
    const len = r.int(Math.min(64, b.length - from) + 1);
    return new Uint8Array([...b.subarray(0, at), ...b.subarray(from, from + len), ...b.subarray(at)]);
  }],
  ['deleted range', (b, r) => {
    const at = r.int(b.length + 1);
    return new Uint8Array([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + r.int(32)))]);
  }],
  ['huge length', (b, r) => {
    const out = b.slice();
    if (out.length < 8) return out;
    const at = r.int(out.length - 7) & ~3;
    const v = new DataView(out.buffer);
    const kind = r.int(4);
    if (kind === 0) v.setUint32(at, 0xffffffff, true);
    else if (kind === 1) v.setUint32(at, 0x7fffffff, true);
    else if (kind === 2) v.setBigUint64(at, 0xffffffffffffn, true);
    else out[at] = 0xff;
    return out;
  }],
  ['random bytes', (b, r) => {
    const out = b.slice();
    const at = r.int(out.length + 1);
    for (let i = at; i < Math.min(out.length, at + 1 + r.int(16)); i++) out[i] = r.int(256);
    return out;
  }],
];

const HOSTILE: unknown[] = [null, -1, 0, 1e300, -1e300, 2 ** 53, 1.5, '', 'x', [], {}, [1e9], true, Number.MAX_SAFE_INTEGER, 'NaN'];

/** A JSON value with one random node replaced by a hostile one, or a key removed. */
function mutateJson(v: unknown, r: Random): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as unknown;
  const nodes: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach((c, i) => (nodes.push({ parent: x, key: i }), walk(c)));
    else if (x && typeof x === 'object') for (const [k, c] of Object.entries(x)) (nodes.push({ parent: x as Record<string, unknown>, key: k }), walk(c));
  };
  walk(copy);
  if (nodes.length === 0) return HOSTILE[r.int(HOSTILE.length)];
  for (let k = 1 + r.int(3); k > 0; k--) {
    const n = nodes[r.int(nodes.length)]!;
    if (r.int(5) === 0 && !Array.isArray(n.parent)) delete (n.parent as Record<string, unknown>)[n.key as string];
    else (n.parent as Record<string | number, unknown>)[n.key] = HOSTILE[r.int(HOSTILE.length)];
  }
  return copy;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Format {
  name: string;
  seed: Uint8Array;
  /** JSON formats also get structure-aware mutations */
  json?: boolean;
  parse(input: Uint8Array): unknown;
}

/** Fuzzes one format; returns the number of inputs tried. */
function fuzz(f: Format, seed: number): { inputs: number; typedErrors: number } {
  const r = new Random(seed);
  // The unmutated input must parse: otherwise the fuzzer only tests the first check.
  f.parse(f.seed);
  // Plain copies: Buffer.slice (a Node Buffer seed) would be a view, and mutations would pile up.
  f.seed = new Uint8Array(f.seed);
  const pristine = new Uint8Array(f.seed);
  let inputs = 0;
  let typedErrors = 0;
  while (inputs < INPUTS) {
    const [what, m] = f.json && r.int(2) === 0
      ? ['json value', (b: Uint8Array): Uint8Array => enc.encode(JSON.stringify(mutateJson(JSON.parse(dec.decode(b)), r)))] as const
      : mutators[r.int(mutators.length)]!;
    const input = m(f.seed, r);
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    try {
      f.parse(input);
    } catch (e) {
      if (!(e instanceof RecurrentError)) {
        assert.fail(`${f.name}, input ${inputs} (${what}, ${input.length} bytes): ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
      }
      typedErrors++;
    }
    const ms = performance.now() - start;
    assert.ok(ms < 2000, `${f.name}, input ${inputs} (${what}) took ${ms.toFixed(0)} ms`);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 64 * 2 ** 20 + 1000 * input.length, `${f.name}, input ${inputs} (${what}, ${input.length} bytes) holds ${grown} more bytes`);
    inputs++;
  }
  assert.deepEqual(f.seed, pristine, 'mutations copy the seed');
  return { inputs, typedErrors };
}

function textModel(): TextGenerator {
  const g = TextGenerator.create('abcabcabd, the cat sat on the mat. '.repeat(20), { hiddenSize: 4, numLayers: 1, embeddingSize: 3 }, 0);
  return g;
}

describe('fuzzing the parsers (seeded mutations; only typed errors may come out)', () => {
  const lm = new LanguageModel({ vocabSize: 6, embeddingSize: 3, hiddenSize: 4, numLayers: 1, mode: 'LSTM' }, new Random(0));
  const gru = new GRU({ inputSize: 3, hiddenSize: 4, rng: new Random(1) });
  const files = modelToFiles(lm);
  const series = ['t,value', ...Array.from({ length: 40 }, (_, i) => `2020-01-${String(1 + Math.floor(i / 24)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z,${(Math.sin(i) * 5).toFixed(2)}`)].join('\n');
  const counts: string[] = [];

  const formats: Format[] = [
    { name: 'safetensors', seed: files.weights, parse: (b) => { const st = parseSafetensors(b); for (const n of st.names()) st.float32(n); } },
    { name: 'ONNX', seed: exportOnnx(gru), parse: (b) => toNativeModel(importOnnx(b)) },
    {
      name: 'tfjs model.json', json: true, seed: new Uint8Array(readFileSync(join(root, 'test/fixtures/fuzz/tfjs-lstm.json'))),
      parse: (b) => importTfjs(parseJsonFile(b, 'input.json'), readFileSync(join(root, 'test/fixtures/fuzz/tfjs-lstm.bin'))).toNative(),
    },
    {
      name: 'tfjs weight shard', seed: new Uint8Array(readFileSync(join(root, 'test/fixtures/fuzz/tfjs-lstm.bin'))),
      parse: (b) => importTfjs(JSON.parse(readFileSync(join(root, 'test/fixtures/fuzz/tfjs-lstm.json'), 'utf8')), b).toNative(),
    },
    { name: 'CSV series', seed: enc.encode(series), parse: (b) => toSeries(parseTable(dec.decode(b)), { columns: ['value'], time: 't' }) },
    {
      name: 'WAV', seed: pcm16(Array.from({ length: 800 }, (_, i) => (8000 / 32767) * Math.sin(i / 3))),
      parse: (b) => { const a = parseWav(b); mfcc(a.samples, a.sampleRate); },
    },
    { name: 'config.json', json: true, seed: enc.encode(JSON.stringify(files.config)), parse: (b) => modelFromFiles({ config: parseJsonFile(b, 'config.json') as never, weights: files.weights }) },
    { name: 'vocab.json', json: true, seed: enc.encode(JSON.stringify(textModel().vocab.toJSON())), parse: (b) => Vocabulary.fromJSON(parseJsonFile(b, 'input.json')) },
    (() => {
      const g = textModel();
      return {
        name: 'state.json', json: true, seed: new Uint8Array(0), parse: () => undefined, g,
      } as Format & { g: TextGenerator };
    })(),
    {
      name: 'labelled JSON', json: true, seed: enc.encode(JSON.stringify([{ text: 'good film', label: 'pos' }, { text: 'bad film', label: 'neg' }, { text: 'fine', label: 'pos' }])),
      parse: (b) => parseLabelled(dec.decode(b), 'data.json'),
    },
    { name: 'labelled CSV', seed: enc.encode('text,label\n"good, fine film",pos\nbad film,neg\nok,pos\n'), parse: (b) => parseLabelled(dec.decode(b), 'data.csv') },
    { name: 'pairs TSV', seed: enc.encode('one two\tdeux un\nthree\ttrois\n'), parse: (b) => parsePairs(dec.decode(b)) },
  ];

  it('state.json: the checkpoint a trained model writes', async () => {
    const g = textModel();
    await g.train('abcabcabd, the cat sat on the mat. '.repeat(20), { steps: 2, evalEvery: 2, batch: 2, seqLen: 8 });
    const saved = g.toFiles();
    const f = formats.find((x) => x.name === 'state.json')!;
    f.seed = enc.encode(JSON.stringify(saved.checkpoint!.state));
    f.parse = (b) => {
      const state = parseJsonFile(b, 'state.json') as unknown;
      checkResumeState(state, 'state.json');
      TextGenerator.fromFiles({ ...saved, checkpoint: { ...saved.checkpoint!, state: state as never } }, 'model', { resume: true });
    };
  });

  for (const f of formats) {
    it(f.name, () => {
      const { inputs, typedErrors } = fuzz(f, 12);
      counts.push(`${f.name} ${inputs} (${typedErrors} refused)`);
      console.log(`# fuzz ${f.name}: ${inputs} inputs, ${typedErrors} refused with typed errors, the rest parsed`);
      assert.equal(inputs, INPUTS);
      // Mutations that reach past the first check: some inputs are refused, and some still parse.
      assert.ok(typedErrors > 0 && typedErrors < inputs, `${f.name}: ${typedErrors} of ${inputs} refused`);
    });
  }
});
