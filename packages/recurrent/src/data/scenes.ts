/**
 * Generated captioned scenes, since no captioned photo set installs here: 1-3
 * shapes (circle, square, triangle) in four colours and two sizes on a white
 * square, drawn as SVG (to be rendered by resvg, packages/cli/src/images.ts),
 * each with every caption a grammar gives it:
 *   one shape    "a small red circle"
 *   two shapes   "a small red circle left of a large blue square", or "to the left of",
 *                or the other way round ("right of"); "above" / "over", "below" / "under"
 *   three        "a red ..., a blue ... and a green ... from left to right", or
 *                "from left to right a ... , a ... and a ..."
 * Some colour-shape combinations can be held out of training and asked for
 * alone at test time, to measure systematic generalisation (as ShapeWorld,
 * Kuhnle and Copestake 2017, and CLEVR's CoGenT do). `readScene` reads a
 * caption back into shapes and a relation, for per-attribute accuracy.
 */
import { ConfigError } from '../errors.js';
import { Random } from '../tensor/random.js';

/** The colours a generated scene draws its shapes in. */
export const SCENE_COLOURS = ['red', 'green', 'blue', 'yellow'] as const;
/** The shapes a generated scene draws. */
export const SCENE_SHAPES = ['circle', 'square', 'triangle'] as const;
/** The sizes a generated scene draws its shapes at. */
export const SCENE_SIZES = ['small', 'large'] as const;
/** A colour of `SCENE_COLOURS`. */
export type SceneColour = (typeof SCENE_COLOURS)[number];
/** A shape of `SCENE_SHAPES`. */
export type SceneShapeKind = (typeof SCENE_SHAPES)[number];
/** A size of `SCENE_SIZES`. */
export type SceneSize = (typeof SCENE_SIZES)[number];

const FILL: Record<SceneColour, string> = { red: '#d62728', green: '#2ca02c', blue: '#1f77b4', yellow: '#f2c200' };

/** One shape of a scene: its colour, kind, size and position. */
export interface SceneObject {
  colour: SceneColour;
  shape: SceneShapeKind;
  size: SceneSize;
  /** centre and radius, in pixels */
  x: number;
  y: number;
  r: number;
}

/** 'left': the first object is left of the second; 'above': above it. */
export type SceneRelation = 'left' | 'above';

/** A generated picture of one to three shapes, and how the two of a pair relate. */
export interface Scene {
  /** the canvas is size x size pixels */
  size: number;
  /** in the order the canonical caption names them: one; the two of the relation; three left to right */
  objects: SceneObject[];
  relation: SceneRelation | null;
}

/** Combinations held out by default: each colour but yellow loses one shape. */
export const HELD_OUT_COMBINATIONS: ReadonlyArray<readonly [SceneColour, SceneShapeKind]> = [['red', 'triangle'], ['green', 'circle'], ['blue', 'square']];

/** How many scenes to generate, their size and seed, and which colour-shape pairs to hold out. */
export interface SceneOptions {
  count: number;
  /** canvas side in pixels (default 32) */
  size?: number;
  seed?: number;
  /** 'exclude' (default): no shape of a held-out combination; 'only': every scene has one; 'any' */
  heldOut?: 'exclude' | 'only' | 'any';
  /** colour-shape pairs held out (default HELD_OUT_COMBINATIONS) */
  combinations?: ReadonlyArray<readonly [SceneColour, SceneShapeKind]>;
  /** most shapes per scene, 1-3 (default 3) */
  maxObjects?: number;
}

