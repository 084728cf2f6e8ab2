import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  FIXTURE_KINDS, Tensor, fixtureKind, getThreads, parseSafetensors, runFixture, serializeSafetensors,
} from '../packages/recurrent/src/node.js';
import { BACKEND_MODES, onKernels } from './backends.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '../shared/fixtures');
const sharedFixtures = join(shared, 'torch');
const extraFixtures = resolve(root, 'test/fixtures/torch-extra');

/**
 * Every fixture folder beside ours and in ../shared/fixtures; a folder's files are run when their kind
 * is one this runner knows, whatever the folder is called, so fixtures not seen before run too.
 */
const folders = [...readdirSync(shared, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(shared, d.name)), extraFixtures];
const known = new Set<string>(FIXTURE_KINDS);
const fixtures = folders.flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith('.safetensors')).sort().map((name) => {
  const bytes = new Uint8Array(readFileSync(join(dir, name)));
  return { dir, name, bytes, kind: fixtureKind(bytes) };
}));


describe('PyTorch fixtures found', () => {
  it('every fixture folder is read; the torch folder\'s kinds are known', () => {
    const ours = fixtures.filter((f) => f.kind !== null && known.has(f.kind));
    assert.ok(ours.filter((f) => f.dir === sharedFixtures).length >= 13, 'the shared torch fixtures');
    assert.ok(ours.filter((f) => f.dir === extraFixtures).length >= 10, 'our extra fixtures');
    const other = fixtures.filter((f) => f.kind === null || !known.has(f.kind));
    assert.ok(ours.filter((f) => f.kind === 'ctc').length >= 3, 'the shared CTC fixtures');
    assert.ok(ours.filter((f) => f.kind === 'conv2d' && f.dir !== extraFixtures).length >= 2, 'the shared conv2d fixtures');
    assert.ok(ours.filter((f) => f.kind === 'conv2d' && f.dir === extraFixtures).length >= 4, 'our conv2d fixtures (dilation, no bias, padded pooling)');
    // Kinds of later issues are not this runner's; a file whose kind cannot be read is a failure.
    assert.deepEqual(other.filter((f) => f.kind === null).map((f) => f.name), []);
    if (other.length) console.log(`# fixtures of kinds this runner does not know (yet): ${[...new Set(other.map((f) => f.kind))].join(', ')} (${other.length} files)`);
  });
});

for (const [label, load] of BACKEND_MODES) {
  describe(`PyTorch fixtures on ${label}`, () => {
    onKernels(load, () => assert.equal(getThreads(), label.includes('two threads') ? 2 : 1));
    for (const f of fixtures.filter((x) => x.kind !== null && known.has(x.kind))) {
      it(`${f.dir.split('/').at(-1)}/${f.name}`, () => {
        const r = runFixture(f.name, f.bytes);
        assert.equal(r.error, undefined, r.error);
        const bad = r.comparisons.filter((c) => !c.pass).map((c) => `${c.name}: max error ${c.maxError}${c.problem ? ` (${c.problem})` : ''}`);
        assert.deepEqual(bad, []);
        assert.ok(r.comparisons.length >= 2, 'compares outputs and gradients');
      });
    }
  });
}

describe('conformance CLI', () => {
  it('passes on the shared fixtures and prints one line per fixture', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/conformance.ts', sharedFixtures], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    const fixtureLines = lines.filter((l) => /^(PASS|FAIL) /.test(l));
    assert.ok(fixtureLines.length >= 13);
    assert.ok(fixtureLines.every((l) => l.startsWith('PASS ') && /max\|err\|: /.test(l)));
    assert.match(lines.at(-1)!, /^\d+ passed, 0 failed \(backend wasm/);
  });

  it('--split runs the two-thread build with a split forced, and says so', () => {
    for (const split of ['batches', 'units']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/conformance.ts', sharedFixtures, '--split', split], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout.trim().split('\n').at(-1)!, new RegExp(`^\\d+ passed, 0 failed \\(backend wasm[\\w-]*, 2 threads, ${split} split forced`));
    }
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/conformance.ts', sharedFixtures, '--split', 'rows'], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--split must be 'batches' or 'units', got 'rows'/);
  });

  it('exits non-zero and says why when a fixture is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-fixtures-'));
    // A real fixture with its mode changed to one that does not exist.
    const good = new Uint8Array(readFileSync(join(sharedFixtures, 'gru_basic.safetensors')));
    const f = parseSafetensors(good);
    const meta = JSON.parse(f.metadata.fixture!) as Record<string, unknown>;
    const tensors = Object.fromEntries(f.names().map((n) => [n, f.float32(n)]));
    writeFileSync(join(dir, 'bad_mode.safetensors'), serializeSafetensors(tensors, { fixture: JSON.stringify({ ...meta, mode: 'LSTMX' }) }));
    const { output: _dropped, ...withoutOutput } = tensors;
    writeFileSync(join(dir, 'missing_output.safetensors'), serializeSafetensors(withoutOutput, { fixture: JSON.stringify(meta) }));
    writeFileSync(join(dir, 'truncated.safetensors'), good.subarray(0, 100));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/conformance.ts', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAIL bad_mode\.safetensors .*unknown mode "LSTMX"/);
    assert.match(r.stdout, /FAIL missing_output\.safetensors .*kind 'rnn' needs tensor 'output', which the fixture does not have/);
    assert.match(r.stdout, /FAIL truncated\.safetensors .*header length \d+ points past the end/);
    assert.match(r.stdout, /0 passed, 3 failed/);
  });

  it('a fixture without the upstream gradients or initial states it must hold fails, naming them (no silent skip)', () => {
    const good = new Uint8Array(readFileSync(join(sharedFixtures, 'lstm_basic.safetensors')));
    const f = parseSafetensors(good);
    const tensors = Object.fromEntries(f.names().filter((n) => !['grad_h_n', 'c0', 'grad.c0'].includes(n)).map((n) => [n, f.float32(n)]));
    const r = runFixture('partial', serializeSafetensors(tensors, { fixture: f.metadata.fixture! }));
    assert.equal(r.pass, false);
    assert.match(r.error ?? '', /kind 'rnn' needs tensors 'c0', 'grad_h_n', 'grad\.c0', which the fixture does not have/);
  });

  it('a fixture whose values are off fails', () => {
    const good = new Uint8Array(readFileSync(join(sharedFixtures, 'lstm_basic.safetensors')));
    const f = parseSafetensors(good);
    const tensors = Object.fromEntries(f.names().map((n) => [n, f.float32(n)]));
    const out = tensors.output!;
    const shifted = new Tensor(out.data.map((v) => v + 1e-3), out.shape);
    const bytes = serializeSafetensors({ ...tensors, output: shifted }, { fixture: f.metadata.fixture! });
    const r = runFixture('shifted', bytes);
    assert.equal(r.pass, false);
    const c = r.comparisons.find((x) => x.name === 'output')!;
    assert.equal(c.pass, false);
    assert.ok(Math.abs(c.maxError - 1e-3) < 1e-5);
  });
});
