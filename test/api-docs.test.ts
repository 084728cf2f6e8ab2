/**
 * The API reference builds from the doc comments, and every exported symbol
 * of the library's three entries has one: TypeDoc's validation (warnings as
 * errors, typedoc.config.mjs) fails on one without.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('the API reference', () => {
  it('builds, with a doc comment on every exported symbol', { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
});
