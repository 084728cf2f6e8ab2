/**
 * Training past one machine: `recurrent export --format torch --trainer`
 * writes a DistributedDataParallel script; `torchrun --nproc_per_node 2` on
 * gloo continues the run, and every step's loss equals the one our own
 * resumed run takes at that step (same weights, Adam state, carried state,
 * chunk) within 1e-4; the loss falls; and `recurrent import --from torch
 * --like` brings the trained model back matching PyTorch's outputs within
 * 1e-5. Needs Debian's python3-torch (installed by .ci/run); skipped with a
 * message where it is absent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSafetensors } from '../packages/recurrent/src/index.js';
import { loadTextModel } from '../packages/recurrent/src/node.js';
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { cliIn, oneLineError } from './cli-helpers.js';

const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch, torch.distributed'], { encoding: 'utf8' });
const torchrun = spawnSync('torchrun', ['--help'], { encoding: 'utf8' });
const skip = torch.status !== 0 || torchrun.status !== 0
  ? 'needs PyTorch with torchrun for /usr/bin/python3 (Debian: apt-get install python3-torch; .ci/run installs it)'
  : false;

const work = mkdtempSync(join(tmpdir(), 'recurrent-ddp-'));
after(() => rmSync(work, { recursive: true, force: true }));
const run = cliIn(work);

describe('export --format torch --trainer: DDP on torchrun and back', { skip }, () => {
  const rng = new Random(1);
  const words = 'the cat sat on the mat and the dog ran to the park while a bird sang'.split(' ');
  const text = Array.from({ length: 3000 }, () => words[rng.int(words.length)]).join(' ');
  writeFileSync(join(work, 'text.txt'), text);
  const STEPS = 8;

  it('continues the run step for step, and the model comes back', async () => {
    let r = run('train', 'text.txt', '--hidden', '16', '--layers', '1', '--embedding', '8', '--batch', '4', '--seq-len', '10', '--steps', '6', '--eval-every', '3', '--lr', '0.01', '--out', 'm', '--json');
    assert.equal(r.status, 0, r.stderr);
    r = run('export', 'm', '--format', 'torch', '--trainer', '--data', 'text.txt');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /continues m from step 6 \(batch 4 streams of 10, adam at lr 0.01\)/);
    // --redirects/--tee: Debian's torch 1.13 launcher fails on Python 3.11 with its default of "0" (see the README).
    const ddp = spawnSync('torchrun', ['--redirects', '1', '--tee', '1', '--nproc_per_node', '2', 'train_ddp.py', '--steps', String(STEPS)], { cwd: join(work, 'm/torch-trainer'), encoding: 'utf8', timeout: 300_000 });
    assert.equal(ddp.status, 0, ddp.stderr + ddp.stdout);
    const theirs = (JSON.parse(readFileSync(join(work, 'm/torch-trainer/trained.losses.json'), 'utf8')) as { losses: number[]; processes: number; start: number });
    assert.equal(theirs.processes, 2);
    assert.equal(theirs.start, 6);
    assert.equal(theirs.losses.length, STEPS);

    // Our own run, resumed from the same checkpoint, one validation per step so each step's loss is recorded.
    const g = await loadTextModel(join(work, 'm'), { resume: true });
    const before = g.history.length;
    await g.train(text, { steps: STEPS, evalEvery: 1, evalTokens: 20 });
    const ours = g.history.slice(before).map((h) => h.loss);
    ours.forEach((l, i) => assert.ok(Math.abs(l - theirs.losses[i]!) < 1e-4, `step ${7 + i}: ours ${l}, PyTorch DDP ${theirs.losses[i]}`));
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    assert.ok(mean(theirs.losses.slice(-3)) < mean(theirs.losses.slice(0, 3)), `the loss falls: ${theirs.losses.map((l) => l.toFixed(3)).join(' ')}`);

    r = run('import', '--from', 'torch', 'm/torch-trainer/trained.safetensors', '--like', 'm', '--out', 'm-ddp');
    assert.equal(r.status, 0, r.stderr);
    const back = await loadTextModel(join(work, 'm-ddp'));
    const probe = parseSafetensors(new Uint8Array(readFileSync(join(work, 'm/torch-trainer/trained.probe.safetensors'))));
    const want = probe.float32('logits');
    const got = back.model.forward({ data: probe.integers('tokens'), shape: probe.shape('tokens') }, null).logits;
    assert.deepEqual(got.shape, want.shape);
    let err = 0;
    for (let i = 0; i < want.data.length; i++) err = Math.max(err, Math.abs(want.data[i]! - got.data[i]!));
    assert.ok(err < 1e-5, `max |ours - PyTorch| = ${err}`);
    // The folder is a text model: it writes.
    assert.equal(run('generate', 'm-ddp', '--length', '10').status, 0);
  });

  it('refuses what it cannot carry over, in one line, writing nothing', () => {
    writeFileSync(join(work, 'other.txt'), `${text} and more`);
    oneLineError(run('export', 'm', '--format', 'torch', '--trainer', 'tr2', '--data', 'other.txt'), /trained on 'text.txt' .*this text differs/);
    oneLineError(run('export', 'm', '--format', 'onnx', '--trainer'), /--trainer writes a PyTorch training script: use it with --format torch/);
    oneLineError(run('export', 'm', '--format', 'torch', '--trainer', 'tr3'), /trained on 'text.txt', not on a bundled corpus: give that text with --data FILE/);
    oneLineError(run('import', '--from', 'torch', 'm/torch-trainer/trained.safetensors', '--like', 'm', '--out', 'm-ddp'), /exists/);
    assert.equal(spawnSync('ls', [join(work, 'tr2')]).status === 0, false);
  });
});
