/** `recurrent memory` and `recurrent inspect --gradients / --activations` as a user runs them: real processes, real files. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { cliIn, oneLineError } from './cli-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-memory-cli-'));
const cli = cliIn(work);

describe('recurrent memory', () => {
  it('adding: one row per cell and init, one column per length, results and plots written', () => {
    const out = join(work, 'adding');
    const r = cli('memory', '--task', 'adding', '--lengths', '8,16', '--cells', 'rnn,gru', '--inits', 'default,chrono', '--params', '900', '--steps', '20', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^adding: MSE \(guessing: 0\.1667/);
    assert.match(lines[1]!, /^cell\s+hidden\s+params\s+T=8\s+T=16/);
    assert.deepEqual(lines.slice(2, 5).map((l) => l.split(/\s{2,}/)[0]), ['RNN', 'GRU', 'GRU (chrono)']);
    assert.match(r.stderr, /\[1\/6\] RNN, adding T=8 step 20\/20/);
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: Array<{ cell: string; length: number; parameters: number; gradientNorms: number[] }> };
    assert.equal(saved.results.length, 6);
    assert.ok(saved.results.every((x) => x.parameters <= 900 && x.gradientNorms.length === x.length));
    for (const f of ['adding.svg', 'adding.png', 'adding-gradients.svg', 'adding-gradients.png']) assert.ok(existsSync(join(out, f)), f);
    oneLineError(cli('memory', '--out', out, '--steps', '5'), /already exists: choose --out or add --force/);
  });

  it('copy and digits (a small CSV): their metrics; a bad digits file is one line', () => {
    const copy = cli('memory', '--task', 'copy', '--lengths', '5', '--cells', 'lstm', '--inits', 'chrono', '--params', '2000', '--steps', '10', '--out', join(work, 'copy'));
    assert.equal(copy.status, 0, copy.stderr);
    assert.match(copy.stdout, /^copy: loss \(nats\/step\) \(guessing: 10 ln 8\/\(T\+20\)/);
    assert.match(copy.stdout, /\nLSTM \(chrono\)/);
    const csv = join(work, 'digits.csv');
    writeFileSync(csv, Array.from({ length: 40 }, (_, i) => [...Array.from({ length: 64 }, (_, p) => (p * (i % 10)) % 17), i % 10].join(',')).join('\n'));
    const digits = cli('memory', '--task', 'permuted-digits', '--digits', csv, '--cells', 'gru', '--params', '1500', '--steps', '10', '--out', join(work, 'digits'));
    assert.equal(digits.status, 0, digits.stderr);
    assert.match(digits.stdout, /^permuted-digits: test accuracy \(guessing: 10%/);
    assert.match(digits.stdout, /\nGRU\s+\d+\s+[\d,]+\s+\d+\.\d%/);
    writeFileSync(csv, '1,2,3\n');
    oneLineError(cli('memory', '--task', 'digits', '--digits', csv, '--out', join(work, 'bad')), /line 1 has 3 values, expected 64 pixels and a label/);
    oneLineError(cli('memory', '--task', 'digits', '--digits', join(work, 'none.csv'), '--out', join(work, 'bad')), /cannot read the digits at .*none\.csv: ENOENT/);
    oneLineError(cli('memory', '--cells', 'lstm,tree'), /--cells: unknown cell 'tree'/);
    oneLineError(cli('memory', '--task', 'digits', '--curriculum', '--out', join(work, 'bad')), /--curriculum grows the length of the adding and copy tasks; it does not apply to --task digits/);
  });

  it('a bad list is refused before the output folder is made, so the corrected command runs', () => {
    const out = join(work, 'retry');
    for (const [flag, value, message] of [
      ['--lengths', '0,-1', /--lengths expects an integer >= 2, got '0'/], ['--cells', 'lstm,tree', /--cells: unknown cell 'tree'/], ['--inits', 'warm', /--inits/],
    ] as const) {
      oneLineError(cli('memory', flag, value, '--out', out), message);
      assert.ok(!existsSync(out), `${flag} ${value}: no folder left behind`);
    }
    oneLineError(cli('memory', '--explode', '2', '--lengths', 'x', '--out', out), /--lengths expects an integer >= 2, got 'x'/);
    assert.ok(!existsSync(out));
  });

  it('--curriculum: each run starts on short sequences, says which length it validates, records the stages', () => {
    const out = join(work, 'curriculum');
    const r = cli('memory', '--task', 'adding', '--lengths', '30', '--cells', 'gru', '--params', '1500', '--steps', '40', '--curriculum', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /GRU, adding T=30 step 40\/40 \(curriculum at T=10\): /);
    assert.match(r.stdout, /a curriculum of lengths \(on to the next once solved\)/);
    assert.match(r.stdout, /\nGRU\s+\d+\s+[\d,]+\s+still at T=10 /, '40 steps do not pass T=10');
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { settings: { curriculum: boolean }; results: Array<{ curriculum: { lengths: number[] } }> };
    assert.equal(saved.settings.curriculum, true);
    assert.deepEqual(saved.results[0]!.curriculum.lengths, [10, 20, 30]);
  });

  it('--explode: a tanh RNN with a large recurrent matrix, without and with clipping', () => {
    const r = cli('memory', '--explode', '2', '--lengths', '30', '--params', '1500', '--steps', '30', '--out', join(work, 'explode'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /spectral radius 2\), adding T=30, SGD lr 0\.01, 30 steps of 32/);
    assert.match(r.stdout, /\nno clipping {5}largest gradient norm \d\.\d\de[+-]\d+; /);
    assert.match(r.stdout, /\nclipping at 1 {3}largest gradient norm /);
    assert.ok(existsSync(join(work, 'explode', 'exploding.png')));
  });
});

describe('recurrent inspect --gradients and --activations', () => {
  const model = join(work, 'model');
  const text = join(work, 'text.txt');
  before(() => {
    writeFileSync(text, 'He said "call me Ishmael" (twice), then left.\nSome years ago, never mind how long.\n'.repeat(40));
    const r = cli('train', text, '--steps', '10', '--hidden', '16', '--layers', '2', '--seq-len', '20', '--batch', '4', '--out', model);
    assert.equal(r.status, 0, r.stderr);
  });

  it('--gradients: per layer, the norm steps back and the decay per step; curves and values written', () => {
    const r = cli('inspect', model, '--gradients', 'Some years ago, never mind how long precisely.');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^gradient of the loss of the last char \(\d+\.\d+ nats\), 44 steps back/);
    assert.match(r.stdout, /\nlayer 1: \|\|dL\/dh\|\| lag 0 \d\.\d\de[+-]\d+, lag 10 .*decay x\d\.\d{3} per step/);
    assert.match(r.stdout, /\nlayer 2: /);
    const saved = JSON.parse(readFileSync(join(model, 'gradients.json'), 'utf8')) as { layers: Array<{ norms: number[] }>; connectivity: number[] };
    assert.equal(saved.layers.length, 2);
    assert.equal(saved.layers[0]!.norms.length, 44);
    assert.equal(saved.connectivity.length, 44 * 44);
    assert.ok(existsSync(join(model, 'gradients.png')));
    oneLineError(cli('inspect', model, '--gradients', 'S'), /--gradients needs at least 2 characters the model knows, got 1/);
    const long = cli('inspect', model, '--gradients', 'Some years ago. '.repeat(40), '--json', '--out', join(work, 'long'));
    assert.equal(long.status, 0, long.stderr);
    assert.match(long.stderr, /--gradients reads the last 500 steps before the last char \(the text has 639\)/);
    assert.equal((JSON.parse(long.stdout) as { steps: number }).steps, 500);
  });

  it('--activations: the best cell for each property, HTML and PNG', () => {
    const out = join(work, 'acts');
    const r = cli('inspect', model, '--activations', text, '--max-chars', '800', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^800 characters of .*text\.txt, 16 cells in the top layer \(tanh\(c\)\)/);
    for (const p of ['inside double quotes', 'position in the line', 'inside parentheses', 'word boundary']) assert.match(r.stdout, new RegExp(`\\n${p.replace(/[()]/g, '\\$&')}.*\\s+\\d+\\s+-?\\d\\.\\d{3}\\s+[\\d,]+`));
    const html = readFileSync(`${out}.html`, 'utf8');
    assert.match(html, /<span style="background:rgba\(/);
    assert.deepEqual([...readFileSync(`${out}.png`).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const best = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { best: Array<{ cell: number; r: number }> };
    assert.equal(best.best.length, 4);
    assert.ok(best.best.every((b) => b.cell >= 0 && b.cell < 16 && Math.abs(b.r) <= 1));
    oneLineError(cli('inspect', model, '--activations', text, '--cell', '99'), /--cell must be in \[0, 15\] \(the top layer has 16 cells\), got 99/);
    oneLineError(cli('inspect', model, '--activations', join(work, 'missing.txt')), /missing\.txt: no such file/);
    writeFileSync(join(work, 'binary.bin'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0xff, 0xfe]));
    oneLineError(cli('inspect', model, '--activations', join(work, 'binary.bin')), /binary\.bin looks binary \(it has NUL bytes\): give a UTF-8 text file for --activations/);
    oneLineError(cli('inspect', model, '--activations', text, '--gradients', 'abc'), /give --gradients or --activations, not both/);
  });
});
