/**
 * `recurrent classify train|predict` (texts) and `recurrent speech train|predict`
 * (spoken words from WAV files).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { parseWav, parseLabelled, type JsonValue, splitIndices, CLASSIFIER_DEFAULTS, ClassifierEnsemble, TextClassifier, type LabelledAudio, SPEECH_DEFAULTS, SpokenWordEnsemble, SpokenWordRecognizer } from 'recurrent-nn';

const CM = CLASSIFIER_DEFAULTS.model;
const CT = CLASSIFIER_DEFAULTS.train;
import { readModelFiles, saveModelFiles } from 'recurrent-nn/node';
import { UsageError, action, refuseExisting, int, num, seedOption } from './errors.js';
import { readInputFile, readTextFile } from './input.js';
import { CELLS, holdOut } from './options.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * A model folder's ensemble: the folder's model is member 0, and the others sit beside it as
 * member-1.safetensors, ... (config.json's `ensemble` says how many), sharing its config.
 */
async function loadMembers<M>(dir: string, fromFiles: (files: { config: JsonValue; weights: Uint8Array }, where: string) => M): Promise<M[]> {
  const files = await readModelFiles(dir);
  const config = files.config as unknown as JsonValue;
  const size = Number((files.config.extra as { ensemble?: number } | undefined)?.ensemble ?? 1);
  const members = [fromFiles({ config, weights: files.weights }, dir)];
  for (let i = 1; i < size; i++) members.push(fromFiles({ config, weights: new Uint8Array(await readInputFile(join(dir, `member-${i}.safetensors`))) }, dir));
  return members;
}

/** Writes an ensemble's folder as loadMembers reads it: the members beside the folder's model, written before config.json. */
async function saveMembers(out: string, members: Array<{ toFiles(extra?: { [key: string]: JsonValue }): { config: JsonValue; weights: Uint8Array } }>, extra: { [key: string]: JsonValue }): Promise<void> {
  await saveModelFiles(out, members[0]!.toFiles({ ...extra, ensemble: members.length }), members.slice(1).map((m, i) => [`member-${i + 1}.safetensors`, m.toFiles().weights] as const));
}

/** A classifier folder (loadMembers). */
export async function loadClassifierFolder(dir: string): Promise<ClassifierEnsemble> {
  return new ClassifierEnsemble(await loadMembers(dir, (f, where) => TextClassifier.fromFiles(f, where)));
}

/** A spoken-word folder (loadMembers): a single recogniser is an ensemble of one. */
export async function loadSpeechFolder(dir: string): Promise<SpokenWordEnsemble> {
  return new SpokenWordEnsemble(await loadMembers(dir, (f, where) => SpokenWordRecognizer.fromFiles(f, where)));
}

