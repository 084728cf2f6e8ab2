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
}

/** The smallest value a log-scale chart draws. */
export const LOG_FLOOR = 1e-12;

/** A log axis labels its powers of ten only, as 1e-3. */
function logTick(v: number): string {
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-6 ? (Math.abs(e) < 3 ? String(+v.toPrecision(1)) : `1e${Math.round(e)}`) : '';
}

/** Joins series on their x values (uPlot's aligned data), null where a series has no point (or, on a log scale, none above LOG_FLOOR). */
function align(series: readonly Series[], yLog: boolean): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: Array<number | null> = xs.map(() => null);
    // A log scale has no place for 0 (a gradient that underflowed), and uPlot's log axis ticks stop near 1e-16.
    for (const [x, y] of s.points) col[index.get(x)!] = Number.isFinite(y) && (!yLog || y >= LOG_FLOOR) ? y : null;
    return col;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

export function LineChart(props: { series: Series[]; xLabel: string; yLabel: string; yLog?: boolean; height?: number; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => `${s.label}${s.color}${s.dash ? '-' : ''}`).join('|') + String(props.yLog);

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth || 420),
      height: props.height ?? 220,
      scales: { x: { time: false }, y: props.yLog ? { distr: 3 } : {} },
      axes: [{ label: props.xLabel }, { label: props.yLabel, size: 60, ...(props.yLog ? { values: (_u: uPlot, splits: number[]) => splits.map(logTick) } : {}) }],
      series: [{ label: props.xLabel }, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, ...(s.dash ? { dash: [6, 4] } : {}) }))],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, align(props.series, props.yLog === true), el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(align(props.series, props.yLog === true));
  }, [props.series]);

  return <div class="chart" data-testid={props.testId} ref={host} />;
}
