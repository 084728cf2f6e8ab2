/**
 * The committed WebAssembly (and the kernel parameter lists the TypeScript
 * side passes arguments by) is what assembly/ builds to: a change to the
 * AssemblyScript without `npm run build:wasm` fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { root } from './cli-helpers.js';

describe('the WebAssembly build', () => {
  it('packages/recurrent/src/kernels/wasm/binary.ts matches assembly/', { timeout: 180_000 }, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-wasm.ts', '--check'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr || r.stdout);
    assert.match(r.stdout, /binary\.ts matches assembly\//);
  });
});
