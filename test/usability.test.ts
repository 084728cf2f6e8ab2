/**
 * What a new user runs into before reading the source (issue #36): each case
 * here failed before its fix. Memory held by forwards nobody goes back
 * through, engine flags set for the whole process, error names a minifier
 * mangles, misspelt options ignored, a Sequential of the wrong layers, a
 * user's own model type read back, and `extra` returned with it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  Adam, AnomalyDetector, ConfigError, GRU, LSTM, LSTMCell, Linear, Module, Random, RecurrentError, SGD, Sequential, ShapeError, Tensor, TextGenerator, Trainer,
  crossEntropy, fit, loadModel, mseLoss, registerModelType, saveModel,
} from '../packages/recurrent/src/node.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('repeated forwards hold no memory nobody will use', () => {
  it('400 forwards of an LSTM in training mode without backward keep one forward\'s caches, not 400', () => {
    const lstm = new LSTM({ inputSize: 8, hiddenSize: 64, batchFirst: true, rng: new Random(0) });
    assert.equal(lstm.training, true);
    for (let i = 0; i < 400; i++) lstm.forward(Tensor.zeros([16, 50, 8]));
    assert.equal(lstm.recordedForwards(), 1);
    // The last one can still be gone back through.
    const g = lstm.backward({ gradOutput: Tensor.zeros([16, 50, 64]) });
    assert.deepEqual(g.gradInput.shape, [16, 50, 8]);
    assert.equal(lstm.recordedForwards(), 0);
  });

  it('steps that feed an output back in keep the graph: a cell over time with a shared head', () => {
    const rng = new Random(1);
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, rng });
    const head = new Linear({ inFeatures: 4, outFeatures: 1, rng });
    const xs = [0, 1, 2].map((k) => new Tensor(Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + k)), [2, 3]));
    let s = cell.forward(xs[0]!);
    const ys = [head.forward(s.h)];
    for (const x of xs.slice(1)) {
      s = cell.forward(x, s);
      ys.push(head.forward(s.h));
    }
    assert.equal(cell.recordedForwards(), 3);
    assert.equal(head.recordedForwards(), 3);
    let gradC: Tensor | undefined;
    let gradH: Tensor | undefined;
    for (let t = 2; t >= 0; t--) {
      const dh = head.backward(mseLoss(ys[t]!, new Float32Array(2)).grad);
      const g = cell.backward({ gradH: gradH ? new Tensor(dh.data.map((v, i) => v + gradH!.data[i]!), dh.shape) : dh, gradC: gradC ?? null });
      gradH = g.gradH;
      gradC = g.gradC;
    }
    assert.equal(cell.recordedForwards(), 0);
  });

  it('h0 taken from a recorded hN continues the graph (truncated BPTT without detaching)', () => {
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, rng: new Random(2) });
    const a = gru.forward(Tensor.zeros([4, 1, 2]));
    gru.forward(Tensor.zeros([4, 1, 2]), { h0: a.hN });
    assert.equal(gru.recordedForwards(), 2);
    gru.forward(Tensor.zeros([4, 1, 2]));
    assert.equal(gru.recordedForwards(), 1, 'a fresh input starts a new graph');
  });
});

describe('engine flags', () => {
  const relaxedNative = execFileSync(process.execPath, ['-e', `console.log(WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,26,1,24,0,253,12,${Array(16).fill(0).join(',')},253,12,${Array(16).fill(0).join(',')},253,128,2,11])))`], { encoding: 'utf8' }).trim() === 'true';
  /** The V8 flags the library sets in a fresh process that runs one LSTM forward after `setup`. */
  const flagsSet = (setup: string): { calls: string[]; backend: string; threads: number } => {
    const script = join(mkdtempSync(join(tmpdir(), 'recurrent-flags-')), 'flags.mjs');
    writeFileSync(script, [
      "const v8 = process.getBuiltinModule('node:v8');",
      'const calls = [];',
      'const set = v8.setFlagsFromString;',
      'v8.setFlagsFromString = (f) => { calls.push(f); return set(f); };',
      `const { LSTM, Tensor, getBackend, getThreads, setBackend } = await import(${JSON.stringify(join(root, 'packages/recurrent/src/index.ts'))});`,
      setup,
      'new LSTM({ inputSize: 2, hiddenSize: 3 }).forward(Tensor.zeros([1, 1, 2]));',
      'console.log(JSON.stringify({ calls, backend: getBackend(), threads: getThreads() }));',
    ].join('\n'));
    return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: root })) as { calls: string[]; backend: string; threads: number };
  };

  it('one thread: no flag but relaxed SIMD, and that one only where the engine lacks it', () => {
    const out = flagsSet("await setBackend('wasm', { threads: 1 });");
    assert.equal(out.backend, 'wasm-relaxed-simd');
    assert.deepEqual(out.calls, relaxedNative ? [] : ['--experimental-wasm-relaxed-simd']);
  });

  it('two threads add --no-liftoff (their barrier needs optimised code), nothing else', () => {
    const out = flagsSet("await setBackend('wasm', { threads: 2 });");
    assert.equal(out.threads, 2);
    assert.deepEqual(out.calls, relaxedNative ? ['--no-liftoff'] : ['--experimental-wasm-relaxed-simd', '--no-liftoff']);
  });

  it('the default (no setBackend) sets what its thread count needs', () => {
    const out = flagsSet('');
    assert.match(out.backend, /^wasm/);
    for (const f of out.calls) assert.ok(['--experimental-wasm-relaxed-simd', '--no-liftoff'].includes(f), `unexpected engine flag ${f}`);
    assert.equal(out.calls.includes('--no-liftoff'), out.threads === 2);
  });
});

