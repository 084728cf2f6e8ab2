/**
 * Every TypeScript block in the READMEs (the repository's and each package's)
 * type-checks as a user's file would (strict, `moduleResolution: "bundler"`,
 * the package by its name) and runs as written, each in a process of its own
 * in an empty folder. A block's placeholders (`text`, a CSV's contents) come
 * from a hidden prelude: an HTML comment `<!-- prelude ... -->` just above the
 * block, which the reader does not see and the test runs first. A block that
 * fails names its file and line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const READMES = ['README.md', 'packages/recurrent/README.md', 'packages/cli/README.md'];

interface Block {
  file: string;
  line: number;
  prelude: string;
  code: string;
}

/** The ```ts blocks of a Markdown file, each with the prelude comment right above it. */
export function tsBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((l, k) => k > i && /^```\s*$/.test(l));
    assert.ok(end > i, `${file}:${i + 1}: a code block that never closes`);
    let prelude = '';
    // The comment must end right above the block: the last one opened before it, closed once.
    const above = lines.slice(0, i).join('\n');
    const m = /<!-- prelude\s*([\s\S]*?)-->\s*$/.exec(above.slice(Math.max(0, above.lastIndexOf('<!-- prelude'))));
    if (m && !m[1]!.includes('-->')) prelude = m[1]!;
    blocks.push({ file, line: i + 1, prelude, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const blocks = READMES.flatMap((f) => tsBlocks(f, readFileSync(join(root, f), 'utf8')));

describe('the READMEs\' code', () => {
  const work = mkdtempSync(join(tmpdir(), 'recurrent-readme-'));
  // The packages by name, as an app that installed them has them.
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'readme-blocks', private: true, type: 'module' }));
  const names = blocks.map((b, k) => `block-${k + 1}.ts`);
  blocks.forEach((b, k) => writeFileSync(join(work, names[k]!), `${b.prelude}\n// ---- ${b.file}:${b.line}\n${b.code}\nexport {};\n`));

  it('finds the blocks', () => {
    assert.ok(blocks.length >= 16, `only ${blocks.length} blocks found`);
    assert.ok(blocks.every((b) => b.code.trim().length > 0));
  });

  it('type-checks every block as a user\'s strict TypeScript, with moduleResolution "bundler"', () => {
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true,
        types: ['node'], customConditions: ['recurrent-source'], allowImportingTsExtensions: true, isolatedModules: true,
      },
      files: names,
    }));
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', work], { encoding: 'utf8', cwd: work });
    // Name each error by the README line it comes from.
    const located = r.stdout.replace(/block-(\d+)\.ts\((\d+),(\d+)\)/g, (_, k: string, line: string) => {
      const b = blocks[Number(k) - 1]!;
      const offset = b.prelude.split('\n').length + 1;
      return `${b.file}:${b.line + Number(line) - offset}`;
    });
    assert.equal(r.status, 0, located + r.stderr);
  });

  blocks.forEach((b, k) => {
    it(`runs ${b.file}:${b.line}`, { timeout: 240_000 }, () => {
      const dir = join(work, `run-${k + 1}`);
      mkdirSync(dir);
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `block-${k + 1}`, private: true, type: 'module' }));
      writeFileSync(join(dir, 'block.ts'), readFileSync(join(work, names[k]!)));
      const r = spawnSync(process.execPath, ['--conditions=recurrent-source', '--import', 'tsx', 'block.ts'], {
        cwd: dir, encoding: 'utf8', timeout: 230_000, env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      assert.equal(r.status, 0, `${b.file}:${b.line} exited ${r.status}${r.signal ? ` (${r.signal})` : ''}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
    });
  });
});
