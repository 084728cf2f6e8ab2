/**
 * The examples run as a user would run them: the examples folder copied into
 * an app of its own, where `recurrent-nn` is an installed package (here the
 * workspace's, read from its sources), so an example that reached into the
 * repository (../bench, ../packages) would fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { root } from './cli-helpers.js';
import { hasEspeak } from './helpers.js';

const app = mkdtempSync(join(tmpdir(), 'recurrent-examples-'));
cpSync(join(root, 'examples'), join(app, 'examples'), { recursive: true });
symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'), 'dir');
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'examples-app', private: true, type: 'module' }));

const run = (file: string): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['--conditions=recurrent-source', '--import', import.meta.resolve('tsx'), join(app, 'examples', file)], { cwd: app, encoding: 'utf8', timeout: 120_000 });

describe('examples', () => {
  it('caption-features.ts: a decoder trained on features you bring captions unseen scenes; each word comes with its attention', () => {
    const r = run('caption-features.ts');
    assert.equal(r.status, 0, r.stderr);
    const bleu = Number(/BLEU-4 ([\d.]+), exact match/.exec(r.stdout)?.[1]);
    assert.ok(bleu > 0.7, `BLEU-4 ${bleu}`);
    assert.match(r.stdout, /looked at: (\S+:[0-2] )+\S+:[0-2]\n/);
  });

  it('batched-generation.ts: sequences stepped together, joining mid-way, each writes what it writes alone', () => {
    const r = run('batched-generation.ts');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.stdout.match(/\(the same alone: true\)/g) ?? []).length, 3, r.stdout);
    assert.match(r.stdout, /39 decoder steps for 90 tokens/);
  });

  it('spoken-words.ts: three recognisers of espeak-ng words and their average, on voices never trained on', () => {
    assert.ok(hasEspeak, 'espeak-ng is missing: apt-get install espeak-ng (.ci/run does)');
    const r = run('spoken-words.ts');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.stdout.match(/^member \d: [\d.]+% on 40 recordings/gm) ?? []).length, 3, r.stdout);
    const ensemble = Number(/ensemble of 3: ([\d.]+)%/.exec(r.stdout)?.[1]);
    assert.ok(ensemble >= 75, r.stdout);
    const probs = [.../"two" said by en-gb\+m7: (.*)/.exec(r.stdout)![1]!.matchAll(/(\w+) ([\d.]+)/g)].map((m) => Number(m[2]));
    assert.equal(probs.length, 4);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 0.003, r.stdout);
  });

  it('quickstart.mjs: trains, saves, loads and writes', () => {
    const r = run('quickstart.mjs');
    assert.equal(r.status, 0, r.stderr);
    // It learns: the validation loss falls at every evaluation, to a small fraction of guessing among the characters.
    const losses = [...r.stdout.matchAll(/step (\d+): validation ([\d.]+) nats\/char/g)].map((m) => Number(m[2]));
    assert.equal(losses.length, 3, r.stdout);
    assert.ok(losses[0]! > losses[1]! && losses[1]! > losses[2]!, `validation ${losses.join(', ')}`);
    assert.ok(losses[2]! < 0.25, `validation ${losses[2]} nats/char after 150 steps (guessing among 14 characters: 2.64)`);
    // The sample, from the reloaded folder, is made of the text's own words.
    const sample = /a sample: "(.{40})"/.exec(r.stdout)?.[1] ?? '';
    const inner = sample.split(/[ .]+/).filter(Boolean).slice(1, -1);
    assert.ok(inner.length >= 5 && inner.every((w) => ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'log'].includes(w)), `sample "${sample}"`);
  });

  it('toy-sequence.ts: the LSTM learns to recall the bit two steps back', () => {
    const r = run('toy-sequence.ts');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const target = lines.find((l) => l.startsWith('target'))!.split(/\s+/).slice(4);
    const predicted = lines.find((l) => l.startsWith('prediction'))!.split(/\s+/).slice(1);
    assert.deepEqual(predicted, target);
  });

  it('onnx-cells.ts: the reset-first GRU and the peephole LSTM come back from ONNX as themselves and learn', () => {
    const r = run('onnx-cells.ts');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /back as GRU \(peepholes false, linearBeforeReset false\)/);
    assert.match(r.stdout, /back as LSTM \(peepholes true, linearBeforeReset true\)/);
    const losses = [...r.stdout.matchAll(/loss ([\d.]+) at step 1, ([\d.]+) at step 300/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(losses.length, 2);
    for (const [first, last] of losses) assert.ok(last! < 0.1 * first!, `loss ${first} -> ${last}`);
  });

  it('memory-inspect.ts: the LSTM learns the adding problem, its output hangs on the marked steps, its input gate opens there', () => {
    const r = run('memory-inspect.ts');
    assert.equal(r.status, 0, r.stderr);
    const mse = Object.fromEntries([...r.stdout.matchAll(/^(\w+): test MSE ([\d.]+)/gm)].map((m) => [m[1], Number(m[2])]));
    assert.ok(mse.LSTM! < 0.02 && mse.RNN_TANH! > 0.1, JSON.stringify(mse));
    const lstm = r.stdout.slice(r.stdout.indexOf('LSTM:'));
    const c = /marked steps \d+ and \d+: ([\d.e+-]+), ([\d.e+-]+); to an unmarked one: ([\d.e+-]+)/.exec(lstm)!.slice(1).map(Number);
    assert.ok(c[0]! > 3 * c[2]! && c[1]! > 3 * c[2]!, `connectivity ${c}`);
    const g = /input gate ([\d.]+) at the marked steps, ([\d.]+) elsewhere/.exec(lstm)!.slice(1).map(Number);
    assert.ok(g[0]! > g[1]!, `input gate ${g}`);
  });

  it('decode-and-adaptive.ts: token by token is generate()\'s text; the adaptive softmax trains and sums to one', () => {
    const r = run('decode-and-adaptive.ts');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the same text: true/);
    const [first, last] = /adaptive softmax: loss ([\d.]+) nats at step 1 \(uniform guessing: [\d.]+\), ([\d.]+) at step 40/.exec(r.stdout)!.slice(1).map(Number);
    assert.ok(last! < 0.5 * first!, `the adaptive softmax trains: loss ${first} -> ${last}`);
    assert.match(r.stdout, /row 0's probabilities sum to 1\.0000\d\d|row 0's probabilities sum to 0\.9999\d\d/);
    assert.match(r.stdout, /head\.head\.weight has a gradient: true/);
    assert.match(r.stdout, /head\.tail\.1\.1\.weight \[1500x4\]/);
  });

  it('hybrid-forecast.ts: one model over four series beats seasonal naive on each; a forecast with its interval survives its files', () => {
    const r = run('hybrid-forecast.ts');
    assert.equal(r.status, 0, r.stderr);
    const rows = [...r.stdout.matchAll(/^(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+\(/gm)].map((m) => ({ name: m[1], hybrid: Number(m[2]), snaive: Number(m[4]) }));
    assert.deepEqual(rows.map((x) => x.name), ['austres', 'JohnsonJohnson', 'UKgas', 'woolyrnq']);
    for (const x of rows) assert.ok(x.hybrid < x.snaive, JSON.stringify(x));
    for (const [, m, lo, hi] of r.stdout.matchAll(/(\d+) \[(\d+), (\d+)\]/g)) assert.ok(Number(lo) <= Number(m) && Number(m) <= Number(hi));
    assert.match(r.stdout, /reloaded, the same forecast: true/);
  });

  it('ctc-tones.ts: the transcriber learns to write down tones as letters, with no alignment given', () => {
    const r = run('ctc-tones.ts');
    assert.equal(r.status, 0, r.stderr);
    const cer = Number(/character error rate on 20 new recordings: ([\d.]+)%/.exec(r.stdout)?.[1]);
    assert.ok(cer < 10, `character error rate ${cer}%`);
    // The first held-out recording, decoded greedily and by beam search: what was played, as evaluate heard it.
    const [played, heard] = /played (\S+)\s+heard (\S*)/.exec(r.stdout)!.slice(1);
    const [greedy, beam] = /greedy "([a-e]*)", beam search "([a-e]*)"/.exec(r.stdout)!.slice(1);
    assert.equal(greedy, heard);
    assert.ok(greedy!.length > 0 && beam!.length > 0, r.stdout);
    if (cer === 0) assert.deepEqual([greedy, beam], [played, played]);
  });
});