const pick = <T>(rng: Random, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

/** Random scenes; the same options and seed give the same scenes. */
export function generateScenes(o: SceneOptions): Scene[] {
  const size = o.size ?? 32;
  const maxObjects = o.maxObjects ?? 3;
  if (!(Number.isInteger(o.count) && o.count >= 0)) throw new ConfigError(`scene count must be a non-negative integer, got ${o.count}`);
  if (!(Number.isInteger(size) && size >= 16)) throw new ConfigError(`scene size must be an integer >= 16 pixels, got ${size}`);
  if (![1, 2, 3].includes(maxObjects)) throw new ConfigError(`maxObjects must be 1, 2 or 3, got ${maxObjects}`);
  const held = o.combinations ?? HELD_OUT_COMBINATIONS;
  const isHeld = (c: SceneColour, s: SceneShapeKind): boolean => held.some(([hc, hs]) => hc === c && hs === s);
  const mode = o.heldOut ?? 'exclude';
  const rng = new Random(o.seed ?? 0);
  const scenes: Scene[] = [];
  while (scenes.length < o.count) {
    const n = 1 + rng.int(maxObjects);
    // Crowded draws are drawn again with the same number of shapes, so three shapes are as common as one.
    let drawn: { objects: SceneObject[]; relation: SceneRelation | null } | null = null;
    for (let tries = 0; !drawn; tries++) {
      if (tries === 10_000) throw new ConfigError(`cannot place ${n} shapes apart on a ${size}x${size} canvas; give a larger size`);
      drawn = place(rng, n, size);
    }
    const anyHeld = drawn.objects.some((p) => isHeld(p.colour, p.shape));
    if ((mode === 'exclude' && anyHeld) || (mode === 'only' && !anyHeld)) continue;
    scenes.push({ size, ...drawn });
  }
  return scenes;
}

/** n shapes placed at random, in caption order, or null when they came out too close to caption. */
function place(rng: Random, n: number, size: number): { objects: SceneObject[]; relation: SceneRelation | null } | null {
  const objects: SceneObject[] = [];
  for (let tries = 0; objects.length < n && tries < 50; tries++) {
    const s = pick(rng, SCENE_SIZES);
    const r = (s === 'small' ? rng.uniform(0.08, 0.1) : rng.uniform(0.15, 0.19)) * size;
    const x = rng.uniform(r + 1, size - r - 1);
    const y = rng.uniform(r + 1, size - r - 1);
    // Apart enough not to touch, and (for the captions' sake) clearly apart along some axis.
    if (objects.some((p) => Math.hypot(p.x - x, p.y - y) < p.r + r + 2 || Math.max(Math.abs(p.x - x), Math.abs(p.y - y)) < 0.25 * size)) continue;
    objects.push({ colour: pick(rng, SCENE_COLOURS), shape: pick(rng, SCENE_SHAPES), size: s, x, y, r });
  }
  if (objects.length < n) return null;
  if (n === 2) {
    const [a, b] = objects as [SceneObject, SceneObject];
    const horizontal = Math.abs(a.x - b.x) >= Math.abs(a.y - b.y);
    if (horizontal ? a.x > b.x : a.y > b.y) objects.reverse();
    return { objects, relation: horizontal ? 'left' : 'above' };
  }
  if (n === 3) {
    // Listed left to right: they must be apart along x.
    objects.sort((p, q) => p.x - q.x);
    if (objects[1]!.x - objects[0]!.x < 0.2 * size || objects[2]!.x - objects[1]!.x < 0.2 * size) return null;
  }
  return { objects, relation: null };
}

const phrase = (p: SceneObject): string => `a ${p.size} ${p.colour} ${p.shape}`;

/** Every caption the grammar gives a scene; the first is the canonical one. */
export function sceneCaptions(scene: Scene): string[] {
  const ps = scene.objects.map(phrase);
  if (ps.length === 1) return [ps[0]!];
  if (ps.length === 3) {
    const list = `${ps[0]}, ${ps[1]} and ${ps[2]}`;
    return [`${list} from left to right`, `from left to right ${list}`];
  }
  const [a, b] = ps as [string, string];
  return scene.relation === 'left'
    ? [`${a} left of ${b}`, `${a} to the left of ${b}`, `${b} right of ${a}`, `${b} to the right of ${a}`]
    : [`${a} above ${b}`, `${a} over ${b}`, `${b} below ${a}`, `${b} under ${a}`];
}

/** The scene as SVG: a white square and the shapes (a triangle points up, inside the circle of radius r). */
export function sceneSvg(scene: Scene): string {
  const f = (v: number): string => v.toFixed(2);
  const shapes = scene.objects.map((p) => {
    const fill = FILL[p.colour];
    if (p.shape === 'circle') return `<circle cx="${f(p.x)}" cy="${f(p.y)}" r="${f(p.r)}" fill="${fill}"/>`;
    if (p.shape === 'square') {
      const h = p.r * 0.85;
      return `<rect x="${f(p.x - h)}" y="${f(p.y - h)}" width="${f(2 * h)}" height="${f(2 * h)}" fill="${fill}"/>`;
    }
    const pts = [[p.x, p.y - p.r], [p.x - 0.95 * p.r, p.y + 0.75 * p.r], [p.x + 0.95 * p.r, p.y + 0.75 * p.r]].map(([x, y]) => `${f(x!)},${f(y!)}`).join(' ');
    return `<polygon points="${pts}" fill="${fill}"/>`;
  });
  const s = scene.size;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}" viewBox="0 0 ${s} ${s}"><rect width="${s}" height="${s}" fill="#ffffff"/>${shapes.join('')}</svg>`;
}

