/** `recurrent train`, `recurrent generate`, `recurrent inspect`: text generation end to end. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadCorpus, trainedText } from './corpora.js';
import { ADAPTIVE_MIN_VOCAB, type TokenizerKind, NonFiniteError, modelFromFiles, type OptimizerName, TEXT_DEFAULTS, TextGenerator, type TrainSettings } from 'recurrent-nn';

const TM = TEXT_DEFAULTS.model;
const TT = TEXT_DEFAULTS.train;
import { readModelFiles, loadTextModel, textFolderState, trainInFolder } from 'recurrent-nn/node';
import { writeChart } from './plot/chart.js';
import { UsageError, action, checkWritable, durationOption, int, intList, num, parseDuration, plural, seedOption } from './errors.js';
import { type TextSource, readTextInputs } from './input.js';
import { activationsReport, gradientsReport } from './inspect-views.js';
import { stdoutClosed } from './output.js';
import { stepProgress } from './progress.js';
import { tokenStream } from './token-stream.js';
import { CELLS, OPTIMIZERS, choice } from './options.js';


interface InspectFlags {
  gradients?: string;
  activations?: string;
  cell?: number;
  maxChars: number;
  out?: string;
  json?: boolean;
}

interface TrainFlags {
  cell: string;
  hidden: number;
  layers: number;
  embedding: number;
  dropout: number;
  seqLen: number;
  batch: number;
  steps?: number;
  epochs?: number;
  time?: string;
  lr: number;
  optimizer: string;
  clip: number;
  seed: number;
  tokenizer: TokenizerKind;
  softmax: 'full' | 'adaptive' | 'auto';
  cutoffs?: number[];
  valFraction: number;
  evalEvery: number;
  out?: string;
  resume?: string;
  force?: boolean;
  json?: boolean;
  sample: boolean;
  corpus: string;
}

async function writePlot(dir: string, g: TextGenerator, unit: string): Promise<void> {
  const train = g.history.filter((h) => Number.isFinite(h.loss)).map((h): [number, number] => [h.step, h.loss]);
  const val = g.history.filter((h) => h.valLoss !== null).map((h): [number, number] => [h.step, h.valLoss!]);
  await writeChart(join(dir, 'loss'), {
    title: `${g.options.cell} ${g.options.numLayers}x${g.options.hiddenSize} on ${g.data?.name ?? 'text'}`,
    xTitle: 'step', yTitle: `loss (nats per ${unit})`,
    series: [{ name: 'training', points: train }, { name: 'validation', points: val }],
  });
}

/** Options that fix the model, its data or the carried state, with the value a run keeps: giving another one on resume is an error. */
function fixedOnResume(g: TextGenerator, saved: TrainSettings): Array<[flag: string, key: keyof TrainFlags, kept: unknown]> {
  const cellName = Object.keys(CELLS).find((k) => CELLS[k] === g.options.cell);
  return [
    ['--cell', 'cell', cellName], ['--hidden', 'hidden', g.options.hiddenSize], ['--layers', 'layers', g.options.numLayers],
    ['--embedding', 'embedding', g.options.embeddingSize], ['--dropout', 'dropout', g.options.dropout], ['--tokenizer', 'tokenizer', g.options.tokenizer],
    ['--softmax', 'softmax', g.options.softmax], ['--cutoffs', 'cutoffs', undefined],
    ['--batch', 'batch', saved.batch], ['--seq-len', 'seqLen', saved.seqLen], ['--optimizer', 'optimizer', saved.optimizer],
    ['--val-fraction', 'valFraction', g.data?.valFraction],
    // The random state comes from the checkpoint, and the folder is the one resumed.
    ['--seed', 'seed', undefined], ['--out', 'out', undefined], ['--force', 'force', undefined], ['--corpus', 'corpus', undefined],
  ];
}

/**
 * The training settings of `--resume`: everything from the checkpoint; the
 * learning rate, clipping, evaluation interval and the stopping point may be
 * given again (each printed as a note), anything that fixes the model, its
 * data or the carried state is refused with one line.
 */
