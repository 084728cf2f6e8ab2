/**
 * The package as a user installs it: `npm pack` of packages/recurrent, put in
 * a fresh app's node_modules (with only the library's own dependencies beside
 * it), then `import { LSTM } from 'recurrent-nn'` bundled for the browser by
 * esbuild, Vite (Rollup) and webpack, each with its defaults and no flags, and
 * run in Chromium: the outputs must be those of the same LSTM in Node. The
 * LSTM-only bundle must stay under 90 KB gzipped, WebAssembly included.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runPage } from './chromium.js';
import { LSTM, Random, Tensor, noGrad } from '../packages/recurrent/src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_GZIP = 90 * 1024;

const PAGE = `import { LSTM, Random, Tensor, noGrad, getBackend } from 'recurrent-nn';
const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true, rng: new Random(7) }).eval();
const x = new Tensor(Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), [2, 4, 3]);
const y = noGrad(() => lstm.forward(x)).output;
window.__result = { backend: getBackend(), output: Array.from(y.data) };
`;

function nodeOutput(): number[] {
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true, rng: new Random(7) }).eval();
  const x = new Tensor(Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), [2, 4, 3]);
  return Array.from(noGrad(() => lstm.forward(x)).output.data);
}

const runInChromium = (dir: string): Promise<{ backend: string; output: number[] }> => runPage(dir);

describe('the packed package in a fresh app, bundled for the browser', () => {
  let app = '';
  const want = nodeOutput();

  before(() => {
    const work = mkdtempSync(join(tmpdir(), 'recurrent-app-'));
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: join(root, 'packages/recurrent'), encoding: 'utf8' }).trim().split('\n').pop()!;
    app = join(work, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work]);
    cpSync(join(work, 'package'), join(app, 'node_modules/recurrent-nn'), { recursive: true });
    // The library's own dependencies and its optional peer (protobuf, for recurrent-nn/onnx), and nothing else, beside it (from this checkout: no network).
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/recurrent-nn/package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]) {
      mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(join(app, 'main.js'), PAGE);
    writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="./main.js"></script>');
  });

  after(() => undefined);

  it('the tarball holds the built library, its declarations and licence, no sources, maps or CLI', () => {
    const files: string[] = [];
    const walk = (d: string, rel = ''): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
        else files.push(`${rel}${e.name}`);
      }
    };
    walk(join(app, 'node_modules/recurrent-nn'));
    assert.ok(files.includes('dist/index.js') && files.includes('dist/node.d.ts') && files.includes('LICENSE'));
    assert.deepEqual(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.includes('/cli/') || f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
    const binaryTypes = readFileSync(join(app, 'node_modules/recurrent-nn/dist/kernels/wasm/binary.d.ts'), 'utf8');
    assert.ok(binaryTypes.length < 2000, `binary.d.ts is ${binaryTypes.length} characters: the WebAssembly must be typed as string, not as its literal`);
  });

  it('esbuild: bundles with no flags, under the size budget, and runs in Chromium', { timeout: 120_000 }, async () => {
    const { build } = await import('esbuild');
    const out = join(app, 'esbuild');
    const r = await build({ entryPoints: [join(app, 'main.js')], bundle: true, minify: true, outfile: join(out, 'main.js'), metafile: true, logLevel: 'silent', absWorkingDir: app });
    writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><script src="./main.js"></script>');
    const bytes = readFileSync(join(out, 'main.js'));
    const gz = gzipSync(bytes, { level: 9 }).length;
    const inputs = Object.entries(r.metafile.outputs[Object.keys(r.metafile.outputs)[0]!]!.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
    console.log(`# LSTM-only bundle: ${(bytes.length / 1024).toFixed(1)} KB minified, ${(gz / 1024).toFixed(1)} KB gzip; largest: ${inputs.slice(0, 4).map(([k, v]) => `${k.replace(/^.*node_modules\//, '')} ${(v.bytesInOutput / 1024).toFixed(1)} KB`).join(', ')}`);
    assert.ok(gz < BUDGET_GZIP, `LSTM-only bundle is ${gz} bytes gzip, over the ${BUDGET_GZIP} budget`);
    assert.ok(!inputs.some(([k]) => /protobuf|csv-parse/.test(k)), 'no protobuf or CSV parser in an LSTM-only bundle');
    const res = await runInChromium(out);
    assert.match(res.backend, /^wasm/);
    assert.deepEqual(res.output.map((v) => Math.fround(v)), want.map((v) => Math.fround(v)));
  });

  it('Vite (Rollup): builds with its defaults and runs in Chromium', { timeout: 180_000 }, async () => {
    const { build } = await import('vite');
    await build({ root: app, logLevel: 'silent', configFile: false, build: { outDir: join(app, 'vite'), emptyOutDir: true } });
    const res = await runInChromium(join(app, 'vite'));
    assert.match(res.backend, /^wasm/);
    assert.deepEqual(res.output.map((v) => Math.fround(v)), want.map((v) => Math.fround(v)));
  });

  it('webpack: builds with its defaults and runs in Chromium', { timeout: 180_000 }, async () => {
    const { default: webpack } = await import('webpack');
    const out = join(app, 'webpack');
    const stats = await new Promise<import('webpack').Stats>((ok, fail) => {
      webpack({ mode: 'production', context: app, entry: './main.js', output: { path: out, filename: 'main.js' } }, (err, s) => (err || !s ? fail(err) : ok(s)));
    });
    assert.equal(stats.hasErrors(), false, stats.toString({ all: false, errors: true }));
    writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><script src="./main.js"></script>');
    const res = await runInChromium(out);
    assert.match(res.backend, /^wasm/);
    assert.deepEqual(res.output.map((v) => Math.fround(v)), want.map((v) => Math.fround(v)));
  });

  it('TypeScript: a consumer compiling with "types": [] gets no error from the declarations (no protobuf or Node types leak)', () => {
    writeFileSync(join(app, 'consumer.ts'), [
      "import { LSTM, Random, Tensor } from 'recurrent-nn';",
      "import { saveModel } from 'recurrent-nn/node';",
      "import { exportOnnx } from 'recurrent-nn/onnx';",
      'const m = new LSTM({ inputSize: 2, hiddenSize: 3, rng: new Random(0) });',
      'void saveModel; void exportOnnx; void m.forward(Tensor.zeros([1, 1, 2]));',
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], skipLibCheck: false },
      files: ['consumer.ts'],
    }));
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('Node: import and require of the installed package', () => {
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import { LSTM, saveModel } from 'recurrent-nn'; import { exportOnnx } from 'recurrent-nn/onnx'; console.log(typeof LSTM, typeof saveModel, typeof exportOnnx)"], { cwd: app, encoding: 'utf8' });
    assert.equal(esm.trim(), 'function function function');
    const cjs = execFileSync(process.execPath, ['-e', "const r = require('recurrent-nn'); console.log(typeof r.LSTM, Object.keys(require.cache).some((k) => k.includes('protobuf')))"], { cwd: app, encoding: 'utf8' });
    assert.equal(cjs.trim(), 'function false', 'require works (Node 20.19+), and the main entry loads no protobuf');
  });
});
