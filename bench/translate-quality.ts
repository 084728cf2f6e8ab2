/**
 * npm run bench:translate — the translation figures in the README:
 *  - English -> French number words (n2words 4): numbers 0..9999 shuffled
 *    (seed 1), 1,000 held out for test, 1,000 for validation, 8,000 trained on;
 *  - English -> German number words, the same split, with every option at
 *    its default (the tokenizer chooses characters for the German side);
 *  - date formats built with Intl: "23 November 2026" -> "2026-11-23",
 *    6,000 random dates 1950-2049, 500 held out.
 * Exact match (greedy and beam 3) on the held-out pairs. Raw output:
 * bench/RESULTS-translate-<date>.txt.
 */
import { Random } from '../packages/recurrent/src/tensor/random.js';
import { setBackend } from '../packages/recurrent/src/kernels/index.js';
import { type Pair, Translator } from '../packages/recurrent/src/tasks/translate/translator.js';

/** English -> French (or another n2words language's) number words for 0..n-1, shuffled with `seed`. */
export async function numberPairs(n: number, seed: number, language: 'fr-FR' | 'de-DE' = 'fr-FR'): Promise<Pair[]> {
  const en = (await import('n2words/en-US')).toCardinal as (x: number) => string;
  const other = (language === 'de-DE' ? await import('n2words/de-DE') : await import('n2words/fr-FR')).toCardinal as (x: number) => string;
  const rng = new Random(seed);
  const nums = Array.from({ length: n }, (_, i) => i);
  rng.shuffle(nums);
  return nums.map((x) => ({ source: en(x), target: other(x) }));
}

/** "23 November 2026" -> "2026-11-23" for n distinct random days of 1950-2049 (drawn without replacement, so a held-out slice is unseen). */
export function datePairs(n: number, seed: number): Pair[] {
  const rng = new Random(seed);
  const fmt = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const days = Array.from({ length: 100 * 365 }, (_, i) => i);
  if (n > days.length) throw new RangeError(`datePairs: at most ${days.length} distinct days, asked for ${n}`);
  rng.shuffle(days);
  return days.slice(0, n).map((d) => {
    const t = Date.UTC(1950, 0, 1) + d * 86_400_000;
    return { source: fmt.format(t), target: new Date(t).toISOString().slice(0, 10) };
  });
}

async function run(line: (s: string) => void, name: string, pairs: Pair[], nTest: number, nVal: number, options: Parameters<typeof Translator.create>[1]): Promise<void> {
  const test = pairs.slice(0, nTest);
  const val = pairs.slice(nTest, nTest + nVal);
  const train = pairs.slice(nTest + nVal);
  const t0 = performance.now();
  const t = Translator.create(train, options, 0);
  await t.train(train, val.slice(0, 200), { epochs: 30, patience: 4 }, { seed: 0 });
  const s = (performance.now() - t0) / 1000;
  line(`${name}: ${train.length} training pairs, ${test.length} held out; tokens ${t.options.sourceTokenizer} -> ${t.options.targetTokenizer}; ${t.history.length} epochs in ${s.toFixed(0)} s`);
  line(`  exact match: greedy ${(100 * t.exactMatch(test)).toFixed(1)}%, beam 3 ${(100 * t.exactMatch(test, { beam: 3 })).toFixed(1)}%`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rawOutput } = await import('./raw-output.js');
  const out = rawOutput('translate', 'npm run bench:translate');
  await setBackend('wasm', { threads: 'auto' });
  await run(out.line, 'English -> French numbers (0..9999)', await numberPairs(10000, 1), 1000, 1000, { hiddenSize: 128 });
  await run(out.line, 'English -> German numbers (0..9999, every option at its default)', await numberPairs(10000, 1, 'de-DE'), 1000, 1000, {});
  await run(out.line, 'Dates "23 November 2026" -> "2026-11-23" (characters)', datePairs(6000, 2), 500, 500, { sourceTokenizer: 'char', targetTokenizer: 'char', hiddenSize: 96 });
  await out.save();
}