/** What a caption says, read back: shapes in the canonical order, the relation, or null where it is not a sentence of the grammar. */
export interface SceneReading {
  objects: Array<Pick<SceneObject, 'colour' | 'shape' | 'size'>>;
  relation: SceneRelation | null;
}

/** The objects and relation a caption names, or null if it is not a caption of the scene grammar. */
export function readScene(caption: string): SceneReading | null {
  const w = caption.match(/[^\s,]+|,/g) ?? [];
  const objects: SceneReading['objects'] = [];
  const rest: string[] = [];
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 'a' && SCENE_SIZES.includes(w[i + 1] as SceneSize) && SCENE_COLOURS.includes(w[i + 2] as SceneColour) && SCENE_SHAPES.includes(w[i + 3] as SceneShapeKind)) {
      objects.push({ size: w[i + 1] as SceneSize, colour: w[i + 2] as SceneColour, shape: w[i + 3] as SceneShapeKind });
      rest.push('#');
      i += 3;
    } else rest.push(w[i]!);
  }
  const form = rest.join(' ');
  if (form === '#') return { objects, relation: null };
  if (form === '# , # and # from left to right' || form === 'from left to right # , # and #') return { objects, relation: null };
  const two: Record<string, [SceneRelation, boolean]> = {
    '# left of #': ['left', false], '# to the left of #': ['left', false], '# right of #': ['left', true], '# to the right of #': ['left', true],
    '# above #': ['above', false], '# over #': ['above', false], '# below #': ['above', true], '# under #': ['above', true],
  };
  const r = two[form];
  if (!r) return null;
  return { objects: r[1] ? [objects[1]!, objects[0]!] : objects, relation: r[0] };
}

/** How well captions name their scenes: exact objects, each attribute, and the relation. */
export interface SceneAccuracy {
  /** shares of the scenes' shapes whose colour, shape or size the caption names in its place */
  colour: number;
  shape: number;
  size: number;
  /** share of scenes whose number of shapes the caption gets right */
  count: number;
  /** share of two-shape scenes whose relation the caption gets right, between the right shapes (colour and shape) in the right order */
  relation: number;
  /** share of captions that are sentences of the grammar */
  wellFormed: number;
}

/** Per-attribute accuracy of captions read back against their scenes. */
export function sceneAccuracy(scenes: readonly Scene[], captions: readonly string[]): SceneAccuracy {
  let objects = 0;
  const right = { colour: 0, shape: 0, size: 0 };
  let count = 0;
  let pairs = 0;
  let relation = 0;
  let wellFormed = 0;
  scenes.forEach((s, i) => {
    const read = readScene(captions[i] ?? '');
    objects += s.objects.length;
    if (s.objects.length === 2) pairs++;
    if (!read) return;
    wellFormed++;
    if (read.objects.length === s.objects.length) count++;
    s.objects.forEach((p, k) => {
      const q = read.objects[k];
      if (!q) return;
      for (const a of ['colour', 'shape', 'size'] as const) if (q[a] === p[a]) right[a]++;
    });
    const same = (k: number): boolean => read.objects[k]?.colour === s.objects[k]!.colour && read.objects[k]?.shape === s.objects[k]!.shape;
    if (s.objects.length === 2 && read.objects.length === 2 && read.relation === s.relation && same(0) && same(1)) relation++;
  });
  return {
    colour: right.colour / objects, shape: right.shape / objects, size: right.size / objects, count: count / scenes.length,
    relation: pairs ? relation / pairs : 0, wellFormed: wellFormed / scenes.length,
  };
}
