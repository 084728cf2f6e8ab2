/**
 * `recurrent caption scenes DIR` (generated shape scenes, PNG + captions.tsv),
 * `recurrent caption train DIR` (images listed in DIR/captions.tsv, or their
 * precomputed features with --features FILE) and `recurrent caption MODEL
 * image.png...`: image captioning with attention over the image's grid.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { readModelFiles, replaceFolder, saveModelFiles } from 'recurrent-nn/node';
import {
  CAPTION_DEFAULTS, type CaptionExample, type CaptionResult, Captioner, type JsonValue, generateScenes, parseSafetensors, sceneCaptions, sceneSvg,
} from 'recurrent-nn';
import { UsageError, action, durationOption, int, num, parseDuration, refuseExisting, seedOption } from './errors.js';
import { decodeImage, renderSvg } from './images.js';
import { readFolderListing, readInputFile } from './input.js';
import { type TrainRunFlags, holdOut } from './options.js';

const CM = CAPTION_DEFAULTS.model;
const CT = CAPTION_DEFAULTS.train;

/** DIR/captions.tsv: `image<TAB>caption` per line, an image on several lines for several captions; in the order first listed. */
async function readCaptionList(dir: string): Promise<Array<{ name: string; captions: string[] }>> {
  const { list, entries } = await readFolderListing(dir, { listName: 'captions.tsv', form: 'image.png<TAB>caption', noun: 'images', contents: 'captions' });
  const byName = new Map<string, string[]>();
  for (const { line, name, text } of entries) {
    if (!/[\p{L}\p{N}]/u.test(text)) throw new UsageError(`${list}: line ${line}: the caption of ${name} has no words`);
    byName.set(name, [...(byName.get(name) ?? []), text.trim()]);
  }
  return [...byName].map(([name, captions]) => ({ name, captions }));
}

/** Features by image name from safetensors (one tensor per image, (G, D) or (D)), all of one shape. */
function readFeatures(bytes: Uint8Array, file: string): { get(name: string): Float32Array | null; grid: number; size: number; names: string[] } {
  const st = parseSafetensors(bytes, file);
  const names = st.names();
  if (names.length === 0) throw new UsageError(`${file}: no tensors (expected one per image, named as in captions.tsv, of shape (grid, features) or (features))`);
  const shape = st.shape(names[0]!);
  const grid = shape.length === 2 ? shape[0]! : 1;
  const size = shape.at(-1)!;
  if (shape.length < 1 || shape.length > 2) throw new UsageError(`${file}: '${names[0]}' has shape [${shape.join(', ')}], expected (grid, features) or (features)`);
  for (const n of names) {
    if (st.shape(n).join() !== shape.join()) throw new UsageError(`${file}: '${n}' has shape [${st.shape(n).join(', ')}], but '${names[0]}' has [${shape.join(', ')}]: every image needs the same shape`);
  }
  return { get: (n) => (st.has(n) ? st.float32(n).data : null), grid, size, names };
}

async function readImageFile(path: string): Promise<ReturnType<typeof decodeImage>> {
  if ((await stat(path).catch(() => null))?.isFile() !== true) throw new UsageError(`${path}: no such file`);
  return decodeImage(new Uint8Array(await readInputFile(path, 'a PNG or JPEG image')), path);
}

/** Shades a grid of weights as text (darker: more weight), largest weight = '@'. */
function shade(weights: number[], [rows, cols]: [number, number]): string[] {
  const ramp = ' .:-=+*#%@';
  const most = Math.max(...weights, 1e-12);
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => ramp[Math.min(9, Math.round((9 * weights[r * cols + c]!) / most))]!.repeat(2)).join(''));
}

function printCaption(r: CaptionResult, name: string, attention: boolean, attends: boolean): void {
  console.log(`${r.text}\t${name}`);
  if (!attention) return;
  if (!attends || r.grid[0] * r.grid[1] === 1) {
    console.log('  (this model has no attention over a grid)');
    return;
  }
  // One map per word: where the model looked as it chose the word.
  r.attention.forEach((weights, i) => {
    console.log(`  ${r.words[i] ?? '<end>'}`);
    for (const line of shade(weights, r.grid)) console.log(`    |${line}|`);
  });
}

