/** `recurrent export` and `recurrent import` as a user meets them: real processes, real files. */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LanguageModel, loadModel, noGrad, parseSafetensors } from '../packages/recurrent/src/node.js';
import { fixtureDir, loadTorchCase, maxAbsDiff } from './interop-helpers.js';
import { cliIn, oneLineError } from './cli-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-interop-cli-'));
const cli = cliIn(work);

describe('recurrent import / export', () => {
  const c = loadTorchCase('regressor-renamed-gru');
  const sd = join(work, 'regressor.safetensors');
  copyFileSync(join(fixtureDir, 'regressor-renamed-gru.safetensors'), sd);

  it('import --from torch with renames, then export to torch (original names) and ONNX', async () => {
    const out = join(work, 'imported');
    const r = cli('import', sd, '--from', 'torch', '--rename', 'lstm=rnn,fc=head', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /SequenceRegressor with [\d,]+ parameters/);
    const { model } = await loadModel(out);
    const y = noGrad(() => (model as unknown as { forward(x: typeof c.input): { data: Float32Array } }).forward(c.input));
    assert.ok(maxAbsDiff(y.data, c.output.data) <= 1e-5);

    const t = cli('export', out, '--format', 'torch', '--rename', 'rnn=lstm,head=fc', '--out', join(work, 'back.safetensors'));
    assert.equal(t.status, 0, t.stderr);
    const back = parseSafetensors(readFileSync(join(work, 'back.safetensors')));
    const orig = parseSafetensors(readFileSync(sd));
    assert.deepEqual(back.names().sort(), orig.names().sort());
    for (const n of orig.names()) assert.deepEqual(back.float32(n).data, orig.float32(n).data);
    assert.match(readFileSync(join(work, 'back.py'), 'utf8'), /self\.rnn = torch\.nn\.GRU\(4, 6, num_layers=2/);

    const o = cli('export', out, '--format', 'onnx');
    assert.equal(o.status, 0, o.stderr);
    assert.ok(existsSync(join(out, 'model.onnx')));
    const again = cli('import', join(out, 'model.onnx'), '--from', 'onnx', '--out', join(work, 'from-onnx'));
    assert.equal(again.status, 0, again.stderr);
    // The model that came back through ONNX computes PyTorch's outputs.
    const { model: fromOnnx } = await loadModel(join(work, 'from-onnx'));
    const z = noGrad(() => (fromOnnx as unknown as { forward(x: typeof c.input): { data: Float32Array } }).forward(c.input));
    assert.ok(maxAbsDiff(z.data, c.output.data) <= 1e-5, 'the ONNX round trip keeps the outputs');
  });

  it('import --from onnx of a torch.onnx file gives a LanguageModel', async () => {
    const out = join(work, 'lm');
    const r = cli('import', join(fixtureDir, 'lm-lstm-bi-2layer.onnx'), '--from', 'onnx', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const { model: lm } = await loadModel(out);
    assert.ok(lm instanceof LanguageModel);
    const want = loadTorchCase('lm-lstm-bi-2layer');
    const logits = noGrad(() => lm.forward({ data: Int32Array.from(want.input.data), shape: [...want.input.shape] }).logits);
    assert.ok(maxAbsDiff(logits.data, want.output.data) <= 1e-5, 'the imported model gives PyTorch\'s logits');
  });

  it('bad files: one line each, non-zero exit, nothing written', () => {
    const cut = join(work, 'cut.safetensors');
    writeFileSync(cut, readFileSync(sd).subarray(0, 100));
    oneLineError(cli('import', cut, '--from', 'torch', '--out', join(work, 'x1')), /cut\.safetensors/);
    oneLineError(cli('import', sd, '--from', 'torch', '--out', join(work, 'x2')), /tensors this import does not place: .*rename/);
    oneLineError(cli('import', join(work, 'nope.onnx'), '--from', 'onnx', '--out', join(work, 'x3')), /nope\.onnx: cannot read the ONNX model \(ENOENT\)/);
    writeFileSync(join(work, 'model.json'), '{"modelTopology": {}, "weightsManifest": []}');
    oneLineError(cli('import', join(work, 'model.json'), '--from', 'tfjs', '--out', join(work, 'x4')), /import reads Sequential models/);
    oneLineError(cli('export', work, '--format', 'onnx'), /config\.json: cannot read/);
    for (const d of ['x1', 'x2', 'x3', 'x4']) assert.ok(!existsSync(join(work, d)), d);
  });
});
