/**
 * Image captioning: BLEU against NLTK's corpus_bleu (test/reference/bleu-nltk.json, made by
 * scripts/make-bleu-cases.py), the generated scenes and their grammar, image resizing, the
 * captioner's gradients by finite differences, a small captioner trained to a floor on scenes
 * rendered by resvg, features in place of pixels, the model folder, and the command line.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CaptionModel, Captioner, HELD_OUT_COMBINATIONS, Random, type Scene, Tensor, corpusBleu, crossEntropy, generateScenes, imageToPlanes, readScene,
  sceneAccuracy, sceneCaptions, sceneSvg, serializeSafetensors,
} from '../packages/recurrent/src/node.js';
import { MAX_IMAGE_PIXELS, decodeImage, imageSize, svgToImage } from '../packages/cli/src/images.js';
import { cliIn, oneLineError, root } from './cli-helpers.js';
import { gradCheck } from './helpers.js';

interface BleuCase { name: string; references: string[][][]; hypotheses: string[][]; bleu: number; bleu2: number }
const cases = JSON.parse(readFileSync(join(root, 'test/reference/bleu-nltk.json'), 'utf8')) as BleuCase[];

describe('corpus BLEU', () => {
  for (const c of cases) {
    it(`equals NLTK's corpus_bleu: ${c.name}`, () => {
      assert.ok(Math.abs(corpusBleu(c.references, c.hypotheses).bleu - c.bleu) < 1e-9, `BLEU-4 ${corpusBleu(c.references, c.hypotheses).bleu}, NLTK ${c.bleu}`);
      assert.ok(Math.abs(corpusBleu(c.references, c.hypotheses, 2).bleu - c.bleu2) < 1e-9, 'BLEU-2');
    });
  }
  it('refuses hypotheses without references', () => {
    assert.throws(() => corpusBleu([[['a']]], [['a'], ['b']]), /2 hypotheses but 1 reference lists/);
    assert.throws(() => corpusBleu([[]], [['a']]), /hypothesis 0 has no reference/);
  });
});

const isHeld = (s: Scene): boolean => s.objects.some((p) => HELD_OUT_COMBINATIONS.some(([c, k]) => p.colour === c && p.shape === k));

describe('generated scenes', () => {
  const scenes = generateScenes({ count: 300, seed: 3 });
  it('are reproducible, hold out the chosen combinations, and every caption reads back to its scene', () => {
    assert.deepEqual(generateScenes({ count: 300, seed: 3 }), scenes);
    assert.ok(!scenes.some(isHeld), 'exclude: no held-out pair');
    assert.ok(generateScenes({ count: 100, seed: 4, heldOut: 'only' }).every(isHeld), 'only: every scene has one');
    for (const n of [1, 2, 3]) assert.ok(scenes.filter((s) => s.objects.length === n).length > 50, `${n}-shape scenes`);
    const all = scenes.flatMap((s) => sceneCaptions(s).map((c) => [s, c] as const));
    const acc = sceneAccuracy(all.map(([s]) => s), all.map(([, c]) => c));
    assert.deepEqual(acc, { colour: 1, shape: 1, size: 1, count: 1, relation: 1, wellFormed: 1 });
    const two = scenes.find((s) => s.objects.length === 2)!;
    const [a, b] = two.objects as [Scene['objects'][0], Scene['objects'][0]];
    assert.ok(two.relation === 'left' ? a.x < b.x : a.y < b.y, 'the first of a relation is left of (or above) the second');
  });
  it('reads a wrong caption as wrong, attribute by attribute', () => {
    const s: Scene = { size: 32, relation: 'left', objects: [
      { colour: 'red', shape: 'circle', size: 'small', x: 5, y: 5, r: 3 }, { colour: 'blue', shape: 'square', size: 'large', x: 20, y: 5, r: 5 }] };
    // Swapped order: the relation names the shapes the wrong way round.
    const acc = sceneAccuracy([s, s], ['a large blue square left of a small red circle', 'a small red circle , blue']);
    assert.equal(acc.relation, 0);
    assert.equal(acc.colour, 0);
    assert.equal(acc.wellFormed, 0.5);
    assert.deepEqual(readScene('a small red circle below a large blue square'), { relation: 'above', objects: [
      { size: 'large', colour: 'blue', shape: 'square' }, { size: 'small', colour: 'red', shape: 'circle' }] });
    assert.equal(readScene('a red circle'), null, 'the size is part of the grammar');
  });
  it('render through resvg to the colours drawn, and resize by area', () => {
    const s: Scene = { size: 32, relation: null, objects: [{ colour: 'red', shape: 'square', size: 'large', x: 16, y: 16, r: 10 }] };
    const img = svgToImage(sceneSvg(s));
    assert.deepEqual([img.width, img.height], [32, 32]);
    const px = (x: number, y: number): number[] => Array.from(img.data.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 3));
    assert.deepEqual(px(16, 16), [0xd6, 0x27, 0x28]);
    assert.deepEqual(px(1, 1), [255, 255, 255]);
    const planes = imageToPlanes(img, 8);
    assert.equal(planes.length, 3 * 8 * 8);
    assert.ok(Math.abs(planes[4 * 8 + 4]! - ((0xd6 / 255) * 2 - 1)) < 1e-6, 'the centre stays red after an 4x4 average');
    // Half-transparent black over white is mid-grey; a 1x1 image enlarges to its colour.
    const grey = imageToPlanes({ width: 1, height: 1, data: Uint8Array.of(0, 0, 0, 128) }, 2);
    assert.ok(grey.every((v) => Math.abs(v - ((127 / 255) * 2 - 1)) < 0.01), `grey ${grey}`);
    assert.throws(() => imageToPlanes({ width: 2, height: 2, data: new Uint8Array(12) }, 4, 'x.png'), /x\.png: expected 16 bytes of RGBA for 2x2 pixels, got 12/);
  });
});

describe('images read by caption and serve', () => {
  /** A PNG's first 33 bytes (signature and IHDR) claiming `width` x `height`, then a few bytes of nothing: 68 bytes in all. */
  const claimedPng = (width: number, height: number): Uint8Array => {
    const b = new Uint8Array(68);
    b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const v = new DataView(b.buffer);
    v.setUint32(16, width);
    v.setUint32(20, height);
    b.set([8, 6, 0, 0, 0], 24);
    return b;
  };

  it('a PNG whose header claims 12,000 x 12,000 pixels is refused from its header, before decoding', () => {
    const bytes = claimedPng(12000, 12000);
    assert.deepEqual(imageSize(bytes), { width: 12000, height: 12000 });
    const before = process.memoryUsage().rss;
    assert.throws(() => decodeImage(bytes, 'huge.png'), /huge\.png: the image is 12000 x 12000 pixels; the most this reads is 16,777,216 pixels/);
    assert.ok(process.memoryUsage().rss - before < 100e6, 'nothing the size of the claim was allocated');
    assert.ok(MAX_IMAGE_PIXELS >= 1024 * 1024);
  });

  it('the size of a real PNG and JPEG comes from their headers', () => {
    const { PNG } = createRequire(import.meta.url)('pngjs') as typeof import('pngjs');
    const png = new PNG({ width: 7, height: 5 });
    assert.deepEqual(imageSize(new Uint8Array(PNG.sync.write(png))), { width: 7, height: 5 });
    const jpeg = createRequire(import.meta.url)('jpeg-js') as typeof import('jpeg-js');
    const j = jpeg.encode({ width: 9, height: 4, data: new Uint8Array(9 * 4 * 4) }, 80);
    assert.deepEqual(imageSize(new Uint8Array(j.data)), { width: 9, height: 4 });
  });
});

