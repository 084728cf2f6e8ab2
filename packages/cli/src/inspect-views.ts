/**
 * `recurrent inspect MODEL --gradients TEXT` and `--activations FILE`: what a
 * text model's memory does. Gradients: ||dLoss/dh_t|| of the last prediction
 * at every step back, per layer, with its decay per step, and the
 * connectivity of each output to the inputs before it. Activations: the text
 * coloured by a cell's activation (HTML and PNG), and the cells that track
 * quotes, the position in the line, parentheses and word boundaries.
 */
import { type BestCell, type TextGenerator, bestCells, decayPerStep, languageModelActivations, languageModelConnectivity, languageModelGradients, textProperties } from 'recurrent-nn';
import { writeFileAtomic } from 'recurrent-nn/node';
import { UsageError } from './errors.js';
import { readTextFile } from './input.js';
import { svgToPng, writeChart } from './plot/chart.js';

/** The ids the model reads (unknown characters dropped, unknown words as <unk>) and each one's token. */
function encode(g: TextGenerator, text: string, what: string): { ids: Int32Array; tokens: string[] } {
  const { ids } = g.vocab.encode(text);
  const tokens = Array.from(ids, (id) => g.vocab.decode([id]));
  if (ids.length < 2) throw new UsageError(`${what} needs at least 2 ${g.vocab.kind === 'char' ? 'characters' : 'words'} the model knows, got ${ids.length}`);
  return { ids, tokens };
}

/** Steps back that --gradients looks at: the connectivity's batched passes grow with the square of it. */
export const MAX_GRADIENT_STEPS = 500;