interface TrainFlags extends TrainRunFlags {
  features?: string;
  imageSize: number;
  attention: boolean;
  cell: 'lstm' | 'gru';
  hidden: number;
  embedding: number;
}

export function registerCaptionCommand(program: Command): void {
  const caption = program
    .command('caption')
    .description('image captioning with attention: `caption scenes DIR` or your own images, `caption train DIR`, then `caption MODEL image.png...`')
    .argument('[model]', 'model folder from `recurrent caption train`')
    .argument('[images...]', 'PNG or JPEG files (with --features: names of images in the features file)')
    .option('--beam <n>', 'beam width (1: greedy)', int('--beam'), 1)
    .option('--attention', 'also show, for each word, where on the image the model looked')
    .option('--features <file>', 'safetensors of precomputed features (for a model trained with --features): caption the images named')
    .option('--json', 'one JSON object per image: text, words, attention (per word, over the grid) and the grid')
    .action(action(async (dir: string | undefined, images: string[], flags: { beam: number; attention?: boolean; features?: string; json?: boolean }) => {
      if (!dir || images.length === 0) throw new UsageError('give a model folder and images (or `caption train DIR` to make a model)');
      const files = await readModelFiles(dir);
      const c = Captioner.fromFiles({ config: files.config as unknown as JsonValue, weights: files.weights }, dir);
      const features = flags.features ? readFeatures(new Uint8Array(await readInputFile(flags.features)), flags.features) : null;
      if (!features && c.options.features) throw new UsageError(`${dir} reads precomputed features: give --features FILE and the names of images in it`);
      for (const name of images) {
        let input;
        if (features) {
          input = features.get(name);
          if (!input) throw new UsageError(`${flags.features}: no features named '${name}' (it has ${features.names.slice(0, 5).join(', ')}${features.names.length > 5 ? ', ...' : ''})`);
        } else input = await readImageFile(name);
        const r = c.caption(input, { beam: flags.beam });
        if (flags.json) console.log(JSON.stringify({ image: name, text: r.text, words: r.words, attention: r.attention, grid: r.grid }));
        else printCaption(r, name, flags.attention === true, c.options.attention);
      }
    }));

  caption
    .command('scenes')
    .description('generate captioned scenes of 1-3 coloured shapes (PNG files and captions.tsv, every caption of each), some colour-shape pairs held out')
    .argument('<dir>', 'folder to write')
    .option('--count <n>', 'scenes', int('--count'), 2000)
    .option('--size <px>', 'image side in pixels', int('--size', 16), CM.imageSize)
    .addOption(new Option('--held-out <which>', "the held-out pairs (red triangle, green circle, blue square): 'exclude' for training, 'only' for a test of unseen combinations, or 'any'").choices(['exclude', 'only', 'any']).default('exclude'))
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--force', 'overwrite an existing folder')
    .action(action(async (dir: string, flags: { count: number; size: number; heldOut: 'exclude' | 'only' | 'any'; seed: number; force?: boolean }) => {
      refuseExisting(dir, flags.force);
      const scenes = generateScenes({ count: flags.count, size: flags.size, seed: flags.seed, heldOut: flags.heldOut });
      const width = String(scenes.length).length;
      const files: Array<readonly [string, Uint8Array | string]> = [];
      const lines: string[] = [];
      scenes.forEach((s, i) => {
        const name = `scene-${String(i + 1).padStart(width, '0')}.png`;
        files.push([name, new Uint8Array(renderSvg(sceneSvg(s)).asPng())]);
        for (const text of sceneCaptions(s)) lines.push(`${name}\t${text}`);
      });
      files.push(['captions.tsv', `${lines.join('\n')}\n`]);
      await replaceFolder(dir, files);
      console.log(`wrote ${scenes.length} scenes (${flags.size}x${flags.size} PNG) and ${lines.length} captions to ${dir}/captions.tsv`);
    }));

  caption
    .command('train')
    .description('train on the images listed with their captions in DIR/captions.tsv (or on their features, --features); report BLEU-4 and exact match on held-out images')
    .argument('<dir>', 'folder with captions.tsv and the images it names')
    .option('--features <file>', 'safetensors with one tensor per image, named as in captions.tsv, (grid, features) or (features): train only the decoder on them')
    .option('--image-size <px>', 'the CNN reads images resized to this square (a multiple of 4)', int('--image-size', 8), CM.imageSize)
    .option('--no-attention', 'start the decoder from the image but do not attend over it (Show and Tell)')
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(['lstm', 'gru']).default('lstm'))
    .option('--hidden <n>', 'hidden units', int('--hidden'), CM.hiddenSize)
    .option('--embedding <n>', 'word embedding size', int('--embedding'), CM.embeddingSize)
    .option('--epochs <n>', 'most epochs (early stopping on validation BLEU-4)', int('--epochs'), CT.epochs)
    .option('--batch <n>', 'images per step', int('--batch'), CT.batch)
    .option('--lr <rate>', 'learning rate', num('--lr', (n) => n > 0, 'a positive number'), CT.lr)
    .option('--time <duration>', 'stop after this long, e.g. 90s, 10m, 1h', durationOption)
    .option('--val-fraction <f>', 'images held out for validation', num('--val-fraction', (n) => n > 0 && n < 1, 'a number in (0, 1)'), CT.valFraction)
    .option('--seed <n>', 'random seed', seedOption, 0)
    .option('--out <dir>', 'model folder (default runs/<dir>-caption)')
    .option('--force', 'overwrite an existing folder')
    .option('--json', 'one JSON line per epoch')
    .action(action(async (dir: string, own: TrainFlags) => {
      // `caption` itself has --features and --json, and commander gives them to it wherever they stand.
      const parent = caption.opts<{ features?: string; json?: boolean }>();
      const flags: TrainFlags = { ...own, features: own.features ?? parent.features, json: own.json ?? parent.json };
      const out = flags.out ?? join('runs', `${basename(resolve(dir))}-caption`);
      refuseExisting(out, flags.force);
      if (flags.imageSize % 4 !== 0) throw new UsageError(`--image-size must be a multiple of 4, got ${flags.imageSize}`);
      const listed = await readCaptionList(dir);
      const features = flags.features ? readFeatures(new Uint8Array(await readInputFile(flags.features)), flags.features) : null;
      const examples: CaptionExample[] = [];
      for (const { name, captions } of listed) {
        if (features) {
          const f = features.get(name);
          if (!f) throw new UsageError(`${flags.features}: no features named '${name}', which ${dir}/captions.tsv lists`);
          examples.push({ input: f, captions });
        } else {
          examples.push({ input: await readImageFile(join(dir, name)), captions });
        }
      }
      const { train, val } = holdOut(examples, flags.valFraction, flags.seed, dir, 'image');
      const c = Captioner.create(train, {
        imageSize: flags.imageSize, features: features ? { grid: features.grid, size: features.size } : null, attention: flags.attention,
        cell: flags.cell === 'gru' ? 'GRU' : 'LSTM', hiddenSize: flags.hidden, embeddingSize: flags.embedding,
      }, flags.seed);
      await c.train(train, val, { epochs: flags.epochs, batch: flags.batch, lr: flags.lr, ...(flags.time !== undefined ? { timeLimit: parseDuration(flags.time) } : {}) }, {
        seed: flags.seed,
        onProgress: (p) => (flags.json
          ? console.log(JSON.stringify({ event: 'epoch', ...p }))
          : process.stderr.write(`epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, validation BLEU-4 ${p.valBleu.toFixed(3)} (${p.seconds.toFixed(0)} s)\n`)),
      });
      await saveModelFiles(out, c.toFiles());
      const r = c.evaluate(val);
      if (flags.json) console.log(JSON.stringify({ event: 'done', out, valBleu: r.bleu, valExact: r.exact, train: train.length, val: val.length }));
      else console.log(`validation: BLEU-4 ${r.bleu.toFixed(3)}, exact match ${(100 * r.exact).toFixed(1)}% on ${val.length} held-out images (${train.length} trained on); saved to ${out}/`);
    }));
}