describe('errors', () => {
  it('keep their names and codes through a minifier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recurrent-minify-'));
    writeFileSync(join(dir, 'entry.ts'), [
      `import { LSTM, Tensor } from ${JSON.stringify(join(root, 'packages/recurrent/src/index.ts'))};`,
      'try { new LSTM({ inputSize: 2, hiddenSize: 3 }).forward(Tensor.zeros([1, 1, 5])); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, ctor: e.constructor.name })); }',
    ].join('\n'));
    await build({ entryPoints: [join(dir, 'entry.ts')], bundle: true, minify: true, format: 'esm', platform: 'node', outfile: join(dir, 'out.mjs'), logLevel: 'silent' });
    const got = JSON.parse(execFileSync(process.execPath, [join(dir, 'out.mjs')], { encoding: 'utf8' })) as { name: string; code: string; ctor: string };
    assert.notEqual(got.ctor, 'ShapeError', 'the bundle did rename the class (else this test shows nothing)');
    assert.equal(got.name, 'ShapeError');
    assert.equal(got.code, 'ERR_RECURRENT_SHAPE');
  });

  it('every error class has a literal name and a code of its own', () => {
    const e = new ShapeError('x');
    assert.ok(e instanceof RecurrentError && e instanceof Error);
    assert.equal(String(e), 'ShapeError: x');
    assert.equal(new RecurrentError('x').code, 'ERR_RECURRENT');
    assert.equal(new ConfigError('x').code, 'ERR_RECURRENT_CONFIG');
  });
});

