/**
 * What single cells of a character model track (Karpathy, Johnson & Fei-Fei
 * 2015, "Visualizing and Understanding Recurrent Networks"): simple properties
 * of the text at every character, and the cells whose activation follows
 * each one best (Pearson correlation over the text).
 */
import { ShapeError } from '../errors.js';

/** A property of the text, one value per character. */
export interface TextProperty {
  name: string;
  description: string;
  values: Float64Array;
}

const isLetter = (ch: string): boolean => /\p{L}|\p{N}/u.test(ch);

/**
 * The four classic properties of each character of `chars`: inside double
 * quotes (1/0; straight quotes toggle), position in the line (characters since
 * the last newline), inside parentheses (depth > 0) and word boundary (the
 * character is not a letter or digit).
 */
export function textProperties(chars: readonly string[]): TextProperty[] {
  const n = chars.length;
  const quote = new Float64Array(n);
  const line = new Float64Array(n);
  const paren = new Float64Array(n);
  const boundary = new Float64Array(n);
  let inQuote = false;
  let col = 0;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const ch = chars[i]!;
    // A quote mark belongs to the quotation it opens or closes.
    if (ch === '"') inQuote = !inQuote;
    else if (ch === '“') inQuote = true;
    quote[i] = inQuote || ch === '"' || ch === '”' ? 1 : 0;
    if (ch === '”') inQuote = false;
    if (ch === '(') depth++;
    paren[i] = depth > 0 ? 1 : 0;
    if (ch === ')') depth = Math.max(0, depth - 1);
    line[i] = col;
    col = ch === '\n' ? 0 : col + 1;
    boundary[i] = isLetter(ch) ? 0 : 1;
  }
  return [
    { name: 'quote', description: 'inside double quotes', values: quote },
    { name: 'line', description: 'position in the line', values: line },
    { name: 'parens', description: 'inside parentheses', values: paren },
    { name: 'boundary', description: 'word boundary (not a letter or digit)', values: boundary },
  ];
}

/** Pearson correlation of every column of `activations` (N,H) with `values` (N); NaN for a constant column or property. */
export function cellCorrelations(activations: Float32Array, H: number, values: ArrayLike<number>): Float64Array {
  const N = values.length;
  if (activations.length !== N * H) throw new ShapeError(`cellCorrelations: activations hold ${activations.length} values, expected ${N} x ${H}`);
  let my = 0;
  for (let i = 0; i < N; i++) my += values[i]!;
  my /= N;
  const mx = new Float64Array(H);
  for (let i = 0; i < N; i++) for (let j = 0; j < H; j++) mx[j] += activations[i * H + j]!;
  for (let j = 0; j < H; j++) mx[j] /= N;
  const sxy = new Float64Array(H);
  const sxx = new Float64Array(H);
  let syy = 0;
  for (let i = 0; i < N; i++) {
    const dy = values[i]! - my;
    syy += dy * dy;
    for (let j = 0; j < H; j++) {
      const dx = activations[i * H + j]! - mx[j]!;
      sxy[j] += dx * dy;
      sxx[j] += dx * dx;
    }
  }
  return sxy.map((v, j) => (sxx[j]! > 0 && syy > 0 ? v / Math.sqrt(sxx[j]! * syy) : NaN));
}

/** The hidden unit that tracks a property of the text best, and how closely (the correlation). */
export interface BestCell {
  property: string;
  description: string;
  /** the cell whose activation correlates most (in absolute value) with the property */
  cell: number;
  /** its Pearson correlation (the sign says whether it rises or falls with the property) */
  r: number;
  /** how many characters have the property (non-zero), for judging the figure */
  support: number;
}

/** For each property, the cell of `activations` (N,H) that tracks it best; properties constant over the text are left out. */
export function bestCells(activations: Float32Array, H: number, properties: readonly TextProperty[]): BestCell[] {
  const out: BestCell[] = [];
  for (const p of properties) {
    const r = cellCorrelations(activations, H, p.values);
    let best = -1;
    for (let j = 0; j < H; j++) if (Number.isFinite(r[j]!) && (best < 0 || Math.abs(r[j]!) > Math.abs(r[best]!))) best = j;
    if (best < 0) continue;
    let support = 0;
    for (const v of p.values) if (v !== 0) support++;
    out.push({ property: p.name, description: p.description, cell: best, r: r[best]!, support });
  }
  return out;
}
