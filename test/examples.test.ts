/** The examples run as a user would run them (against the library's sources here). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { root } from './cli-helpers.js';

const run = (file: string): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['--conditions=recurrent-source', '--import', import.meta.resolve('tsx'), join(root, 'examples', file)], { encoding: 'utf8', timeout: 120_000 });

describe('examples', () => {
  it('quickstart.mjs: trains, saves, loads and writes', () => {
    const r = run('quickstart.mjs');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /step 150: validation [\d.]+ nats\/char/);
    assert.match(r.stdout, /a sample: ".{40}"/);
  });

  it('toy-sequence.ts: the LSTM learns to recall the bit two steps back', () => {
    const r = run('toy-sequence.ts');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const target = lines.find((l) => l.startsWith('target'))!.split(/\s+/).slice(4);
    const predicted = lines.find((l) => l.startsWith('prediction'))!.split(/\s+/).slice(1);
    assert.deepEqual(predicted, target);
  });
});
