import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Tensor, getBackend, parseSafetensors, runFixture, serializeSafetensors, setBackend } from '../packages/recurrent/src/node.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedFixtures = resolve(root, '../shared/fixtures/torch');
const extraFixtures = resolve(root, 'test/fixtures/torch-extra');

for (const backend of ['js', 'wasm'] as const) {
  for (const [label, dir] of [['shared PyTorch fixtures', sharedFixtures], ['extra PyTorch fixtures', extraFixtures]] as const) {
    describe(`${label} on the ${backend} backend`, () => {
      before(() => setBackend(backend));
      const names = readdirSync(dir).filter((n) => n.endsWith('.safetensors')).sort();
      it('finds fixtures', () => assert.ok(names.length > 0));
      for (const name of names) {
        it(name, () => {
          assert.match(getBackend(), backend === 'js' ? /^js$/ : /^wasm/);
          const r = runFixture(name, new Uint8Array(readFileSync(join(dir, name))));
          assert.equal(r.error, undefined, r.error);
          const bad = r.comparisons.filter((c) => !c.pass).map((c) => `${c.name}: max error ${c.maxError}${c.problem ? ` (${c.problem})` : ''}`);
          assert.deepEqual(bad, []);
          assert.ok(r.comparisons.length >= 3, 'compares outputs and gradients');
        });
      }
    });
  }
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
    assert.match(r.stdout, /FAIL missing_output\.safetensors .*no tensor 'output'/);
    assert.match(r.stdout, /FAIL truncated\.safetensors .*header length \d+ points past the end/);
    assert.match(r.stdout, /0 passed, 3 failed/);
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
