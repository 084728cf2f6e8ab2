/**
 * `recurrent transcribe train DIR` (WAV files listed in DIR/transcripts.tsv)
 * and `recurrent transcribe MODEL file.wav...`: speech to text with CTC.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadTextModel, readModelFiles, saveModelFiles } from 'recurrent-nn/node';
import { type JsonValue, TRANSCRIBE_DEFAULTS, type TranscribedAudio, Transcriber, parseWav } from 'recurrent-nn';
import { UsageError, action, durationOption, int, num, parseDuration, refuseExisting, seedOption } from './errors.js';
import { readFolderListing, readInputFile } from './input.js';
import { type TrainRunFlags, holdOut } from './options.js';

const TM = TRANSCRIBE_DEFAULTS.model;
const TT = TRANSCRIBE_DEFAULTS.train;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

interface TrainFlags extends TrainRunFlags {
  cell: 'lstm' | 'gru';
  hidden: number;
  layers: number;
  alphabet: string;
  unidirectional?: boolean;
  augment: boolean;
}

/** What a transcript may hold by default: lower-case letters, the space and the apostrophe (numbers spelt out). */
export const DEFAULT_ALPHABET = "abcdefghijklmnopqrstuvwxyz '";

/** DIR/transcripts.tsv: `file.wav<TAB>what is said` per line (file names relative to DIR). */
export async function readTranscribedFolder(dir: string): Promise<TranscribedAudio[]> {
  const { list, entries } = await readFolderListing(dir, { listName: 'transcripts.tsv', form: 'file.wav<TAB>transcript', noun: 'recordings', contents: 'transcripts' });
  const out: TranscribedAudio[] = [];
  for (const { line, name, text } of entries) {
    if (text.trim() === '') throw new UsageError(`${list}: line ${line}: the transcript of ${name} is empty`);
    const file = resolve(dir, name);
    if ((await stat(file).catch(() => null))?.isFile() !== true) throw new UsageError(`${list}: line ${line}: ${name} is not a file in ${dir}`);
    out.push({ audio: parseWav(new Uint8Array(await readFile(file)), join(dir, name)), text });
  }
  return out;
}