describe('CaptionModel', () => {
  for (const attention of [true, false]) it(`back-propagates through ${attention ? 'attention, the memory, ' : ''}the start state and the decoder (finite differences, features in${attention ? '' : ', no attention'})`, () => {
    const rng = new Random(5);
    const m = new CaptionModel({ vocabSize: 7, embeddingSize: 4, hiddenSize: 5, imageSize: null, featureSize: 3, gridCells: 4, attention }, rng);
    const feats = new Tensor(Float32Array.from({ length: 2 * 4 * 3 }, () => rng.normal()), [2, 4, 3]);
    const tin = { data: Int32Array.from([2, 4, 5, 2, 6, 4]), shape: [2, 3] };
    const tout = [4, 5, 3, 6, 4, 3];
    const loss = (): number => { const l = crossEntropy(m.forward(feats, tin), tout).loss; m.clearCache(); return l; };
    m.zeroGrad();
    m.backward(crossEntropy(m.forward(feats, tin), tout).grad);
    gradCheck(m.namedParameters().map(([name, p]) => ({ name, values: p.data, grad: p.grad })), loss, { eps: 1e-2 });
  });
  it('refuses images of the wrong size and a features model without featureSize', () => {
    const m = new CaptionModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4, imageSize: 16 });
    assert.throws(() => m.encode(Tensor.zeros([1, 3, 8, 8])), /images must be \(N, 3, 16, 16\), got \[1, 3, 8, 8\]/);
    assert.throws(() => new CaptionModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4, imageSize: null }), /featureSize/);
    assert.throws(() => new CaptionModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4, imageSize: 30 }), /multiple of 4/);
  });
});

