/** Shared by the interop tests: the PyTorch fixture cases and how to run an imported model. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LanguageModel, type RecurrentBase, SequenceRegressor, Tensor, type importTorch, noGrad, parseSafetensors } from '../packages/recurrent/src/node.js';

export const fixtureDir = join(resolve(dirname(fileURLToPath(import.meta.url))), 'fixtures/interop/torch');
const dir = fixtureDir;

export interface TorchCase {
  name: string;
  weights: Uint8Array;
  input: Tensor;
  output: Tensor;
  meta: { model: string; rename?: Record<string, string>; nonlinearity?: 'tanh' | 'relu' };
}

export function loadTorchCase(name: string): TorchCase {
  const weights = new Uint8Array(readFileSync(join(dir, `${name}.safetensors`)));
  const io = parseSafetensors(new Uint8Array(readFileSync(join(dir, `${name}.io.safetensors`))), name);
  const input = io.tensors.get('input')!.dtype === 'I64' ? new Tensor(Float32Array.from(io.integers('input')), [...io.tensors.get('input')!.shape]) : io.float32('input');
  return { name, weights, input, output: io.float32('output'), meta: JSON.parse(io.metadata.case!) as TorchCase['meta'] };
}

/** Runs an imported model on a case's input. */
export function runImported(model: ReturnType<typeof importTorch>, input: Tensor): Tensor {
  return noGrad(() => {
    if (model instanceof LanguageModel) return model.forward({ data: Int32Array.from(input.data), shape: input.shape }).logits;
    if (model instanceof SequenceRegressor) return model.forward(input);
    return (model as RecurrentBase).forward(input).output;
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

