/** Benchmarks' raw outputs (bench/raw-output.ts): a run never overwrites another's file, and a long run rewrites only its own. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rawOutput } from '../bench/raw-output.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-raw-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('raw outputs', () => {
  it('a second run of the day gets a new name; the first run\'s file is never touched again by it', async () => {
    const log = console.log;
    console.log = () => {};
    try {
      const first = rawOutput('demo', 'npm run demo', dir);
      first.line('run one, part one');
      const a = await first.save();
      const second = rawOutput('demo', 'npm run demo', dir);
      second.line('run two');
      const b = await second.save();
      first.line('run one, part two');
      assert.equal(await first.save(), a, 'a long run saves into its own file');
      const date = new Date().toISOString().slice(0, 10);
      assert.deepEqual(readdirSync(dir).sort(), [`RESULTS-demo-${date}-2.txt`, `RESULTS-demo-${date}.txt`]);
      assert.equal(b, join(dir, `RESULTS-demo-${date}-2.txt`));
      assert.match(readFileSync(a, 'utf8'), /^# npm run demo, \d{4}-\d\d-\d\d: .*commit \w+.*\nrun one, part one\nrun one, part two\n$/);
      assert.match(readFileSync(b, 'utf8'), /\nrun two\n$/);
      assert.doesNotMatch(readFileSync(b, 'utf8'), /run one/);
    } finally {
      console.log = log;
    }
  });
});