function scenesAsExamples(o: Parameters<typeof generateScenes>[0]): Array<{ scene: Scene; input: ReturnType<typeof svgToImage>; captions: string[] }> {
  return generateScenes(o).map((scene) => ({ scene, input: svgToImage(sceneSvg(scene)), captions: sceneCaptions(scene) }));
}

describe('Captioner on generated scenes', () => {
  it('learns colours, shapes and sizes at a small budget; the model folder captions the same', { timeout: 300_000 }, async () => {
    const train = scenesAsExamples({ count: 1500, seed: 1 });
    const val = scenesAsExamples({ count: 100, seed: 2 });
    const test = scenesAsExamples({ count: 200, seed: 3 });
    const c = Captioner.create(train, { hiddenSize: 64 });
    await c.train(train, val, { epochs: 6, batch: 16, lr: 5e-3 });
    const r = c.evaluate(test);
    const acc = sceneAccuracy(test.map((e) => e.scene), r.captions);
    console.log(`# captioner, 1500 scenes, 6 epochs: BLEU-4 ${r.bleu.toFixed(3)}, exact ${r.exact.toFixed(3)}, ${JSON.stringify(acc)}`);
    // Chance is 1/4 for a colour, 1/3 for a shape, 1/2 for a size.
    assert.ok(acc.wellFormed > 0.9, `well-formed ${acc.wellFormed}`);
    assert.ok(acc.colour > 0.7, `colour ${acc.colour}`);
    assert.ok(acc.shape > 0.5, `shape ${acc.shape}`);
    assert.ok(acc.size > 0.7, `size ${acc.size}`);
    assert.ok(r.bleu > 0.55, `BLEU-4 ${r.bleu}`);
    const one = c.caption(test[0]!.input, { beam: 3 });
    assert.equal(one.attention.length, one.words.length);
    assert.deepEqual(one.grid, [8, 8]);
    for (const a of one.attention) assert.ok(Math.abs(a.reduce((x, y) => x + y, 0) - 1) < 1e-4, 'each word\'s weights sum to 1');
    const again = Captioner.fromFiles(c.toFiles());
    assert.deepEqual(again.captionAll(test.slice(0, 20).map((e) => e.input)), r.captions.slice(0, 20));
    assert.equal(again.caption(test[0]!.input, { beam: 3 }).text, one.text);
  });

  it('trains only the decoder on precomputed features (a grid of one vector per shape)', async () => {
    const scenes = generateScenes({ count: 600, seed: 7 });
    // A stand-in for a pretrained network's grid: each shape's attributes one-hot in a cell of its own (and the relation), the rest zero.
    const colours = ['red', 'green', 'blue', 'yellow'];
    const shapes = ['circle', 'square', 'triangle'];
    const feats = (s: Scene): Float32Array => {
      const f = new Float32Array(3 * 10);
      s.objects.forEach((p, k) => {
        f[k * 10 + colours.indexOf(p.colour)] = 1;
        f[k * 10 + 4 + shapes.indexOf(p.shape)] = 1;
        f[k * 10 + 7 + (p.size === 'large' ? 1 : 0)] = 1;
        f[k * 10 + 9] = s.relation === 'left' ? 1 : s.relation === 'above' ? -1 : 0;
      });
      return f;
    };
    const ex = scenes.map((s) => ({ input: feats(s), captions: sceneCaptions(s) }));
    const c = Captioner.create(ex.slice(0, 500), { features: { grid: 3, size: 10 }, hiddenSize: 48 });
    assert.equal(c.model.cnn, null);
    await c.train(ex.slice(0, 500), ex.slice(500, 550), { epochs: 20, batch: 16 });
    const r = c.evaluate(ex.slice(550));
    assert.ok(r.exact > 0.5, `exact match ${r.exact} on features that say everything`);
    assert.throws(() => c.toInput(new Float32Array(29)), /expected 3x10 = 30 feature values, got 29/);
    assert.throws(() => c.toInput({ width: 1, height: 1, data: new Uint8Array(4) }), /reads features/);
  });

  it('refuses images without captions and empty captions', () => {
    const img = { width: 1, height: 1, data: new Uint8Array(4) };
    assert.throws(() => Captioner.create([]), /no captioned images/);
    assert.throws(() => Captioner.create([{ input: img, captions: [] }]), /image 1 has no caption/);
    assert.throws(() => Captioner.create([{ input: img, captions: ['  '] }]), /image 1: a caption has no words/);
  });
});