export function registerClassifyAndSpeechCommands(program: Command): void {
  const classify = program.command('classify').description('text classification (e.g. sentiment): train on labelled texts, then predict');
  classify
    .command('train')
    .description('train on CSV, JSON Lines or a JSON array of labelled texts; report accuracy, per-class P/R/F1 and the confusion matrix on a held-out split')
    .argument('<data>', 'labelled texts')
    .option('--text-column <name>', 'the text field', 'text')
    .option('--label-column <name>', 'the label field', 'label')
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(Object.keys(CELLS)).default('lstm'))
    .option('--hidden <n>', 'hidden units', int('--hidden'), CM.hiddenSize)
    .option('--embedding <n>', 'embedding size', int('--embedding'), CM.embeddingSize)
    .option('--no-bidirectional', 'one direction only')
    .addOption(new Option('--pooling <p>', 'how the sequence becomes one vector').choices(['max', 'mean', 'last']).default(CM.pooling))
    .option('--max-vocab <n>', 'vocabulary size limit', int('--max-vocab', 3), CM.maxVocab)
    .option('--min-count <n>', 'rarer words become <unk>', int('--min-count'), CM.minCount)
    .addOption(new Option('--class-weights <w>', 'weights against class imbalance').choices(['balanced', 'none']).default(CM.classWeights))
    .option('--word-dropout <p>', 'share of training words replaced by <unk>', num('--word-dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), CT.wordDropout)
    .option('--epochs <n>', 'most epochs (the best validation accuracy is kept)', int('--epochs'), CT.epochs)
    .option('--ensemble <n>', 'train n models from seeds seed..seed+n-1 and average their probabilities', int('--ensemble'), 1)
    .option('--seed <n>', 'random seed (weights, split, batches)', seedOption, 0)
    .option('--out <dir>', 'model folder (default runs/<data>-classify)')
    .option('--force', 'overwrite an existing folder')
    .option('--json', 'the report as JSON')
    .action(action(async (file: string, f: {
      textColumn: string; labelColumn: string; cell: string; hidden: number; embedding: number; bidirectional: boolean; pooling: 'max' | 'mean' | 'last';
      maxVocab: number; minCount: number; classWeights: 'balanced' | 'none'; wordDropout: number; epochs: number; ensemble: number; seed: number; out?: string; force?: boolean; json?: boolean;
    }) => {
      const out = f.out ?? join('runs', `${basename(file, extname(file))}-classify`);
      refuseExisting(out, f.force);
      const data = parseLabelled(await readTextFile(file, 'a UTF-8 CSV or JSON file of labelled texts'), file, f.textColumn, f.labelColumn);
      const split = splitIndices(data.texts.length, [0.8, 0.1, 0.1], f.seed);
      const options = {
        cell: CELLS[f.cell]!, hiddenSize: f.hidden, embeddingSize: f.embedding, bidirectional: f.bidirectional, pooling: f.pooling,
        maxVocab: f.maxVocab, minCount: f.minCount, classWeights: f.classWeights,
      };
      const e = await ClassifierEnsemble.train(data, split, f.ensemble, options, { epochs: f.epochs, wordDropout: f.wordDropout }, f.seed, (i, m) => {
        if (!f.json) process.stderr.write(`model ${i + 1}/${f.ensemble}: best validation accuracy ${pct(m.best?.valAccuracy ?? 0)} at epoch ${m.best?.epoch ?? 0}\n`);
      });
      const report = e.evaluate(data, split.test);
      await saveMembers(out, e.members, { data: { file: basename(file), records: data.texts.length, skipped: data.skipped, seed: f.seed }, report: report as unknown as JsonValue });
      if (f.json) {
        console.log(JSON.stringify({ out, ...report }));
        return;
      }
      console.log(`test accuracy ${pct(report.accuracy)} on ${report.count} held-out texts (split 80/10/10, seed ${f.seed}; ${data.skipped} records without text or label skipped)`);
      for (const m of report.perClass) console.log(`  ${m.label.padEnd(12)} precision ${pct(m.precision).padStart(6)}  recall ${pct(m.recall).padStart(6)}  F1 ${m.f1.toFixed(3)}  (${m.support})`);
      console.log(`confusion (rows: true, columns: predicted; ${report.labels.join(', ')}):`);
      for (const row of report.confusion) console.log(`  ${row.map((v) => String(v).padStart(6)).join('')}`);
      console.log(`saved to ${out}/`);
    }));
  classify
    .command('predict')
    .description('label texts with a trained classifier: one line each, with its probability')
    .argument('<model>', 'model folder from `recurrent classify train`')
    .argument('<text...>', 'text(s) to classify')
    .action(action(async (dir: string, texts: string[]) => {
      const empty = texts.findIndex((t) => t.trim() === '');
      if (empty >= 0) throw new UsageError(`text ${empty + 1} is empty: there is nothing to classify`);
      const c = await loadClassifierFolder(dir);
      const probs = c.predictProbabilities(texts);
      texts.forEach((t, i) => {
        const p = probs[i]!;
        const k = p.indexOf(Math.max(...p));
        console.log(`${c.labels[k]}\t${p[k]!.toFixed(3)}\t${t}`);
      });
    }));

  const speech = program.command('speech').description('spoken-word recognition from WAV files');
  speech
    .command('train')
    .description('train on a folder with one subfolder of WAV files per word (e.g. digits/zero/*.wav)')
    .argument('<folder>', 'folder of word folders')
    .option('--val-fraction <f>', 'recordings held out for validation', num('--val-fraction', (n) => n > 0 && n < 1, 'a number in (0, 1)'), SPEECH_DEFAULTS.train.valFraction)
    .option('--hidden <n>', 'hidden units', int('--hidden'), SPEECH_DEFAULTS.model.hiddenSize)
    .option('--epochs <n>', 'most epochs', int('--epochs'), SPEECH_DEFAULTS.train.epochs)
    .option('--max-hz <hz>', 'highest frequency the features read (4000: 8 kHz and 16 kHz recordings alike)', num('--max-hz', (n) => n >= 1000 && n <= 24000, 'a frequency in hertz from 1000 to 24000'), SPEECH_DEFAULTS.model.maxHz)
    .option('--ensemble <n>', 'train n recognisers from seeds seed..seed+n-1 and average their probabilities', int('--ensemble'), 1)
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--out <dir>', 'model folder (default runs/<folder>-speech)')
    .option('--force', 'overwrite an existing folder')
    .option('--no-augment', 'train on the recordings as they are (default: speed, warp, noise and masks drawn anew each epoch)')
    .action(action(async (folder: string, f: { valFraction: number; hidden: number; epochs: number; maxHz: number; ensemble: number; seed: number; out?: string; force?: boolean; augment: boolean }) => {
      const out = f.out ?? join('runs', `${basename(folder)}-speech`);
      refuseExisting(out, f.force);
      let words: string[];
      try {
        words = (await readdir(folder, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      } catch {
        throw new UsageError(`${folder}: no such folder`);
      }
      const examples: LabelledAudio[] = [];
      for (const w of words) {
        for (const name of (await readdir(join(folder, w))).filter((n) => n.toLowerCase().endsWith('.wav')).sort()) {
          const p = join(folder, w, name);
          examples.push({ audio: parseWav(new Uint8Array(await readFile(p)), p), label: w });
        }
      }
      if (examples.length === 0) throw new UsageError(`${folder}: no WAV files in word subfolders (expected ${folder}/<word>/*.wav)`);
      const { train, val } = holdOut(examples, f.valFraction, f.seed, folder, 'recording');
      const member = (i: number): string => (f.ensemble > 1 ? `model ${i + 1}/${f.ensemble}, ` : '');
      const e = await SpokenWordEnsemble.train(examples.map((x) => x.label), train, val, f.ensemble, { hiddenSize: f.hidden, maxHz: f.maxHz }, { epochs: f.epochs, augment: f.augment }, {
        seed: f.seed, onProgress: (p) => process.stderr.write(`${member(p.member)}epoch ${p.epoch}: loss ${p.loss.toFixed(4)}, validation accuracy ${pct(p.valAccuracy)}\n`),
      });
      await saveMembers(out, e.members, {});
      console.log(`validation accuracy ${pct(e.accuracy(val))} on ${val.length} held-out recordings of ${e.labels.length} words${f.ensemble > 1 ? ` (${f.ensemble} models averaged)` : ''}; saved to ${out}/`);
    }));
  speech
    .command('predict')
    .description('name the word in each WAV file')
    .argument('<model>', 'model folder from `recurrent speech train`')
    .argument('<wav...>', 'WAV files')
    .action(action(async (dir: string, wavs: string[]) => {
      const r = await loadSpeechFolder(dir);
      const audio = [];
      for (const w of wavs) {
        if ((await stat(w).catch(() => null))?.isFile() !== true) throw new UsageError(`${w}: no such file`);
        audio.push(parseWav(new Uint8Array(await readInputFile(w)), w));
      }
      r.predict(audio).forEach((word, i) => console.log(`${word}\t${wavs[i]}`));
    }));
}
