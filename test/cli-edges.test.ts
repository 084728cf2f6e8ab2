/**
 * Hard edges of the command line, each found by trying to break it (issue 12):
 * resume settings, NaN runs, overflowing CSV values, output files that exist,
 * closed pipes and full disks, UTF-16 input, out-of-range seeds; then every
 * command run with stdout closed early, with stdin empty, and with its output
 * path already present.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLI_ARGS, cliIn, oneLineError } from './cli-helpers.js';
import { pcm16 } from './helpers.js';
import { parseSafetensors, serializeSafetensors } from '../packages/recurrent/src/index.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-edges-'));
const cli = cliIn(work);
const corpus = join(work, 'corpus.txt');
const model = join(work, 'model');
const csv = join(work, 'series.csv');
const labelled = join(work, 'labelled.csv');
const pairs = join(work, 'pairs.tsv');
const words = join(work, 'words');
const TINY = ['--hidden', '8', '--layers', '1', '--embedding', '4', '--seq-len', '12', '--batch', '4'];

/** A 16-bit PCM mono WAV of a tone. */
/** A 16-bit PCM tone of `freq` Hz, faded in and out. */
function wav(freq: number, seconds: number, rate = 8000): Uint8Array {
  const n = Math.round(seconds * rate);
  return pcm16(Array.from({ length: n }, (_, i) => (12000 / 32767) * Math.sin((2 * Math.PI * freq * i) / rate) * Math.min(1, i / 200, (n - i) / 200)), rate);
}