describe('recurrent caption', () => {
  it('scenes, train, then caption a PNG with its attention; bad folders are one line with nothing written', { timeout: 300_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), 'recurrent-caption-'));
    const cli = cliIn(work);
    const s = cli('caption', 'scenes', 'shapes', '--count', '200', '--seed', '1');
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /wrote 200 scenes \(32x32 PNG\) and \d+ captions to shapes\/captions\.tsv/);
    const r = cli('caption', 'train', 'shapes', '--epochs', '5', '--hidden', '32');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /validation: BLEU-4 \d\.\d{3}, exact match \d+\.\d% on 20 held-out images \(180 trained on\); saved to runs\/shapes-caption\//);
    assert.match(r.stderr, /epoch 5\/5: loss \d/);
    const p = cli('caption', 'runs/shapes-caption', 'shapes/scene-001.png', '--attention');
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^[a-z ,]+\tshapes\/scene-001\.png\n/);
    assert.match(p.stdout, /\n {4}\|[ .:\-=+*#%@]{16}\|\n/, 'an 8x8 map per word');
    // A JPEG of a scene, as a user's photo would come.
    const jpeg = createRequire(join(root, 'packages/cli/package.json'))('jpeg-js') as typeof import('jpeg-js');
    const drawn = svgToImage(sceneSvg(generateScenes({ count: 1, seed: 9 })[0]!));
    writeFileSync(join(work, 'drawn.jpg'), jpeg.encode({ width: drawn.width, height: drawn.height, data: drawn.data }, 90).data);
    const pj = cli('caption', 'runs/shapes-caption', 'drawn.jpg');
    assert.equal(pj.status, 0, pj.stderr);
    assert.match(pj.stdout, /^[a-z ,]*\tdrawn\.jpg\n$/);
    const j = cli('caption', 'runs/shapes-caption', 'shapes/scene-002.png', '--json', '--beam', '2');
    assert.equal(j.status, 0, j.stderr);
    const parsed = JSON.parse(j.stdout) as { grid: number[]; attention: number[][]; words: string[] };
    assert.deepEqual(parsed.grid, [8, 8]);
    assert.equal(parsed.attention.length, parsed.words.length);

    // Features in place of pixels: one tensor per image, named as in captions.tsv.
    const names = [...new Set(readFileSync(join(work, 'shapes/captions.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[0]!))];
    const rng = new Random(2);
    const feats = Object.fromEntries(names.map((n) => [n, new Tensor(Float32Array.from({ length: 2 * 6 }, () => rng.normal()), [2, 6])]));
    writeFileSync(join(work, 'feats.safetensors'), serializeSafetensors(feats));
    const f = cli('caption', 'train', 'shapes', '--features', 'feats.safetensors', '--epochs', '1', '--hidden', '8', '--out', 'runs/feats');
    assert.equal(f.status, 0, f.stderr);
    const fc = cli('caption', 'runs/feats', '--features', 'feats.safetensors', 'scene-003.png');
    assert.equal(fc.status, 0, fc.stderr);
    assert.match(fc.stdout, /\tscene-003\.png\n$/);
    oneLineError(cli('caption', 'runs/feats', 'shapes/scene-003.png'), /reads precomputed features: give --features FILE/);

    const bad = (name: string, tsv: string | null, pattern: RegExp, files: Record<string, Uint8Array | string> = {}): void => {
      const d = join(work, name);
      mkdirSync(d);
      if (tsv !== null) writeFileSync(join(d, 'captions.tsv'), tsv);
      for (const [file, bytes] of Object.entries(files)) writeFileSync(join(d, file), bytes);
      oneLineError(cli('caption', 'train', name), pattern);
      assert.equal(existsSync(join(work, 'runs', `${name}-caption`)), false);
    };
    bad('none', null, /none: no captions\.tsv \(expected lines of "image\.png<TAB>caption"\)/);
    bad('empty', '\n', /empty\/captions\.tsv (has only whitespace|lists no images)/);
    bad('notab', 'a.png a red circle\n', /notab\/captions\.tsv: line 1 has no tab/);
    bad('nowords', 'a.png\t , \n', /nowords\/captions\.tsv: line 1: the caption of a\.png has no words/);
    bad('missing', 'a.png\ta red circle\n', /missing\/a\.png: no such file/);
    bad('notimage', 'a.png\ta red circle\nb.png\ta blue square\n', /notimage\/a\.png: expected a PNG or JPEG image, got a file starting with bytes 68 65 6c 6c/, { 'a.png': 'hello', 'b.png': 'x' });
    bad('broken', 'a.png\ta red circle\n', /broken\/a\.png: cannot decode this PNG image/, { 'a.png': Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0) });
    oneLineError(cli('caption', 'runs/shapes-caption', 'nothere.png'), /nothere\.png: no such file/);
    oneLineError(cli('caption', 'runs/shapes-caption'), /give a model folder and images/);
  });
});
