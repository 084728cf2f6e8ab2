/**
 * Memory: how far back each cell's gradient reaches (RNNbow), the norm of
 * dLoss/dh_t for one prediction against the lag on a log scale, one curve per
 * cell type, updated as training goes; the spectral radius of each recurrent
 * matrix; clipping on or off for the runs; on the memory tasks, what each
 * cell keeps against the lag (the adding problem's error by how far back the
 * first value was; the copy task's recall after more or fewer blanks).
 */
import { memo } from 'preact/compat';
import type { CellKind } from 'recurrent-nn';
import type { MemoryView } from '../../src/views.js';
import { CELL_COLOR, CELL_LABEL, PLAYGROUND_CELLS } from '../cells.js';
import { LineChart, type Series } from './line-chart.js';

export const MemoryPanel = memo(function MemoryPanel(props: { views: Array<{ cell: CellKind; memory: MemoryView; gateNames: string[] }>; clip: boolean; onClip: (on: boolean) => void }) {
  // One series per cell from the start (empty until its first view), so the chart is built once.
  const series: Series[] = PLAYGROUND_CELLS.map((cell) => {
    const g = props.views.find((v) => v.cell === cell)?.memory.gradientNorms ?? [];
    const last = g[g.length - 1] ?? 0;
    return { label: CELL_LABEL[cell]!, color: CELL_COLOR[cell]!, points: g.map((v, t) => [g.length - 1 - t, last > 0 ? v / last : NaN] as [number, number]).reverse() };
  });
  const lag = props.views.find((v) => v.memory.lag)?.memory.lag ?? null;
  return (
    <div>
      <LineChart testId="memory-chart" series={series} xLabel="steps back (lag)" yLabel="‖dL/dh‖ / lag 0" yLog />
      {lag && (
        <LineChart
          testId="lag-chart" xLabel={lag.xLabel} yLabel={lag.yLabel}
          series={PLAYGROUND_CELLS.map((cell) => {
            const l = props.views.find((v) => v.cell === cell)?.memory.lag;
            return { label: CELL_LABEL[cell]!, color: CELL_COLOR[cell]!, points: l ? l.lags.map((x, i) => [x, l.values[i]!] as [number, number]) : [] };
          })}
        />
      )}
      <table class="numbers">
        <thead><tr><th>cell</th><th>fades per step</th><th>spectral radius of W_hh</th></tr></thead>
        <tbody>
          {props.views.map(({ cell, memory, gateNames }) => (
            <tr key={cell}>
              <td style={{ color: CELL_COLOR[cell] }}>{CELL_LABEL[cell]}</td>
              <td>{`×${memory.factorPerStep.toFixed(3)}`}</td>
              <td>{memory.spectralRadius.map((r, b) => `${gateNames[b] ? `${gateNames[b]} ` : ''}${r.toFixed(2)}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <label><input type="checkbox" checked={props.clip} data-testid="clip" onChange={(e) => props.onClip((e.target as HTMLInputElement).checked)} /> clip gradients at norm 5</label>
    </div>
  );
});