/** Runs the CLI with stdout closed before it writes: like `| head -0`. */
function closedStdout(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** No stack trace, and either success or one `recurrent: error:` line. */
function clean(r: { status: number | null; stderr: string }, what: string): void {
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: a stack trace:\n${r.stderr}`);
  assert.ok(r.status === 0 || r.status === 1, `${what}: exit ${r.status}`);
  if (r.status === 1) assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('recurrent: error:')).length, 1, `${what}: ${r.stderr}`);
}

describe('command-line hard edges', () => {
  before(() => {
    writeFileSync(corpus, 'Call me Ishmael. Some years ago, never mind how long precisely, having little money.\n'.repeat(30));
    const rows = ['t,value'];
    for (let i = 0; i < 120; i++) rows.push(`${i},${(10 + 3 * Math.sin(i / 4) + (i % 7) / 10).toFixed(3)}`);
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const texts = ['good great fine', 'bad awful poor', 'nice lovely good', 'terrible bad sad'];
    writeFileSync(labelled, `text,label\n${Array.from({ length: 60 }, (_, i) => `${texts[i % 4]} ${i},${i % 2 ? 'neg' : 'pos'}`).join('\n')}\n`);
    writeFileSync(pairs, `${Array.from({ length: 60 }, (_, i) => `${i % 10} ${(i * 7) % 10}\t${(i * 7) % 10} ${i % 10}`).join('\n')}\n`);
    for (const [w, f] of [['low', 300], ['high', 1200]] as const) {
      mkdirSync(join(words, w), { recursive: true });
      for (let k = 0; k < 6; k++) writeFileSync(join(words, w, `${k}.wav`), wav(f * (1 + k / 50), 0.3));
    }
    const r = cli('train', corpus, ...TINY, '--steps', '12', '--eval-every', '4', '--out', model, '--no-sample');
    assert.equal(r.status, 0, r.stderr);
  });

  it('train --resume keeps the run\'s settings, notes what it applies and refuses what it cannot change', () => {
    const state = JSON.parse(readFileSync(join(model, 'checkpoint/state.json'), 'utf8')) as { options: { batch: number; seqLen: number } };
    assert.deepEqual([state.options.batch, state.options.seqLen], [4, 12]);
    oneLineError(cli('train', '--resume', model, corpus, '--batch', '8'), /--batch 8 does not go with --resume: the run keeps --batch 4/);
    oneLineError(cli('train', '--resume', model, corpus, '--out', join(work, 'elsewhere')), /--out does not go with --resume/);
    // Without the text, it says which text the run was trained on, rather than reading the bundled corpus.
    oneLineError(cli('train', '--resume', model, '--steps', '4'), /was trained on 'corpus\.txt', not on a bundled corpus: give that text to continue it: recurrent train FILE\.\.\. --resume/);
    const r = cli('train', '--resume', model, corpus, '--steps', '4', '--lr', '0.01', '--no-sample');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /note: learning rate 0\.01 from now on \(the run had 0\.002\)/);
    assert.match(r.stderr, /note: training 4 more steps \(to step 16\)/);
    const after = JSON.parse(readFileSync(join(model, 'checkpoint/state.json'), 'utf8')) as { step: number; options: { batch: number; seqLen: number; evalEvery: number; lr: number } };
    assert.deepEqual([after.step, after.options.batch, after.options.seqLen, after.options.evalEvery, after.options.lr], [16, 4, 12, 4, 0.01]);
    const done = cli('train', '--resume', model, corpus, '--no-sample');
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stderr, /the run had reached its end \(step 16\)/);
  });

  it('a NaN validation loss is never the best model: the run stops, the last good model stays', () => {
    const out = join(work, 'nan');
    const r = cli('train', corpus, ...TINY, '--steps', '40', '--eval-every', '1', '--lr', '1e38', '--optimizer', 'sgd', '--clip', '0', '--out', out, '--no-sample', '--json');
    oneLineError(r, /the validation loss is NaN at step \d+ .*keeps the model saved at step \d+/);
    const g = cli('generate', out, '--length', '10');
    assert.equal(g.status, 0, g.stderr);
    const info = JSON.parse(cli('inspect', out, '--json').stdout) as { history: Array<{ valLoss: number | null }> };
    assert.ok(info.history.length > 0 && info.history.every((h) => Number.isFinite(h.valLoss)));
  });

  it('forecast and detect refuse a value that would overflow the scaling, and a non-numeric cell, naming line and column', () => {
    const big = join(work, 'big.csv');
    writeFileSync(big, readFileSync(csv, 'utf8').replace('\n50,', '\n50,1e300').replace(/\n50,1e300[^\n]*/, '\n50,1e300'));
    oneLineError(cli('forecast', 'train', big, '--target', 'value', '--epochs', '1', '--out', join(work, 'f-big')), /line 52, column "value": 1e300 is too large to scale/);
    oneLineError(cli('detect', big, '--epochs', '1', '--out', join(work, 'd-big')), /line 52, column "value": 1e300 is too large to scale/);
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, readFileSync(csv, 'utf8').replace(/\n50,[^\n]*/, '\n50,oops'));
    oneLineError(cli('forecast', 'train', bad, '--target', 'value', '--epochs', '1', '--out', join(work, 'f-bad')), /line 52, column "value": "oops" is not a number/);
    oneLineError(cli('detect', bad, '--epochs', '1', '--out', join(work, 'd-bad')), /line 52, column "value": "oops" is not a number/);
    // Refused before the folder is made: the corrected command is not blocked by an empty one.
    for (const d of ['f-big', 'd-big', 'f-bad', 'd-bad']) assert.ok(!existsSync(join(work, d)), `${d} left behind`);
    oneLineError(cli('detect', csv, '--columns', 'zz', '--epochs', '1', '--out', join(work, 'd-zz')), /zz/);
    assert.ok(!existsSync(join(work, 'd-zz')), 'detect --columns zz left a folder behind');
  });

  it('export refuses an existing file without --force and leaves no temporary file for a folder', () => {
    const out = join(work, 'exported.onnx');
    writeFileSync(out, 'keep me');
    oneLineError(cli('export', model, '--format', 'onnx', '--out', out), /exported\.onnx already exists/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
    assert.equal(cli('export', model, '--format', 'onnx', '--out', out, '--force').status, 0);
    const folder = join(work, 'a-folder');
    mkdirSync(folder);
    oneLineError(cli('export', model, '--format', 'onnx', '--out', folder), /is a folder: give a file name/);
    assert.deepEqual(readdirSync(work).filter((n) => n.endsWith('.tmp')), []);
  });

  it('export of a classifier: its weights as a PyTorch state dict; ONNX said plainly', () => {
    const cls = join(work, 'cls');
    assert.equal(cli('classify', 'train', labelled, '--epochs', '1', '--hidden', '8', '--embedding', '4', '--out', cls).status, 0);
    oneLineError(cli('export', cls, '--format', 'onnx'), /holds a SequenceClassifier .*ONNX export covers .* --format torch writes its weights/);
    const t = cli('export', cls, '--format', 'torch');
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /tensors under PyTorch names/);
    assert.ok(existsSync(join(cls, 'model.torch.safetensors')));
  });

  it('a closed pipe ends generate and inspect quietly; a full disk is one line', async () => {
    for (const args of [['generate', model, '--length', '2000'], ['inspect', model]]) {
      const r = await closedStdout(...args);
      assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
      assert.equal(r.stderr, '');
    }
    if (existsSync('/dev/full')) {
      const full = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn('sh', ['-c', `"${process.execPath}" ${CLI_ARGS.map((a) => `"${a}"`).join(' ')} generate "${model}" --length 50 > /dev/full`], { cwd: work });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.on('close', (status) => resolve({ status, stderr }));
      });
      oneLineError(full, /cannot write to standard output: no space left on the device \(ENOSPC\)/);
    }
  });

  it('a reader that stops early: generate stops at the next token; train goes on and writes its whole run', async () => {
    /** Runs the CLI, reads `lines` lines of its stdout, then closes the pipe, as `| head -n LINES` does. */
    const headOf = (lines: number, ...args: string[]): Promise<{ status: number | null; stderr: string; signal: NodeJS.Signals | null }> => new Promise((resolve) => {
      const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      // 50 million tokens would take minutes; stopping at the closed pipe takes a moment. The kill is a backstop only.
      const backstop = setTimeout(() => child.kill('SIGKILL'), 120_000);
      let seen = 0;
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString().split('\n').length - 1;
        if (seen >= lines) child.stdout.destroy();
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      child.on('close', (status, signal) => {
        clearTimeout(backstop);
        resolve({ status, stderr, signal });
      });
    });
    const gen = await headOf(0, 'generate', model, '--length', '50000000');
    assert.deepEqual([gen.status, gen.signal, gen.stderr], [0, null, ''], 'generate ended by itself, quietly');
    const out = join(work, 'piped');
    const train = await headOf(2, 'train', corpus, ...TINY, '--steps', '30', '--eval-every', '10', '--out', out, '--json');
    assert.deepEqual([train.status, train.signal], [0, null], train.stderr);
    const state = JSON.parse(readFileSync(join(out, 'checkpoint/state.json'), 'utf8')) as { step: number };
    assert.equal(state.step, 30, 'the whole run was trained and saved after the reader left');
    assert.ok(existsSync(join(out, 'config.json')) && existsSync(join(out, 'loss.png')));
  });

  it('UTF-16 and binary input is refused by every command that reads text', () => {
    const utf16 = join(work, 'pairs16.tsv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(pairs, 'utf8'), 'utf16le')]));
    oneLineError(cli('translate', 'train', utf16, '--out', join(work, 't16')), /pairs16\.tsv is UTF-16 text/);
    oneLineError(cli('train', utf16, '--out', join(work, 'x16')), /pairs16\.tsv is UTF-16 text/);
    oneLineError(cli('classify', 'train', utf16, '--out', join(work, 'c16')), /pairs16\.tsv is UTF-16 text/);
    oneLineError(cli('detect', utf16, '--out', join(work, 'd16')), /pairs16\.tsv is UTF-16 text/);
  });

  it('an output that cannot be written is refused before any work: a file, a path under a file, a folder that takes no files', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder');
    const cases: Array<[string, RegExp]> = [
      [file, /a-file is a file, not a folder: choose another --out/],
      [join(file, 'sub'), /cannot write .*a-file\/sub: .*a-file is a file, not a folder/],
      ['/proc/nope', /cannot write \/proc\/nope: \/proc does not take new files/],
    ];
    for (const [out, message] of cases) {
      const r = cli('train', corpus, ...TINY, '--steps', '3', '--out', out, '--json');
      oneLineError(r, message);
      assert.equal(r.stdout, '', `${out}: no training started`);
      oneLineError(cli('forecast', 'train', csv, '--target', 'value', '--epochs', '1', '--out', out), message);
      oneLineError(cli('memory', '--steps', '2', '--out', out), message);
    }
    assert.equal(readFileSync(file, 'utf8'), 'not a folder', 'the file is untouched');
  });

  it('a model folder whose weights hold NaN is refused by generate, inspect, export and serve, naming the tensor', () => {
    const bad = join(work, 'nan-model');
    cpSync(model, bad, { recursive: true });
    const st = parseSafetensors(new Uint8Array(readFileSync(join(bad, 'model.safetensors'))));
    const state = Object.fromEntries(st.names().map((n) => [n, st.float32(n)]));
    const name = st.names()[0]!;
    state[name]!.data[3] = NaN;
    writeFileSync(join(bad, 'model.safetensors'), serializeSafetensors(state, { format: 'pt' }));
    const message = new RegExp(`model\\.safetensors: tensor '${name.replace(/\./g, '\\.')}' has 1 of \\d+ values NaN or infinite`);
    oneLineError(cli('generate', bad, '--length', '5'), message);
    oneLineError(cli('inspect', bad), message);
    oneLineError(cli('export', bad, '--format', 'onnx'), message);
    oneLineError(cli('export', bad, '--format', 'torch'), message);
    oneLineError(cli('serve', bad, '--port', '0'), message);
    assert.deepEqual(readdirSync(bad).filter((f) => /onnx|torch/.test(f)), [], 'nothing exported');
  });

  it('a hand-edited folder is read alike by every command: a config that is not its network, a vocab.json of another size (counted before it is built)', () => {
    const edited = join(work, 'edited-config');
    cpSync(model, edited, { recursive: true });
    const config = JSON.parse(readFileSync(join(edited, 'config.json'), 'utf8')) as { config: { hiddenSize: number } };
    config.config.hiddenSize += 0.5;
    writeFileSync(join(edited, 'config.json'), JSON.stringify(config));
    // Each names the file and the field (generate and serve rebuild the network from the text options, export from the config).
    const message = new RegExp(`edited-config/config\\.json: .*hiddenSize.* ${config.config.hiddenSize}`);
    oneLineError(cli('generate', edited, '--length', '5'), message);
    oneLineError(cli('export', edited, '--format', 'onnx'), message);
    oneLineError(cli('serve', edited, '--port', '0'), message);
    // A folder typed with a trailing or doubled slash prints plainly.
    const slashed = cli('generate', `${edited.replace(/\/([^/]+)$/, '//$1')}/`, '--length', '5');
    oneLineError(slashed, message);
    assert.doesNotMatch(slashed.stderr, /\/\//);
    const big = join(work, 'big-vocab');
    cpSync(model, big, { recursive: true });
    writeFileSync(join(big, 'vocab.json'), JSON.stringify({ kind: 'char', tokens: Array.from({ length: 1_000_000 }, (_, i) => String(i)) }));
    oneLineError(cli('generate', big, '--length', '5'), /big-vocab: vocab\.json has 1,000,000 tokens, config\.json says \d+/);
  });

  it('a model no backend can hold (--hidden 1000000000) is one line naming the parameter, on either backend', () => {
    for (const backend of ['wasm', 'js']) {
      oneLineError(cli('--backend', backend, 'train', corpus, '--hidden', '1000000000', '--steps', '1', '--out', join(work, `huge-${backend}`)),
        /a parameter of shape \[4000000000, \d+\] \([\d,]+ values, [\d.]+ GiB\) does not fit in the (js|wasm[\w-]*) backend's memory: choose a smaller hidden size/);
      assert.ok(!existsSync(join(work, `huge-${backend}`)));
    }
  });

  it("commander's own errors (an unknown option, a bad choice, a missing argument) are one recurrent: error: line", () => {
    oneLineError(cli('train', '--bogus'), /unknown option '--bogus' \(did you mean --corpus\?\); --help lists the options$/);
    oneLineError(cli('detect', csv, '--cell', 'tree'), /argument 'tree' is invalid\. Allowed choices are lstm, gru, rnn; --help lists the options$/);
    oneLineError(cli('generate'), /missing required argument 'model'/);
    oneLineError(cli('nosuchcommand'), /unknown command 'nosuchcommand'/);
  });

  it('--time 0s (or any duration that is not positive) is refused before any work, in every command that takes it', () => {
    const runs: Array<[string, string[]]> = [
      ['train', ['train', corpus, ...TINY, '--out', join(work, 'zero-time')]],
      ['forecast train', ['forecast', 'train', csv, '--target', 'value', '--out', join(work, 'zero-time-forecast')]],
    ];
    for (const [name, args] of runs) {
      for (const time of ['0s', '0', '0m']) {
        oneLineError(cli(...args, '--time', time), new RegExp(`--time expects a positive duration like 90s, 10m or 1h, got '${time}'`));
      }
      assert.ok(!existsSync(args.at(-1)!), `${name}: nothing written`);
    }
  });

  it('seeds out of range are refused; a damaged state.json names its field; a too-short WAV names its file', () => {
    oneLineError(cli('train', corpus, '--seed', '1e30', '--out', join(work, 's')), /--seed expects an integer from 0 to 4294967295, got '1e30'/);
    oneLineError(cli('generate', model, '--seed', '-1'), /--seed expects an integer/);
    const broken = join(work, 'broken');
    mkdirSync(join(broken, 'checkpoint'), { recursive: true });
    for (const f of ['config.json', 'model.safetensors', 'vocab.json']) writeFileSync(join(broken, f), readFileSync(join(model, f)));
    for (const f of readdirSync(join(model, 'checkpoint'))) writeFileSync(join(broken, 'checkpoint', f), readFileSync(join(model, 'checkpoint', f)));
    const st = JSON.parse(readFileSync(join(broken, 'checkpoint/state.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(broken, 'checkpoint/state.json'), JSON.stringify({ ...st, step: -5 }));
    oneLineError(cli('train', '--resume', broken, corpus, '--steps', '1'), /checkpoint\/state\.json: 'step' must be an integer >= 0, got -5/);
    const short = join(work, 'short');
    mkdirSync(join(short, 'a'), { recursive: true });
    mkdirSync(join(short, 'b'), { recursive: true });
    for (const w of ['a', 'b']) for (let k = 0; k < 3; k++) writeFileSync(join(short, w, `${k}.wav`), wav(440, 0.3));
    writeFileSync(join(short, 'a', 'tiny.wav'), wav(440, 0.01));
    oneLineError(cli('speech', 'train', short, '--epochs', '1', '--out', join(work, 'sp-short')), /tiny\.wav: 80 samples \(10\.0 ms\), shorter than one 25 ms frame/);
  });

  describe('every command: stdout closed early, stdin empty, output already present', () => {
    const outputs: Array<{ name: string; args: (out: string) => string[]; stdin?: boolean }> = [
      { name: 'train', args: (o) => ['train', corpus, ...TINY, '--steps', '4', '--out', o, '--no-sample'] },
      { name: 'train -', args: (o) => ['train', '-', ...TINY, '--steps', '4', '--out', o, '--no-sample'], stdin: true },
      { name: 'forecast train', args: (o) => ['forecast', 'train', csv, '--target', 'value', '--epochs', '1', '--hidden', '8', '--out', o] },
      { name: 'detect', args: (o) => ['detect', csv, '--epochs', '1', '--hidden', '8', '--out', o] },
      { name: 'classify train', args: (o) => ['classify', 'train', labelled, '--epochs', '1', '--hidden', '8', '--embedding', '4', '--out', o] },
      { name: 'translate train', args: (o) => ['translate', 'train', pairs, '--epochs', '1', '--hidden', '8', '--embedding', '4', '--out', o] },
      { name: 'speech train', args: (o) => ['speech', 'train', words, '--epochs', '1', '--hidden', '8', '--out', o] },
      { name: 'export', args: (o) => ['export', model, '--format', 'torch', '--out', `${o}.safetensors`] },
      { name: 'import', args: (o) => ['import', join(model, 'model.safetensors'), '--from', 'torch', '--out', o] },
    ];
    const readers: string[][] = [['generate', model, '--length', '50'], ['inspect', model], ['inspect', model, '--json']];

    it('output present: refused with one line, the existing path untouched', () => {
      for (const c of outputs) {
        const out = join(work, `present-${c.name.replace(/\W+/g, '-')}`);
        const target = c.name === 'export' ? `${out}.safetensors` : out;
        if (c.name === 'export') writeFileSync(target, 'sentinel');
        else {
          mkdirSync(target, { recursive: true });
          writeFileSync(join(target, 'config.json'), 'sentinel');
        }
        const r = cli(...c.args(out));
        assert.notEqual(r.status, 0, `${c.name} wrote into an existing ${target}`);
        oneLineError(r, /already (exists|holds a model)/);
        assert.equal(readFileSync(c.name === 'export' ? target : join(target, 'config.json'), 'utf8'), 'sentinel', c.name);
      }
    });

    it('stdin empty: commands that read it say so in one line, the others do not care', () => {
      for (const c of [...outputs.map((o) => o.args(join(work, `stdin-${o.name.replace(/\W+/g, '-')}`))), ...readers, ['translate', model]]) {
        const r = cli(...c);
        clean(r, c.join(' '));
        if (c[1] === '-') oneLineError(r, /standard input is empty/);
      }
    });

    it('every model folder a command wrote loads with one loadModel and shows with inspect', async () => {
      const { loadModel } = await import('../packages/recurrent/src/node.js');
      const folders = outputs.filter((o) => !['train -', 'detect', 'export'].includes(o.name)).map((o) => join(work, `stdin-${o.name.replace(/\W+/g, '-')}`));
      for (const dir of folders) {
        assert.ok(existsSync(join(dir, 'config.json')), `${dir} was written`);
        const { model: m } = await loadModel(dir);
        assert.ok(m.numParameters() > 0, dir);
        const r = cli('inspect', dir);
        assert.equal(r.status, 0, `inspect ${dir}: ${r.stderr}`);
        assert.match(r.stdout, /parameters\s+[\d,]+/);
        const j = JSON.parse(cli('inspect', dir, '--json').stdout) as { parameters?: number; model?: { parameters: number } };
        assert.equal(j.parameters ?? j.model?.parameters, m.numParameters());
      }
    });

    it('stdout closed early: no stack trace, a quiet end or one line', async () => {
      for (const c of [...outputs.map((o) => o.args(join(work, `closed-${o.name.replace(/\W+/g, '-')}`))), ...readers]) {
        clean(await closedStdout(...c), c.join(' '));
      }
    });
  });
});
