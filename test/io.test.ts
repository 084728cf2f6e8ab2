import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FormatError, GRU, LSTM, LanguageModel, Random, Tensor, loadModel, noGrad, parseSafetensors, saveModel, serializeSafetensors, writeFileAtomic,
} from '../packages/recurrent/src/node.js';
import { randomTensor } from './helpers.js';

function withHeader(header: object, dataBytes = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors', () => {
  it('round-trips float32 and int64 tensors with metadata', () => {
    const a = new Tensor(Float32Array.from([1.5, -2, 3.25, 0]), [2, 2]);
    const bytes = serializeSafetensors({ a, ids: { dtype: 'I64', shape: [3], data: [7, -1, 2 ** 31 - 1] } }, { note: 'hi' });
    const f = parseSafetensors(bytes);
    assert.deepEqual(f.float32('a').data, a.data);
    assert.deepEqual([...f.integers('ids')], [7, -1, 2 ** 31 - 1]);
    assert.equal(f.metadata.note, 'hi');
    assert.equal(new DataView(bytes.buffer).getBigUint64(0, true) % 8n, 0n, 'header padded to 8 bytes');
  });

  it('refuses malformed files, saying what and where, without trusting the header', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array(5), /5 bytes, too short/],
      [(() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /header length 1000 points past the end of the file \(8 bytes follow/],
      [(() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(), /points past the end/],
      [withHeader({ x: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, 12), /tensor 'x': shape \[2, 2\] of F32 needs 16 bytes, data_offsets give 12/],
      [withHeader({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 2), /tensor 'x': data_offsets \[0, 4\] lie outside the 2 data bytes/],
      [withHeader({ x: { dtype: 'F32', shape: [100000, 100000, 100000], data_offsets: [0, 4] } }, 4), /needs 4000000000000000 bytes/],
      [withHeader({ x: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }, 1), /unsupported dtype "Q8"/],
      [withHeader({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /shape must be a list of non-negative integers/],
      [(() => { const b = withHeader({}); b[8] = 0x7b; b[9] = 0x7b; return b; })(), /not valid UTF-8 JSON/],
    ];
    for (const [bytes, re] of cases) assert.throws(() => parseSafetensors(bytes, 'm.safetensors'), (e: Error) => e instanceof FormatError && re.test(e.message), `expected ${re}`);
    const f = parseSafetensors(withHeader({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4));
    assert.throws(() => f.integers('x'), /has dtype F32, expected an integer dtype/);
    assert.throws(() => f.float32('y'), /no tensor 'y' \(it has: x\)/);
  });
});

describe('model files', () => {
  it('a saved and loaded model gives bit-identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-model-'));
    const rng = new Random(3);
    const lm = new LanguageModel({ vocabSize: 11, embeddingSize: 4, hiddenSize: 6, numLayers: 2, mode: 'LSTM', projSize: 3 }, rng);
    const tokens = { data: Int32Array.from([1, 5, 7, 10, 0, 3]), shape: [2, 3] };
    const before = noGrad(() => lm.eval().forward(tokens).logits);
    await saveModel(dir, lm, { vocabulary: ['a', 'b'] });
    const { model: loaded, extra } = await loadModel(dir);
    assert.ok(loaded instanceof LanguageModel);
    assert.deepEqual(extra, { vocabulary: ['a', 'b'] }, 'loadModel returns what was saved with the model');
    assert.deepEqual(loaded.forward(tokens).logits.data, before.data);
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(config.extra, { vocabulary: ['a', 'b'] });
    assert.ok(parseSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors')))).has('rnn.weight_hr_l1'));

    const gru = new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, batchFirst: true, rng });
    const x = randomTensor([2, 5, 3], rng);
    await saveModel(join(dir, 'gru'), gru);
    const { model: g2, extra: none } = await loadModel(join(dir, 'gru'));
    assert.deepEqual(none, {});
    assert.ok(g2 instanceof GRU);
    assert.deepEqual(g2.forward(x).output.data, gru.eval().forward(x).output.data);
  });

  it('refuses a model folder from another version, a corrupt weight file, a missing folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-bad-'));
    await saveModel(dir, new LSTM({ inputSize: 2, hiddenSize: 3 }));
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, version: 99 }));
    await assert.rejects(loadModel(dir), /model format version 99 is not supported by this version of recurrent \(it reads version 1\)/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const w = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), w.subarray(0, w.length - 10));
    await assert.rejects(loadModel(dir), /model\.safetensors: tensor '.*': data_offsets .* lie outside/);
    await assert.rejects(loadModel(join(dir, 'nope')), /config\.json: cannot read \(ENOENT\)/);
  });

  it('writes atomically: replaces the file whole, leaves no temporary file, even when a write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-atomic-'));
    const path = join(dir, 'f.bin');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new');
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['f.bin']);
    await assert.rejects(writeFileAtomic(join(dir, 'missing-dir', 'g.bin'), 'x'));
    assert.deepEqual(readdirSync(dir), ['f.bin']);
  });
});