export async function gradientsReport(g: TextGenerator, text: string, out: string, json: boolean): Promise<void> {
  let { ids } = encode(g, text, '--gradients');
  if (ids.length > MAX_GRADIENT_STEPS + 1) {
    process.stderr.write(`recurrent: note: --gradients reads the last ${MAX_GRADIENT_STEPS} steps before the last ${g.vocab.kind} (the text has ${ids.length - 1})\n`);
    ids = ids.subarray(ids.length - MAX_GRADIENT_STEPS - 1);
  }
  const r = languageModelGradients(g.model, ids);
  const C = languageModelConnectivity(g.model, ids);
  const T = r.steps;
  const D = r.numDirections;
  const layers = r.norms.map((norms, s) => {
    const decay = decayPerStep(norms);
    return { layer: Math.floor(s / D) + 1, direction: s % D === 0 ? 'forward' : 'reverse', decayPerStep: decay, factorPerStep: Math.exp(decay), norms: [...norms] };
  });
  // How far back the last output reaches: its connectivity to each earlier input, relative to the nearest one.
  const lastRow = Array.from({ length: T }, (_, s) => C[(T - 1) * T + s]!);
  const report = { text: text.slice(0, 200), steps: T, loss: r.loss, layers, connectivityOfLastOutput: lastRow };
  await writeFileAtomic(`${out}.json`, `${JSON.stringify({ ...report, connectivity: [...C] })}\n`);
  await writeChart(out, {
    title: `||dLoss/dh_t|| of the last prediction, ${T} steps`, xTitle: 'steps back from the prediction (lag)', yTitle: '||dL/dh_t||', yLog: true,
    series: layers.map((l) => ({ name: `layer ${l.layer}${D > 1 ? ` ${l.direction}` : ''}`, points: l.norms.map((v, t) => [T - 1 - t, v] as [number, number]) })),
  });
  if (json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`gradient of the loss of the last ${g.vocab.kind} (${r.loss.toFixed(3)} nats), ${T} steps back`);
  for (const l of layers) {
    const n = l.norms;
    const at = (lag: number): string => (lag < T ? n[T - 1 - lag]!.toExponential(2) : '-');
    console.log(`layer ${l.layer}${D > 1 ? ` ${l.direction}` : ''}: ||dL/dh|| lag 0 ${at(0)}, lag 10 ${at(10)}, lag 50 ${at(50)}, lag 100 ${at(100)}; ` +
      `decay x${l.factorPerStep.toFixed(3)} per step (${(l.decayPerStep / Math.LN10).toFixed(4)} decades per step)`);
  }
  const near = lastRow[T - 1]!;
  const reach = lastRow.findIndex((v) => v >= near * 0.01);
  console.log(`the last output's connectivity falls under 1% of its value at lag 0 beyond lag ${reach >= 0 ? T - 1 - reach : 0}`);
  console.log(`curves: ${out}.svg, ${out}.png; values and the whole connectivity matrix: ${out}.json`);
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Red for positive, blue for negative activations (Karpathy et al.'s colours), in [-1, 1]. */
function colour(a: number): string {
  const v = Math.max(-1, Math.min(1, a));
  return v >= 0 ? `rgba(220,60,40,${v.toFixed(3)})` : `rgba(40,90,220,${(-v).toFixed(3)})`;
}

function htmlOf(tokens: string[], acts: Float32Array, H: number, best: BestCell[], shown: number[]): string {
  const sections = shown.map((cell) => {
    const what = best.filter((b) => b.cell === cell).map((b) => `${b.description} (r = ${b.r.toFixed(2)})`).join('; ');
    const spans = tokens.map((t, i) => `<span style="background:${colour(acts[i * H + cell]!)}" title="${acts[i * H + cell]!.toFixed(3)}">${esc(t).replace(/\n/g, '↵<br>')}</span>`).join('');
    return `<h2>cell ${cell}${what ? `: ${esc(what)}` : ''}</h2>\n<pre>${spans}</pre>`;
  });
  return `<!doctype html>\n<meta charset="utf-8">\n<title>cell activations</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{font-family:monospace;white-space:pre-wrap;line-height:1.5}</style>\n` +
    `<h1>Cell activations</h1>\n<p>Red: positive, blue: negative; hover for the value.</p>\n${sections.join('\n')}\n`;
}

/** The first characters as an SVG of coloured cells, for the PNG. */
function svgOf(tokens: string[], acts: Float32Array, H: number, cell: number, title: string): string {
  const cols = 80;
  const cw = 9;
  const lh = 18;
  const rows: Array<Array<[string, number]>> = [[]];
  tokens.forEach((t, i) => {
    const row = rows[rows.length - 1]!;
    if (t === '\n') {
      row.push(['↵', i]);
      rows.push([]);
      return;
    }
    if (row.length >= cols) rows.push([]);
    rows[rows.length - 1]!.push([t, i]);
  });
  const shown = rows.slice(0, 30);
  // The backgrounds first, so no cell covers its left neighbour's glyph.
  const rects = shown.map((row, y) => row.map(([, i], x) => `<rect x="${10 + x * cw}" y="${27 + y * lh}" width="${cw}" height="${lh}" fill="${colour(acts[i * H + cell]!)}"/>`).join('')).join('\n');
  const glyphs = shown.map((row, y) => row.map(([t], x) => (t.trim() ? `<text x="${11 + x * cw}" y="${40 + y * lh}" font-family="monospace" font-size="14">${esc(t)}</text>` : '')).join('')).join('\n');
  const body = `${rects}\n${glyphs}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${20 + cols * cw}" height="${50 + shown.length * lh}">` +
    `<rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-family="sans-serif" font-size="14">${esc(title)}</text>\n${body}</svg>`;
}

export async function activationsReport(g: TextGenerator, file: string, out: string, options: { cell?: number; maxTokens: number; json: boolean }): Promise<void> {
  if (g.vocab.kind !== 'char') throw new UsageError('--activations reads a character model (the properties are per character); this one reads words');
  // A binary file, invalid UTF-8 or UTF-16 is refused as such, not read as characters the model lacks.
  const text = await readTextFile(file, 'a UTF-8 text file for --activations');
  const { ids, tokens } = encode(g, text.slice(0, options.maxTokens * 2), '--activations');
  const n = Math.min(ids.length, options.maxTokens);
  const { values, H } = languageModelActivations(g.model, ids.subarray(0, n));
  const toks = tokens.slice(0, n);
  if (options.cell !== undefined && !(options.cell >= 0 && options.cell < H)) throw new UsageError(`--cell must be in [0, ${H - 1}] (the top layer has ${H} cells), got ${options.cell}`);
  const best = bestCells(values, H, textProperties(toks));
  const strongest = [...best].sort((a, b) => Math.abs(b.r) - Math.abs(a.r));
  const shown = [...new Set([...(options.cell !== undefined ? [options.cell] : []), ...strongest.map((b) => b.cell)])];
  const cell = shown[0]!;
  await writeFileAtomic(`${out}.html`, htmlOf(toks, values, H, best, shown));
  const what = best.find((b) => b.cell === cell);
  await writeFileAtomic(`${out}.png`, svgToPng(svgOf(toks, values, H, cell, `cell ${cell}${what ? `: ${what.description}, r = ${what.r.toFixed(2)}` : ''} (red +, blue -)`)));
  await writeFileAtomic(`${out}.json`, `${JSON.stringify({ file, characters: n, cells: H, best })}\n`);
  if (options.json) {
    console.log(JSON.stringify({ file, characters: n, cells: H, best }));
    return;
  }
  console.log(`${n.toLocaleString('en-US')} characters of ${file}, ${H} cells in the top layer (${g.options.cell === 'LSTM' ? 'tanh(c)' : 'h'})`);
  console.log('property                                 best cell   correlation   characters with it');
  for (const b of best) console.log(`${b.description.padEnd(40)} ${String(b.cell).padStart(9)}   ${b.r.toFixed(3).padStart(11)}   ${b.support.toLocaleString('en-US').padStart(18)}`);
  console.log(`text coloured by cells ${shown.join(', ')}: ${out}.html; cell ${cell}: ${out}.png; figures: ${out}.json`);
}
