/**
 * Recurrent ONNX nodes with direction="reverse" alone (ONNX's semantics: each
 * sequence read from its last valid step, each step's output where that step
 * was), built by Debian's python3-onnx (scripts/make-onnx-reverse-fixtures.py)
 * and run here and by onnxruntime on the same inputs: every output, on both
 * backends, within 1e-5. Every file of the fixture folder is run.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Random, getBackend, setBackend } from '../packages/recurrent/src/node.js';
import { importOnnx, toNativeModel } from '../packages/recurrent/src/onnx.js';
import { root } from './cli-helpers.js';

const DIR = join(root, 'test/fixtures/onnx-reverse');
const files = readdirSync(DIR).filter((f) => f.endsWith('.onnx')).sort();
const T = 5;
const B = 3;
const LENS = [5, 3, 1];

describe('ONNX recurrent nodes with direction="reverse"', () => {
  it('the fixtures are there: LSTM, GRU and RNN cases', () => {
    for (const op of ['lstm', 'gru', 'rnn']) assert.ok(files.some((f) => f.startsWith(`${op}-`)), `an ${op} case in ${DIR}`);
  });

  for (const backend of ['js', 'wasm'] as const) {
    for (const file of files) {
      it(`${file} (${backend}): onnxruntime's outputs, sequence lengths and initial states included`, async () => {
        const bytes = readFileSync(join(DIR, file));
        // onnxruntime runs layout 0 only: a batch-major case is checked through its time-major twin (the same weights).
        const batchMajor = file.includes('batch-major');
        const twin = batchMajor ? file.replace('batch-major', 'time-major') : file;
        const session = await ort.InferenceSession.create(readFileSync(join(DIR, twin)));
        const before = getBackend();
        await setBackend(backend);
        try {
          const model = importOnnx(bytes, file);
          const rng = new Random(files.indexOf(file) + 1);
          const H = 4;
          const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
          /** (a, b, ...rest) -> (b, a, ...rest) */
          const swap01 = (data: Float32Array, a: number, b: number, rest: number): Float32Array => {
            const out = new Float32Array(data.length);
            for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.set(data.subarray((i * b + j) * rest, (i * b + j + 1) * rest), (j * a + i) * rest);
            return out;
          };
          const timeMajor: Record<string, { data: Float32Array | Int32Array; shape: number[] }> = {
            X: { data: random(T * B * 3), shape: [T, B, 3] },
            sequence_lens: { data: Int32Array.from(LENS), shape: [B] },
            initial_h: { data: random(B * H), shape: [1, B, H] },
          };
          if (file.startsWith('lstm')) timeMajor.initial_c = { data: random(B * H), shape: [1, B, H] };
          // The same values, batch-major where the case is.
          const feeds = Object.fromEntries(Object.entries(timeMajor).map(([k, v]) => [k, !batchMajor || k === 'sequence_lens' ? v
            : k === 'X' ? { data: swap01(v.data as Float32Array, T, B, 3), shape: [B, T, 3] } : { data: v.data, shape: [B, 1, H] }]));
          const theirs = await session.run(Object.fromEntries(Object.entries(timeMajor).map(([k, v]) => [k, new ort.Tensor(v.data instanceof Int32Array ? 'int32' : 'float32', v.data, v.shape)])));
          const ours = model.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { data: Array.from(v.data), shape: v.shape }])));
          for (const name of Object.keys(theirs)) {
            const t = theirs[name]!;
            let want = t.data as Float32Array;
            let shape = [...t.dims];
            // Y (T, 1, B, H) -> (B, T, 1, H); Y_h, Y_c (1, B, H) -> (B, 1, H).
            if (batchMajor && name === 'Y') [want, shape] = [swap01(want, T, B, H), [B, T, 1, H]];
            else if (batchMajor) shape = [B, 1, H];
            assert.deepEqual([...ours[name]!.shape], shape, `${name}'s shape`);
            const got = ours[name]!.data;
            let diff = 0;
            for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(want[i]! - got[i]!));
            assert.ok(diff < 1e-5, `${name}: largest difference ${diff}`);
          }
        } finally {
          await setBackend(before === 'js' ? 'js' : 'wasm');
        }
      });
    }
  }

  it('has no native module: conversion says so and points to run()', () => {
    const model = importOnnx(readFileSync(join(DIR, files[0]!)), files[0]!);
    assert.throws(() => toNativeModel(model), /reads its sequence in reverse only, which no native module does; run it with importOnnx\(\.\.\.\)\.run\(\)/);
  });
});