export function registerTranscribeCommand(program: Command): void {
  const transcribe = program
    .command('transcribe')
    .description('speech to text (CTC): `transcribe train DIR`, then `transcribe MODEL file.wav...`')
    .argument('[model]', 'model folder from `recurrent transcribe train`')
    .argument('[wav...]', 'WAV files')
    .option('--beam <n>', 'prefixes kept by the beam search (1: greedy)', int('--beam'), 1)
    .option('--lm <model>', 'a character language model from `recurrent train`, fused into the beam search (default beam 8)')
    .option('--lm-weight <w>', 'the language model\'s weight', num('--lm-weight', (n) => n >= 0, 'a number >= 0'), 0.5)
    .option('--length-bonus <b>', 'added per character (with --lm)', num('--length-bonus', Number.isFinite, 'a number'), 0)
    .option('--stream <ms>', 'feed each file in chunks of this many milliseconds, printing the transcript so far after each (a --unidirectional model)', int('--stream'))
    .action(action(async (dir: string | undefined, wavs: string[], flags: { beam: number; lm?: string; lmWeight: number; lengthBonus: number; stream?: number }) => {
      if (!dir || wavs.length === 0) throw new UsageError('give a model folder and WAV files (or `transcribe train DIR` to make a model)');
      const files = await readModelFiles(dir);
      const t = Transcriber.fromFiles({ config: files.config as unknown as JsonValue, weights: files.weights }, dir);
      const lm = flags.lm ? await loadTextModel(flags.lm) : null;
      const beam = lm && flags.beam === 1 ? 8 : flags.beam;
      const audio = [];
      for (const w of wavs) {
        if ((await stat(w).catch(() => null))?.isFile() !== true) throw new UsageError(`${w}: no such file`);
        audio.push(parseWav(new Uint8Array(await readInputFile(w)), w));
      }
      if (flags.stream !== undefined) {
        if (lm || beam !== 1) throw new UsageError('--stream decodes greedily as the audio comes: leave out --beam and --lm');
        for (const [i, a] of audio.entries()) {
          const s = t.stream(a.sampleRate);
          const chunk = Math.max(1, Math.round((a.sampleRate * flags.stream) / 1000));
          const ms: number[] = [];
          let shown = '';
          for (let at = 0; at < a.samples.length; at += chunk) {
            const t0 = performance.now();
            const partial = s.push(a.samples.subarray(at, at + chunk));
            ms.push(performance.now() - t0);
            if (partial !== shown) process.stderr.write(`${((at + chunk) / a.sampleRate).toFixed(2)} s\t${(shown = partial)}\n`);
          }
          console.log(`${s.end()}\t${wavs[i]}`);
          process.stderr.write(`${ms.length} chunks of ${flags.stream} ms: ${(ms.reduce((x, y) => x + y, 0) / ms.length).toFixed(1)} ms each on average, ${Math.max(...ms).toFixed(1)} ms at most\n`);
        }
        return;
      }
      const decoding = { beam, lm: lm ? { model: lm.model, vocab: lm.vocab } : null, lmWeight: flags.lmWeight, lengthBonus: flags.lengthBonus };
      t.transcribe(audio, decoding).forEach((text, i) => console.log(`${text}\t${wavs[i]}`));
    }));

  transcribe
    .command('train')
    .description('train on a folder of WAV files listed with what is said in DIR/transcripts.tsv; report character and word error rates on held-out recordings')
    .argument('<dir>', 'folder with transcripts.tsv and the WAV files it names')
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(['lstm', 'gru']).default('lstm'))
    .option('--hidden <n>', 'hidden units per direction', int('--hidden'), TM.hiddenSize)
    .option('--layers <n>', 'recurrent layers', int('--layers'), TM.numLayers)
    .option('--epochs <n>', 'most epochs (early stopping on the validation character error rate)', int('--epochs'), TT.epochs)
    .option('--batch <n>', 'recordings per step', int('--batch'), TT.batch)
    .option('--lr <rate>', 'learning rate', num('--lr', (n) => n > 0, 'a positive number'), TT.lr)
    .option('--time <duration>', 'stop after this long, e.g. 90s, 10m, 1h', durationOption)
    .option('--val-fraction <f>', 'recordings held out for validation', num('--val-fraction', (n) => n > 0 && n < 1, 'a number in (0, 1)'), 0.1)
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--out <dir>', 'model folder (default runs/<dir>-transcribe)')
    .option('--force', 'overwrite an existing folder')
    .option('--alphabet <chars>', 'the characters transcripts may hold (after lower-casing)', DEFAULT_ALPHABET)
    .option('--unidirectional', 'read the audio one way only, so it can be transcribed as it streams in (`transcribe MODEL --stream`)')
    .option('--no-augment', 'train on the recordings as they are (default: speed, warp, noise and masks drawn anew each batch)')
    .option('--json', 'one JSON line per epoch')
    .action(action(async (dir: string, flags: TrainFlags) => {
      const out = flags.out ?? join('runs', `${basename(resolve(dir))}-transcribe`);
      refuseExisting(out, flags.force);
      const examples = await readTranscribedFolder(dir);
      const { train, val } = holdOut(examples, flags.valFraction, flags.seed, dir, 'recording');
      const t = Transcriber.create([], { cell: flags.cell === 'gru' ? 'GRU' : 'LSTM', hiddenSize: flags.hidden, numLayers: flags.layers, alphabet: flags.alphabet,
        bidirectional: flags.unidirectional !== true,
      }, flags.seed);
      await t.train(train, val, { epochs: flags.epochs, batch: flags.batch, lr: flags.lr, augment: flags.augment, ...(flags.time !== undefined ? { timeLimit: parseDuration(flags.time) } : {}) }, {
        seed: flags.seed,
        onProgress: (p) => (flags.json
          ? console.log(JSON.stringify({ event: 'epoch', ...p }))
          : process.stderr.write(`epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, validation character error rate ${pct(p.valCer)} (${p.seconds.toFixed(0)} s)\n`)),
      });
      await saveModelFiles(out, t.toFiles());
      const r = t.evaluate(val);
      if (flags.json) console.log(JSON.stringify({ event: 'done', out, valCer: r.cer, valWer: r.wer, train: train.length, val: val.length }));
      else console.log(`validation: character error rate ${pct(r.cer)}, word error rate ${pct(r.wer)} on ${val.length} held-out recordings (${train.length} trained on); saved to ${out}/`);
    }));
}
