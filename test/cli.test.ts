/** The command line as a user meets it: real processes, real files. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { cliIn, oneLineError } from './cli-helpers.js';
import { fmtTime } from '../packages/cli/src/progress.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-cli-'));
const cli = cliIn(work);
const corpus = join(work, 'corpus.txt');
const model = join(work, 'model');

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else out[p] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

describe('progress times', () => {
  it('round to the second before splitting minutes: 119.6 s is 2m00s, not 1m60s', () => {
    assert.equal(fmtTime(119.6), '2m00s');
    assert.equal(fmtTime(59.6), '1m00s');
    assert.equal(fmtTime(42.4), '42s');
    assert.equal(fmtTime(125), '2m05s');
    assert.equal(fmtTime(null), '--');
  });
});

describe('recurrent CLI', () => {
  before(() => {
    writeFileSync(corpus, 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.\n'.repeat(60));
  });

  it('train: JSON progress lines, a complete model folder', () => {
    const r = cli('train', corpus, '--steps', '20', '--eval-every', '10', '--hidden', '32', '--layers', '1', '--seq-len', '20', '--batch', '8', '--out', model, '--json');
    assert.equal(r.status, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: number; valLoss?: number });
    assert.equal(events[0]!.event, 'start');
    assert.deepEqual(events.filter((e) => e.event === 'eval').map((e) => e.step), [10, 20]);
    const done = events.at(-1)!;
    assert.equal(done.event, 'done');
    for (const f of ['config.json', 'model.safetensors', 'vocab.json', 'loss.svg', 'loss.png', 'checkpoint/model.safetensors', 'checkpoint/optimizer.safetensors', 'checkpoint/state.json']) {
      assert.ok(existsSync(join(model, f)), f);
    }
    assert.deepEqual([...readFileSync(join(model, 'loss.png')).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.match(readFileSync(join(model, 'loss.svg'), 'utf8'), /<svg/);
  });

  it('train: the samples at the end start from the text trained on, and the hint suggests the same prime', () => {
    const text = join(work, 'zebras.txt');
    writeFileSync(text, 'ZEBRAS\n\n' + 'Zebras graze on the open plain while the lions sleep in the shade of the acacia trees by the dry river in the afternoon.\n'.repeat(40));
    const r = cli('train', text, '--steps', '4', '--hidden', '8', '--layers', '1', '--seq-len', '16', '--batch', '4', '--out', join(work, 'zebras'));
    assert.equal(r.status, 0, r.stderr);
    const samples = [...r.stdout.matchAll(/--- sample, temperature [\d.]+ ---\n(.*)/g)].map((m) => m[1]!);
    assert.equal(samples.length, 2, r.stdout);
    for (const s of samples) assert.ok(s.startsWith('Zebras graze '), `a sample starts from the user's text: ${s}`);
    assert.match(r.stdout, /more: recurrent generate .*zebras --prime "Zebras graze" --length 500/);
    assert.doesNotMatch(r.stdout, /The whale|Call me/);
  });

  it('generate: streams text after the prime, reproducibly', () => {
    const a = cli('generate', model, '--prime', 'Call', '--length', '40', '--seed', '3');
    const b = cli('generate', model, '--prime', 'Call', '--length', '40', '--seed', '3');
    assert.equal(a.status, 0, a.stderr);
    assert.ok(a.stdout.startsWith('Call'));
    assert.equal(Array.from(a.stdout.trimEnd()).length >= 30, true);
    assert.equal(a.stdout, b.stdout);
    const odd = cli('generate', model, '--prime', 'Zz', '--length', '5');
    assert.equal(odd.status, 0);
    assert.match(odd.stderr, /never saw "Z" "z"; dropped from the prime/);
  });

  it('inspect and resume', () => {
    const r = cli('inspect', model);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /parameters\s+[\d,]+/);
    assert.match(r.stdout, /trained on\s+corpus\.txt: [\d,]+ bytes, [\d,]+ tokens, sha256 [0-9a-f]{64}/);
    const again = cli('train', '--resume', model, corpus, '--steps', '10', '--json');
    assert.equal(again.status, 0, again.stderr);
    const info = JSON.parse(cli('inspect', model, '--json').stdout) as { training: { steps: number } };
    assert.equal(info.training.steps, 30);
  });

  it('bad input: one clear line, non-zero exit, nothing written', () => {
    const empty = join(work, 'empty.txt');
    writeFileSync(empty, '');
    const binary = join(work, 'blob.bin');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 0, 255]));
    const noText = join(work, 'no-text');
    mkdirSync(noText);
    writeFileSync(join(noText, 'image.png'), Buffer.from([0x89, 0x50]));
    const out = join(work, 'never');
    oneLineError(cli('train', empty, '--out', out), /empty\.txt: empty file/);
    oneLineError(cli('train', binary, '--out', out), /blob\.bin looks binary/);
    oneLineError(cli('train', join(work, 'missing.txt'), '--out', out), /missing\.txt: no such file or folder/);
    oneLineError(cli('train', noText, '--out', out), /the folder has no text files/);
    oneLineError(cli('train', corpus, '--hidden', 'lots', '--out', out), /--hidden expects an integer >= 1, got 'lots'/);
    oneLineError(cli('train', corpus, '--time', 'soon', '--out', out), /--time expects a positive duration like 90s/);
    assert.equal(existsSync(out), false);

    const before = snapshot(model);
    oneLineError(cli('train', corpus, '--out', model, '--steps', '1'), /already holds a model: use --resume/);
    assert.deepEqual(snapshot(model), before);

    const other = join(work, 'other-version');
    mkdirSync(other);
    for (const f of ['model.safetensors', 'vocab.json']) writeFileSync(join(other, f), readFileSync(join(model, f)));
    const cfg = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
    writeFileSync(join(other, 'config.json'), JSON.stringify({ ...cfg, version: 7 }));
    oneLineError(cli('generate', other), /model format version 7 is not supported/);

    const corrupt = join(work, 'corrupt');
    mkdirSync(corrupt);
    for (const f of ['config.json', 'vocab.json']) writeFileSync(join(corrupt, f), readFileSync(join(model, f)));
    writeFileSync(join(corrupt, 'model.safetensors'), readFileSync(join(model, 'model.safetensors')).subarray(0, 300));
    const corruptBefore = snapshot(corrupt);
    oneLineError(cli('generate', corrupt), /model\.safetensors: .*(outside|points past)/);
    oneLineError(cli('train', '--resume', corrupt, corpus, '--steps', '1'), /cannot read|outside|points past/);
    assert.deepEqual(snapshot(corrupt), corruptBefore);
    oneLineError(cli('generate', join(work, 'nowhere')), /config\.json: cannot read \(ENOENT\)/);
  });

  it('--help on every command', () => {
    for (const c of [[], ['train'], ['generate'], ['inspect']]) {
      const r = cli(...c, '--help');
      assert.equal(r.status, 0);
      assert.match(r.stdout, /Usage: recurrent/);
    }
  });
});
