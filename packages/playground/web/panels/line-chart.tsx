/**
 * A live line chart over uPlot (a canvas chart of ~50 KB that redraws
 * thousands of points in well under a millisecond, where an SVG grammar such
 * as vega-lite would rebuild its scene on every update): one series per cell,
 * x shared, optional log y.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  color: string;
  /** [x, y] points, x ascending */
  points: Array<[number, number]>;
  dash?: boolean;
  /** markers at the points, no line (flagged anomalies) */
  markers?: boolean;
}

/** The smallest value a log-scale chart draws. */
export const LOG_FLOOR = 1e-12;

/** A log axis labels powers of ten only (as 1e-3), every few when it spans many, so the labels never crowd. */
function logTicks(splits: number[]): string[] {
  const exps = splits.map((v) => Math.log10(v));
  const decades = exps.filter((e) => Math.abs(e - Math.round(e)) < 1e-6).map(Math.round);
  const every = Math.max(1, Math.ceil((Math.max(...decades) - Math.min(...decades)) / 5));
  return splits.map((v, i) => {
    const e = exps[i]!;
    if (Math.abs(e - Math.round(e)) >= 1e-6 || Math.round(e) % every !== 0) return '';
    return Math.abs(e) < 3 ? String(+v.toPrecision(1)) : `1e${Math.round(e)}`;
  });
}

/** Joins series on their x values (uPlot's aligned data), null where a series has no point (or, on a log scale, none above LOG_FLOOR). */
function align(series: readonly Series[], yLog: boolean, xTime: boolean): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: Array<number | null> = xs.map(() => null);
    // A log scale has no place for 0 (a gradient that underflowed), and uPlot's log axis ticks stop near 1e-16.
    for (const [x, y] of s.points) col[index.get(x)!] = Number.isFinite(y) && (!yLog || y >= LOG_FLOOR) ? y : null;
    return col;
  });
  // uPlot's time axis counts seconds.
  return [xTime ? xs.map((x) => x / 1000) : xs, ...ys] as uPlot.AlignedData;
}

export interface LineChartProps {
  series: Series[];
  xLabel: string;
  yLabel: string;
  yLog?: boolean;
  /** x values are times (ms since 1970) */
  xTime?: boolean;
  /** fill between two series (their indices in `series`: upper, lower), e.g. a prediction interval */
  band?: [number, number];
  height?: number;
  testId: string;
}

export function LineChart(props: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => `${s.label}${s.color}${s.dash ? '-' : ''}${s.markers ? '.' : ''}`).join('|') + String(props.yLog) + String(props.band);

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth || 420),
      height: props.height ?? 220,
      scales: { x: { time: props.xTime === true }, y: props.yLog ? { distr: 3 } : {} },
      axes: [{ label: props.xLabel }, { label: props.yLabel, size: 60, ...(props.yLog ? { values: (_u: uPlot, splits: number[]) => logTicks(splits) } : {}) }],
      series: [{ label: props.xLabel }, ...props.series.map((s) => (s.markers
        ? { label: s.label, stroke: s.color, fill: s.color, width: 0, paths: () => null, points: { show: true, size: 7, stroke: s.color, fill: s.color } }
        : { label: s.label, stroke: s.color, width: 2, spanGaps: true, points: { show: false }, ...(s.dash ? { dash: [6, 4] } : {}) }))],
      ...(props.band ? { bands: [{ series: [props.band[0] + 1, props.band[1] + 1] as [number, number], fill: 'rgba(31,119,180,0.15)' }] } : {}),
      legend: { show: true, live: false },
    };
    plot.current = new uPlot(opts, align(props.series, props.yLog === true, props.xTime === true), el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(align(props.series, props.yLog === true, props.xTime === true));
  }, [props.series]);

  return <div class="chart" data-testid={props.testId} ref={host} />;
}
