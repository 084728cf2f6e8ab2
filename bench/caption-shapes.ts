/**
 * Captioning generated shape scenes (packages/recurrent/src/data/scenes.ts),
 * rendered by resvg: the captioner with attention over the CNN's grid against
 * the same model without attention (started from the image, Show and Tell),
 * on held-out scenes of the combinations seen in training and on scenes that
 * each hold a colour-shape pair never seen (red triangle, green circle, blue
 * square). Corpus BLEU-4 against every caption the grammar gives a scene,
 * exact match, and each attribute read back from the caption.
 * `npm run bench:caption [-- TRAIN EPOCHS]` (default 6000 scenes, 30 epochs) prints the
 * figures and writes bench/RESULTS-caption-<date>.txt.
 */
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { type Scene, generateScenes, sceneAccuracy, sceneCaptions, sceneSvg } from '../packages/recurrent/src/data/scenes.js';
import { Captioner } from '../packages/recurrent/src/tasks/caption/captioner.js';
import { svgToImage } from '../packages/cli/src/images.js';
import { rawOutput } from './raw-output.js';

const trainCount = Number(process.argv[2] ?? 6000);
const epochs = Number(process.argv[3] ?? 30);
await setBackend('wasm');
const out = rawOutput('caption', 'npm run bench:caption');

const scenes = (count: number, seed: number, heldOut: 'exclude' | 'only'): Array<{ scene: Scene; input: ReturnType<typeof svgToImage>; captions: string[] }> =>
  generateScenes({ count, seed, heldOut }).map((scene) => ({ scene, input: svgToImage(sceneSvg(scene)), captions: sceneCaptions(scene) }));
const train = scenes(trainCount, 1, 'exclude');
const val = scenes(300, 2, 'exclude');
const tests = { 'seen combinations': scenes(1000, 3, 'exclude'), 'held-out combinations': scenes(1000, 4, 'only') };
out.line(`${train.length} training scenes (32x32, 1-3 shapes), ${val.length} for validation, ${tests['seen combinations'].length} test scenes of each kind; ${epochs} epochs at most, early stopping on validation BLEU-4`);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
out.line('| model | test scenes | BLEU-4 | exact | colour | shape | size | count | relation | epochs | seconds |');
out.line('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const attention of [true, false]) {
  const c = Captioner.create(train, { attention });
  const t0 = performance.now();
  await c.train(train, val, { epochs }, { onProgress: (p) => console.error(`  ${attention ? 'attention' : 'no attention'} epoch ${p.epoch}: loss ${p.loss.toFixed(3)}, validation BLEU-4 ${p.valBleu.toFixed(3)} (${p.seconds.toFixed(0)} s)`) });
  const seconds = (performance.now() - t0) / 1000;
  for (const [kind, set] of Object.entries(tests)) {
    const r = c.evaluate(set);
    const a = sceneAccuracy(set.map((e) => e.scene), r.captions);
    out.line(`| ${attention ? 'attention' : 'no attention'} | ${kind} | ${r.bleu.toFixed(3)} | ${pct(r.exact)} | ${pct(a.colour)} | ${pct(a.shape)} | ${pct(a.size)} | ${pct(a.count)} | ${pct(a.relation)} | ${c.history.length} | ${seconds.toFixed(0)} |`);
  }
  const sample = tests['held-out combinations'].slice(0, 3);
  sample.forEach((e, i) => out.line(`  ${attention ? 'attention' : 'no attention'}, held-out scene ${i + 1}: "${c.caption(e.input).text}" (truth: "${e.captions[0]}")`));
  await out.save();
}
