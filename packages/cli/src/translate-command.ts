/** `recurrent translate train PAIRS.tsv` and `recurrent translate MODEL "text"`: sequence to sequence with attention. */
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { readModelFiles, saveModelFiles } from 'recurrent-nn/node';
import { type PairTokenizer, TRANSLATOR_DEFAULTS, Translator, parsePairs } from 'recurrent-nn';

const TR = TRANSLATOR_DEFAULTS;
import { UsageError, action, int, num, refuseExisting, seedOption } from './errors.js';
import { readTextFile } from './input.js';
import { holdOut } from './options.js';

interface TrainFlags {
  sourceTokenizer: PairTokenizer | 'auto';
  targetTokenizer: PairTokenizer | 'auto';
  cell: 'lstm' | 'gru';
  hidden: number;
  embedding: number;
  epochs: number;
  batch: number;
  lr: number;
  valFraction: number;
  seed: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

export function registerTranslateCommand(program: Command): void {
  const translate = program
    .command('translate')
    .description('sequence to sequence with attention: `translate train PAIRS.tsv`, then `translate MODEL "text"`')
    .argument('[model]', 'model folder from `recurrent translate train`')
    .argument('[text...]', 'text to translate (default: one text per line of standard input)')
    .option('--beam <n>', 'beam width (1: greedy)', int('--beam'), 1)
    .option('--max-length <n>', 'most target tokens (default: the source length times the largest target/source ratio in training, + 10)', int('--max-length'))
    .option('--attention', 'also print the attention weights (target token x source token)')
    .action(action(async (dir: string | undefined, words: string[], flags: { beam: number; maxLength?: number; attention?: boolean }) => {
      if (!dir) throw new UsageError('give a model folder and a text (or `translate train PAIRS.tsv` to make one)');
      const files = await readModelFiles(dir);
      const t = Translator.fromFiles({ config: files.config as never, weights: files.weights }, dir);
      const texts = words.length ? [words.join(' ')] : (await readStdin()).split(/\r?\n/).filter((l) => l.trim() !== '');
      for (const text of texts) {
        const r = t.translate(text, { beam: flags.beam, ...(flags.maxLength ? { maxLength: flags.maxLength } : {}) });
        console.log(r.text);
        if (flags.attention) {
          console.log(`  ${''.padEnd(12)} ${r.sourceTokens.map((s) => s.padStart(8)).join(' ')}`);
          r.targetTokens.forEach((tok, i) => console.log(`  ${tok.padEnd(12)} ${r.attention[i]!.map((a) => a.toFixed(2).padStart(8)).join(' ')}`));
        }
      }
    }));

  translate
    .command('train')
    .description('train on tab-separated pairs (source<TAB>target per line); the last --val-fraction (shuffled) is held out')
    .argument('<pairs>', 'TSV file')
    .addOption(new Option('--source-tokenizer <t>', 'source tokens (auto: words, or characters where most words occur once)').choices(['auto', 'word', 'char']).default(TR.model.sourceTokenizer))
    .addOption(new Option('--target-tokenizer <t>', 'target tokens (auto: words, or characters where most words occur once)').choices(['auto', 'word', 'char']).default(TR.model.targetTokenizer))
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(['lstm', 'gru']).default('lstm'))
    .option('--hidden <n>', 'hidden units', int('--hidden'), TR.model.hiddenSize)
    .option('--embedding <n>', 'embedding size', int('--embedding'), TR.model.embeddingSize)
    .option('--epochs <n>', 'most epochs (early stopping on validation exact match)', int('--epochs'), TR.train.epochs)
    .option('--batch <n>', 'pairs per step', int('--batch'), TR.train.batch)
    .option('--lr <rate>', 'learning rate', num('--lr', (n) => n > 0, 'a positive number'), TR.train.lr)
    .option('--val-fraction <f>', 'pairs held out for validation', num('--val-fraction', (n) => n > 0 && n < 1, 'a number in (0, 1)'), TR.train.valFraction)
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--out <dir>', 'model folder (default runs/<pairs>-translate)')
    .option('--force', 'overwrite an existing folder')
    .option('--json', 'one JSON line per epoch')
    .action(action(async (file: string, flags: TrainFlags) => {
      const out = flags.out ?? join('runs', `${basename(file, extname(file))}-translate`);
      refuseExisting(out, flags.force);
      const pairs = parsePairs(await readTextFile(file, 'a UTF-8 TSV file of pairs'), file);
      const { train, val } = holdOut(pairs, flags.valFraction, flags.seed, file, 'pair');
      const t = Translator.create(train, {
        sourceTokenizer: flags.sourceTokenizer, targetTokenizer: flags.targetTokenizer, cell: flags.cell === 'gru' ? 'GRU' : 'LSTM',
        hiddenSize: flags.hidden, embeddingSize: flags.embedding,
      }, flags.seed);
      await t.train(train, val, { epochs: flags.epochs, batch: flags.batch, lr: flags.lr }, {
        seed: flags.seed,
        onProgress: (p) => (flags.json ? console.log(JSON.stringify({ event: 'epoch', ...p })) : process.stderr.write(`epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, validation exact match ${(100 * p.valExact).toFixed(1)}% (${p.seconds.toFixed(0)} s)\n`)),
      });
      await saveModelFiles(out, t.toFiles());
      const exact = t.exactMatch(val);
      if (flags.json) console.log(JSON.stringify({ event: 'done', out, valExact: exact, train: train.length, val: val.length }));
      else console.log(`validation exact match ${(100 * exact).toFixed(1)}% on ${val.length} held-out pairs (${train.length} trained on); saved to ${out}/`);
    }));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