function resumeSettings(g: TextGenerator, f: TrainFlags, given: (name: string) => boolean): Parameters<TextGenerator['train']>[1] {
  const saved = g.resumeSettings!;
  for (const [flag, key, kept] of fixedOnResume(g, saved.options)) {
    if (!given(key) || (kept !== undefined && f[key] === kept)) continue;
    throw new UsageError(kept !== undefined
      ? `${flag} ${String(f[key])} does not go with --resume: the run keeps ${flag} ${String(kept)} (start a new run with --out to change it)`
      : `${flag} does not go with --resume: a resumed run keeps its random state, data and folder`);
  }
  const note = (text: string): void => {
    process.stderr.write(`recurrent: note: ${text}\n`);
  };
  const out: Parameters<TextGenerator['train']>[1] = {};
  if (given('lr') && f.lr !== saved.options.lr) {
    note(`learning rate ${f.lr} from now on (the run had ${saved.options.lr})`);
    out.lr = f.lr;
  }
  if (given('clip') && f.clip !== saved.options.clip) {
    note(`gradient clipping at ${f.clip || 'off'} from now on (the run had ${saved.options.clip || 'off'})`);
    out.clip = f.clip;
  }
  if (given('evalEvery') && f.evalEvery !== saved.options.evalEvery) {
    note(`validating every ${plural(f.evalEvery, 'step')} from now on (the run had ${saved.options.evalEvery})`);
    out.evalEvery = f.evalEvery;
  }
  const limits: string[] = [];
  if (given('steps')) {
    out.steps = f.steps!;
    limits.push(`${plural(f.steps!, 'more step')} (to step ${g.step + f.steps!})`);
  }
  if (given('epochs')) {
    out.epochs = f.epochs!;
    limits.push(plural(f.epochs!, 'more epoch'));
  }
  if (given('time')) {
    out.timeLimit = parseDuration(f.time!);
    limits.push(`${f.time} more`);
  }
  const { stopAt, deadline } = saved.target;
  if (limits.length) {
    note(`training ${limits.join(' or ')}${limits.length > 1 ? ', whichever comes first' : ''}`);
  } else if (stopAt === null && deadline === null) {
    throw new UsageError('this checkpoint does not record where its run was to stop: give --steps, --epochs or --time');
  } else {
    const left = deadline !== null ? Math.max(0, deadline - saved.seconds) : null;
    const to = [stopAt !== null ? `step ${stopAt}` : null, left !== null ? `${Math.round(left)} s more` : null].filter(Boolean).join(' or ');
    note(g.step >= (stopAt ?? Infinity) || left === 0
      ? `the run had reached its end (${to}); give --steps, --epochs or --time to train further`
      : `continuing from step ${g.step} to ${to}, as the run was set`);
  }
  return out;
}

/** Long lists kept in config.json's extra (vocabularies) are counted, not printed. */
function summarise(v: unknown): unknown {
  if (Array.isArray(v)) return v.length > 12 ? `[${v.length} items]` : v.map(summarise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, summarise(x)]));
  return v;
}

/** `inspect` of any model folder that is not a text model's: its type, task, size, configuration and what it keeps. */
async function inspectFolder(dir: string, json: boolean): Promise<void> {
  const files = await readModelFiles(dir);
  const { model, extra } = modelFromFiles(files, dir);
  const history = Array.isArray(extra.history) ? (extra.history as Array<Record<string, unknown>>) : [];
  const info = {
    folder: dir, type: files.config.type, task: extra.task ?? null, parameters: model.numParameters(), config: files.config.config,
    extra: summarise(Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'history'))), history,
  };
  if (json) {
    console.log(JSON.stringify(info, null, 1));
    return;
  }
  console.log(`model folder   ${dir}`);
  console.log(`model          ${files.config.type}${info.task ? ` (${String(info.task)})` : ''}`);
  console.log(`parameters     ${model.numParameters().toLocaleString('en-US')}`);
  console.log(`configuration  ${JSON.stringify(files.config.config)}`);
  for (const [k, v] of Object.entries(info.extra as Record<string, unknown>)) if (k !== 'task') console.log(`${k.padEnd(15)}${JSON.stringify(v)}`);
  if (history.length) {
    console.log(`history        ${history.length} evaluations; the last: ${JSON.stringify(history[history.length - 1])}`);
  }
}

