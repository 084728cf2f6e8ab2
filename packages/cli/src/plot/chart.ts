/**
 * Line charts as SVG (Vega-Lite, rendered without a browser) and PNG (resvg).
 * Node only: used by the command line to write plots next to a model.
 */
import { renderSvg } from '../images.js';

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChart {
  title: string;
  xTitle: string;
  yTitle: string;
  series: Series[];
  /** extra Vega-Lite layers (e.g. an interval band or marked points) */
  layers?: object[];
  width?: number;
  height?: number;
  /** x values are times (ms since 1970 UTC) */
  xTemporal?: boolean;
  /** a logarithmic y axis (points with y <= 0 are left out) */
  yLog?: boolean;
}

/** A shaded band between lower and upper values (e.g. a prediction interval), as an extra layer. */
export function bandLayer(points: Array<[number, number, number]>, xTemporal = false, color = '#4c78a8'): object {
  return {
    data: { values: points.map(([x, lo, hi]) => ({ x, lo, hi })) },
    mark: { type: 'area', opacity: 0.2, color },
    encoding: {
      x: { field: 'x', type: xTemporal ? 'temporal' : 'quantitative' },
      y: { field: 'lo', type: 'quantitative' },
      y2: { field: 'hi' },
    },
  };
}

/** Marked points (e.g. flagged anomalies), as an extra layer. */
export function pointsLayer(points: Array<[number, number]>, xTemporal = false, color = '#e45756', name = 'flagged'): object {
  return {
    data: { values: points.map(([x, y]) => ({ x, y, series: name })) },
    mark: { type: 'point', filled: true, size: 40, color },
    encoding: {
      x: { field: 'x', type: xTemporal ? 'temporal' : 'quantitative' },
      y: { field: 'y', type: 'quantitative' },
    },
  };
}

interface VegaModule {
  parse(spec: object): object;
  View: new (runtime: object, options: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
}

interface VegaLiteModule {
  compile(spec: object): { spec: object };
}

export async function chartSvg(chart: LineChart): Promise<string> {
  const vega = (await import('vega')) as unknown as VegaModule;
  const vl = (await import('vega-lite')) as unknown as VegaLiteModule;
  const values = chart.series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y) && (!chart.yLog || y > 0)).map(([x, y]) => ({ x, y, series: s.name })));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.title,
    width: chart.width ?? 640,
    height: chart.height ?? 320,
    background: 'white',
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: values.length < 60 },
        encoding: {
          x: { field: 'x', type: chart.xTemporal ? 'temporal' : 'quantitative', title: chart.xTitle },
          y: { field: 'y', type: 'quantitative', title: chart.yTitle, scale: chart.yLog ? { type: 'log' } : { zero: false } },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      ...(chart.layers ?? []),
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function svgToPng(svg: string): Uint8Array {
  return new Uint8Array(renderSvg(svg, { fonts: true, zoom: 2 }).asPng());
}

/** A chart's files, NAME.svg and NAME.png, for a folder written in one step (saveModelFiles' extra files). */
export async function chartFiles(name: string, chart: LineChart): Promise<Array<readonly [string, string | Uint8Array]>> {
  const svg = await chartSvg(chart);
  return [[`${name}.svg`, svg], [`${name}.png`, svgToPng(svg)]];
}

/** Writes NAME.svg and NAME.png (atomically) for a chart. */
export async function writeChart(pathWithoutExt: string, chart: LineChart): Promise<void> {
  const { writeFileAtomic } = await import('recurrent-nn/node');
  for (const [name, data] of await chartFiles(pathWithoutExt, chart)) await writeFileAtomic(name, data);
}