describe('options objects refuse keys they do not know, naming the ones they do', () => {
  const params = new Linear({ inFeatures: 2, outFeatures: 1 }).parameters();
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['Adam', () => new Adam(params, { learningRate: 0.1 } as never), /Adam has no option 'learningRate'; it takes lr, betas, eps, weightDecay, amsgrad/],
    ['SGD', () => new SGD(params, { lr: 0.1, momentun: 0.9 } as never), /SGD has no option 'momentun'/],
    ['LSTM', () => new LSTM({ inputSize: 2, hiddenSize: 3, batch_first: true } as never), /LSTM has no option 'batch_first'; it takes inputSize, hiddenSize/],
    ['LSTM.forward', () => new LSTM({ inputSize: 2, hiddenSize: 3 }).forward(Tensor.zeros([1, 1, 2]), { hx: null } as never), /LSTM\.forward has no option 'hx'; it takes h0, c0, lengths, trace/],
    ['Linear', () => new Linear({ inFeatures: 2, outFeatures: 3, biased: false } as never), /Linear has no option 'biased'/],
    ['Linear without options', () => new (Linear as unknown as new () => Linear)(), /Linear: expected an options object, got undefined/],
    ['Trainer', () => new Trainer(new Linear({ inFeatures: 1, outFeatures: 1 }), new SGD(params), { clip: 1 } as never), /Trainer has no option 'clip'.*clipNorm, clipValue/],
    ['crossEntropy', () => crossEntropy(Tensor.zeros([1, 2]), [0], { ignore_index: 0 } as never), /crossEntropy has no option 'ignore_index'/],
    ['TextGenerator.create', () => TextGenerator.create('abc abc abc', { cells: 'GRU' } as never), /TextGenerator\.create has no option 'cells' \(did you mean 'cell'\?\)/],
    ['TextGenerator.generate', () => TextGenerator.create('abc abc abc', { hiddenSize: 4, embeddingSize: 2, numLayers: 1 }).generate({ temp: 0.5 } as never), /TextGenerator\.generate has no option 'temp' \(did you mean 'temperature'\?\)/],
    ['AnomalyDetector.create', () => AnomalyDetector.create(undefined as never, { windows: 3 } as never), /AnomalyDetector\.create has no option 'windows'/],
  ];
  for (const [name, run, message] of cases) {
    it(name, () => assert.throws(run, (e: Error) => e instanceof ConfigError && message.test(e.message)));
  }

  it('fit', async () => {
    const model = new Linear({ inFeatures: 1, outFeatures: 1 });
    await assert.rejects(fit(model, { trainStep: () => 0, evaluate: () => ({ loss: 0 }) } as never, { epochs: 1, earlyStop: 3 } as never), /fit has no option 'earlyStop'/);
  });
});

describe('Sequential', () => {
  it('of an LSTM and a Linear says what was expected, not a TypeError', () => {
    const seq = new Sequential(new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true }) as never, new Linear({ inFeatures: 3, outFeatures: 1 }));
    assert.throws(() => seq.forward(Tensor.zeros([1, 4, 2])), (e: Error) => e instanceof ConfigError &&
      /Sequential: layer 0 \(LSTM\) returned an object with keys output, hN, cN, trace, expected a Tensor/.test(e.message));
  });

  it('of something that is not a module names its position', () => {
    assert.throws(() => new Sequential(new Linear({ inFeatures: 2, outFeatures: 2 }), {} as never), /Sequential: layer 1 must be a module with forward\(x\) and backward\(grad\), got an object with keys \(none\)/);
  });
});

describe('a model of your own, saved and loaded', () => {
  interface TaggerConfig { hidden: number }
  class MyTagger extends Module {
    readonly rnn: GRU;
    readonly head: Linear;
    constructor(readonly config: TaggerConfig) {
      super();
      this.rnn = this.registerModule('rnn', new GRU({ inputSize: 1, hiddenSize: config.hidden, batchFirst: true }));
      this.head = this.registerModule('head', new Linear({ inFeatures: config.hidden, outFeatures: 1 }));
    }
    forward(x: Tensor): Tensor {
      return this.head.forward(this.rnn.forward(x).output);
    }
    backward(grad: Tensor): void {
      this.rnn.backward({ gradOutput: this.head.backward(grad) });
    }
  }

  it('comes back typed, with the extra saved beside it, in one read', async () => {
    registerModelType<MyTagger>({
      type: 'MyTagger', owns: (m): m is MyTagger => m instanceof MyTagger,
      getConfig: (m) => ({ hidden: m.config.hidden }), fromConfig: (c) => new MyTagger(c as unknown as TaggerConfig),
    });
    const m = new MyTagger({ hidden: 5 });
    const dir = join(mkdtempSync(join(tmpdir(), 'recurrent-own-')), 'tagger');
    await saveModel(dir, m, { labels: ['a', 'b'] });
    const { model, extra } = await loadModel<MyTagger>(dir);
    assert.ok(model instanceof MyTagger);
    assert.equal(model.config.hidden, 5);
    assert.deepEqual(extra, { labels: ['a', 'b'] });
    const x = Tensor.zeros([1, 3, 1]);
    assert.deepEqual(model.forward(x).data, m.eval().forward(x).data);
  });
});