export function registerTextCommands(program: Command): void {
  program.command('train')
    .description('train a character- or word-level language model on text (default: the bundled Moby-Dick)')
    .argument('[files...]', "text files or folders of text files; '-' reads standard input")
    .option('--corpus <name>', 'bundled corpus used when no file is given', 'moby-dick')
    .option('--cell <cell>', 'lstm, gru or rnn', choice('--cell', Object.keys(CELLS)), 'lstm')
    .option('--hidden <n>', 'hidden units per layer', int('--hidden'), TM.hiddenSize)
    .option('--layers <n>', 'stacked recurrent layers', int('--layers'), TM.numLayers)
    .option('--embedding <n>', 'embedding size', int('--embedding'), TM.embeddingSize)
    .option('--dropout <p>', 'dropout between layers', num('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), TM.dropout)
    .option('--seq-len <n>', 'BPTT length: tokens per training chunk', int('--seq-len'), TT.seqLen)
    .option('--batch <n>', 'parallel streams per step', int('--batch'), TT.batch)
    .option('--steps <n>', 'stop after this many steps', int('--steps'))
    .option('--epochs <n>', 'stop after this many passes over the text', num('--epochs', (n) => n > 0, 'a positive number'))
    .option('--time <duration>', 'stop after this long, e.g. 90s, 10m, 1h', durationOption)
    .option('--lr <rate>', 'learning rate', num('--lr', (n) => n > 0, 'a positive number'), TT.lr)
    .option('--optimizer <name>', OPTIMIZERS.join(', '), choice('--optimizer', OPTIMIZERS), TT.optimizer)
    .option('--clip <norm>', 'clip the global gradient norm (0: off)', num('--clip', (n) => n >= 0, 'a number >= 0'), TT.clip)
    .option('--seed <n>', 'random seed (weights, dropout, sampling)', seedOption, 0)
    .option('--tokenizer <kind>', 'char or word', choice('--tokenizer', ['char', 'word'] as const), TM.tokenizer)
    .option('--softmax <kind>', `output layer: full, adaptive (trains large vocabularies several times faster) or auto (adaptive for ${ADAPTIVE_MIN_VOCAB}+ words)`, choice('--softmax', ['full', 'adaptive', 'auto'] as const), TM.softmax)
    .option('--cutoffs <ids>', 'adaptive softmax: where the frequency-sorted vocabulary is cut, e.g. 1000,4000,10000 (default: at 5%, 20% and 50%)', intList('--cutoffs'))
    .option('--val-fraction <f>', 'share of the text held out for validation (its end)', num('--val-fraction', (n) => n > 0 && n < 0.5, 'a number in (0, 0.5)'), TEXT_DEFAULTS.valFraction)
    .option('--eval-every <n>', 'validate and checkpoint every n steps', int('--eval-every'), TT.evalEvery)
    .option('--out <dir>', 'model folder (default runs/<data>-<cell>)')
    .option('--resume <dir>', 'continue training the model in this folder, exactly where it stopped')
    .option('--force', 'replace an existing model folder')
    .option('--json', 'print progress as JSON lines instead of a bar')
    .option('--no-sample', 'do not print samples at the end')
    .action(action(async (files: string[], f: TrainFlags, cmd: Command) => {
      const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
      const refuseFolder = async (dir: string): Promise<void> => {
        checkWritable(dir, 'folder');
        if (f.force) return;
        const state = await textFolderState(dir);
        if (state.model || state.checkpoint !== null) {
          throw new UsageError(`${dir} already holds a model: use --resume ${dir} to continue it, --force to replace it, or --out for another folder`);
        }
        if (state.other) throw new UsageError(`${dir} already exists and holds other files: choose --out or add --force to write into it`);
      };
      // An output folder named up front is checked before any input is read.
      if (!f.resume && f.out !== undefined) await refuseFolder(f.out);
      let source: TextSource;
      let g: TextGenerator;
      let dir: string;
      let settings: Parameters<TextGenerator['train']>[1];
      if (f.resume) {
        dir = f.resume;
        g = await loadTextModel(dir, { resume: true });
        // The text it was trained on: the files given, or the bundled corpus it names, never another by default.
        source = await trainedText(g, dir, files, `to continue it: recurrent train FILE... --resume ${dir}`);
        settings = resumeSettings(g, f, given);
      } else {
        source = files.length ? await readTextInputs(files) : loadCorpus(f.corpus);
        if (!given('steps') && !given('epochs') && !given('time')) f.time = '3m';
        dir = f.out ?? join('runs', `${source.name.replace(/[^\w.-]+/g, '_')}-${f.cell}`);
        await refuseFolder(dir);
        g = TextGenerator.create(source.text, {
          cell: CELLS[f.cell]!, hiddenSize: f.hidden, numLayers: f.layers, embeddingSize: f.embedding,
          dropout: f.dropout, tokenizer: f.tokenizer, softmax: f.softmax, ...(f.cutoffs ? { cutoffs: f.cutoffs } : {}),
        }, f.seed);
        settings = {
          valFraction: f.valFraction, batch: f.batch, seqLen: f.seqLen, lr: f.lr,
          optimizer: f.optimizer as OptimizerName, clip: f.clip, evalEvery: f.evalEvery,
          ...(f.steps !== undefined ? { steps: f.steps } : {}),
          ...(f.epochs !== undefined ? { epochs: f.epochs } : {}),
          ...(f.time !== undefined ? { timeLimit: parseDuration(f.time) } : {}),
        };
      }
      const unit = g.vocab.kind === 'char' ? 'char' : 'word';
      const view = stepProgress(f.json === true, unit);
      let stopRequested = false;
      const onSigint = (): void => {
        if (stopRequested) process.exit(130);
        stopRequested = true;
        view.event('info', { message: 'stopping after this step (Ctrl-C again to quit at once)...' });
      };
      process.on('SIGINT', onSigint);
      view.event('start', { dir, data: source.name, tokens: g.vocab.encode(source.text).ids.length, vocab: g.vocab.size, parameters: g.model.numParameters() });
      try {
        await trainInFolder(dir, g, source.text, { name: source.name, ...settings }, {
          onProgress: (p) => view.update(p),
          onEval: async (p, improved) => {
            await writePlot(dir, g, unit);
            view.event('eval', { step: p.step, loss: p.loss, valLoss: p.valLoss, valBits: p.valBits, improved });
          },
          shouldStop: () => stopRequested,
        });
      } catch (e) {
        if (e instanceof NonFiniteError && g.history.length > 0) {
          throw new NonFiniteError(`${e.message}; ${dir} keeps the model saved at step ${g.history[g.history.length - 1]!.step}`);
        }
        throw e;
      } finally {
        view.stop();
        process.off('SIGINT', onSigint);
      }
      const best = g.history.reduce((b, h) => (h.valLoss !== null && (b === null || h.valLoss < b) ? h.valLoss : b), null as number | null);
      if (f.json) {
        console.log(JSON.stringify({ event: 'done', dir, step: g.step, bestValLoss: best, interrupted: stopRequested }));
        return;
      }
      console.log(`${stopRequested ? 'stopped' : 'trained'} ${plural(g.step, 'step')}; best validation loss ${best?.toFixed(3)} nats/${unit} (${((best ?? NaN) / Math.LN2).toFixed(2)} bits/${unit})`);
      console.log(`model saved in ${dir} (loss curve: ${join(dir, 'loss.png')})`);
      if (f.sample) {
        const best = await loadTextModel(dir);
        for (const temperature of [0.5, 1.0]) {
          console.log(`\n--- sample, temperature ${temperature} ---`);
          const prime = samplePrime(source.text) + (g.vocab.kind === 'char' ? ' ' : '');
          const out = tokenStream(process.stdout);
          out.write(prime + (g.vocab.kind === 'word' ? ' ' : ''));
          best.generate({ prime, length: g.vocab.kind === 'char' ? 300 : 60, temperature, seed: f.seed, onToken: (t) => out.write(t) });
          out.write('\n');
          out.end();
        }
        console.log(`\nmore: recurrent generate ${dir} --prime ${JSON.stringify(samplePrime(source.text))} --length 500`);
      }
    }));

  program.command('generate')
    .description('write text with a trained model, streaming it as it is produced')
    .argument('<model>', 'model folder made by recurrent train')
    .option('--prime <text>', 'text to start from (unknown characters are dropped, unknown words become <unk>)', '')
    .option('--length <n>', 'tokens to generate', int('--length', 0), 500)
    .option('--temperature <t>', 'sampling temperature', num('--temperature', (n) => n > 0, 'a positive number'), 0.8)
    .option('--top-k <k>', 'sample among the k most likely tokens', int('--top-k'))
    .option('--top-p <p>', 'sample among the most likely tokens covering probability p', num('--top-p', (n) => n > 0 && n <= 1, 'a number in (0, 1]'))
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--beam <n>', 'beam search of width n instead of sampling', int('--beam'), 1)
    .action(action(async (dir: string, f: { prime: string; length: number; temperature: number; topK?: number; topP?: number; seed: number; beam: number }) => {
      const g = await loadTextModel(dir);
      const { unknown } = g.vocab.encode(f.prime);
      if (unknown.length) {
        process.stderr.write(`recurrent: note: the model never saw ${unknown.map((u) => JSON.stringify(u)).join(' ')}; ` +
          `${g.vocab.kind === 'char' ? 'dropped from' : 'read as <unk> in'} the prime\n`);
      }
      const out = tokenStream(process.stdout);
      out.write(f.prime + (f.prime && g.vocab.kind === 'word' ? ' ' : ''));
      // Generated in slices, so that a reader closing the pipe (`| head -c1`) stops it at the next token.
      await g.generateAsync({
        prime: f.prime, length: f.length, temperature: f.temperature, seed: f.seed, beam: f.beam,
        ...(f.topK !== undefined ? { topK: f.topK } : {}), ...(f.topP !== undefined ? { topP: f.topP } : {}),
        onToken: (t) => out.write(t), signal: stdoutClosed,
      });
      out.write('\n');
      out.end();
    }));

  program.command('inspect')
    .description('show a model: configuration, size, training history, data; for a text model, its gradients through time or its cells\' activity')
    .argument('<model>', 'model folder')
    .option('--gradients <text>', 'text model: ||dLoss/dh_t|| of the last prediction at every step back, per layer, and its decay per step (curves as SVG and PNG)')
    .option('--activations <file>', 'character model: the text of FILE coloured by cell activations (HTML, PNG), and the cells that track quotes, line position, parentheses, word boundaries')
    .option('--cell <n>', 'with --activations: the cell to show first (default: the best-tracking ones)', int('--cell', 0))
    .option('--max-chars <n>', 'with --activations: characters of FILE to read', int('--max-chars', 2), 5000)
    .option('--out <path>', 'with --gradients or --activations: where the files go, without extension (default MODEL/gradients, MODEL/activations)')
    .option('--json', 'print as JSON')
    .action(action(async (dir: string, f: InspectFlags) => {
      const state = await textFolderState(dir);
      if (!state.model && state.checkpoint === null) {
        if (f.gradients !== undefined || f.activations !== undefined) throw new UsageError(`--gradients and --activations are for text models; ${dir} holds another kind`);
        await inspectFolder(dir, f.json === true);
        return;
      }
      const g = await loadTextModel(dir);
      if (f.gradients !== undefined && f.activations !== undefined) throw new UsageError('give --gradients or --activations, not both');
      if (f.gradients !== undefined) {
        await gradientsReport(g, f.gradients, f.out ?? join(dir, 'gradients'), f.json === true);
        return;
      }
      if (f.activations !== undefined) {
        await activationsReport(g, f.activations, f.out ?? join(dir, 'activations'), { ...(f.cell !== undefined ? { cell: f.cell } : {}), maxTokens: f.maxChars, json: f.json === true });
        return;
      }
      const unit = g.vocab.kind === 'char' ? 'char' : 'word';
      const last = g.history[g.history.length - 1];
      const best = g.history.reduce((b, h) => (h.valLoss !== null && (b === null || h.valLoss < b.valLoss!) ? h : b), null as (typeof last) | null);
      const info = {
        folder: dir,
        model: { ...g.options, vocabulary: g.vocab.size, parameters: g.model.numParameters() },
        data: g.data,
        training: { steps: g.step, seconds: last?.seconds ?? 0, evaluations: g.history.length, best: best ? { step: best.step, valLoss: best.valLoss } : null },
        history: g.history,
      };
      if (f.json) {
        console.log(JSON.stringify(info, null, 1));
        return;
      }
      console.log(`model folder   ${dir}`);
      console.log(`model          ${g.options.cell} ${g.options.numLayers} x ${g.options.hiddenSize}, embedding ${g.options.embeddingSize}, dropout ${g.options.dropout}`);
      console.log(`tokens         ${g.vocab.kind}, vocabulary ${g.vocab.size}`);
      console.log(`parameters     ${g.model.numParameters().toLocaleString('en-US')}`);
      if (g.data) {
        console.log(`trained on     ${g.data.name}: ${g.data.bytes.toLocaleString('en-US')} bytes, ${g.data.tokens.toLocaleString('en-US')} tokens, sha256 ${g.data.sha256}`);
        console.log(`validation     the last ${(g.data.valFraction * 100).toFixed(1)}% of the text`);
      }
      console.log(`training       ${g.step} steps in ${Math.round(last?.seconds ?? 0)} s`);
      if (best) console.log(`best           validation loss ${best.valLoss!.toFixed(3)} nats/${unit} (${(best.valLoss! / Math.LN2).toFixed(2)} bits/${unit}) at step ${best.step}`);
      console.log('history        step   train   validation');
      for (const h of g.history.slice(-12)) {
        console.log(`               ${String(h.step).padStart(5)}  ${Number.isFinite(h.loss) ? h.loss.toFixed(3) : '  -  '}   ${h.valLoss?.toFixed(3) ?? '-'}`);
      }
    }));
}

/**
 * A prime taken from the training text itself, so that samples start the way
 * the user's text does: the first two words of its first line of prose (a line
 * of twenty words or more; headings and titles are shorter), else of its first line.
 */
export function samplePrime(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const line = lines.find((l) => l.split(/\s+/).length >= 20) ?? lines[0] ?? '';
  return line.split(/\s+/).slice(0, 2).join(' ').slice(0, 40);
}
