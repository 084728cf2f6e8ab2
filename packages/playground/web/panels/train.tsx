/** Train: the loss of each cell as it trains (held-out solid, training dashed) and where each run is. */
import { memo } from 'preact/compat';
import { ADDING_GUESS_MSE, type CellKind, copyGuessLoss } from 'recurrent-nn';
import type { PlaygroundTask } from '../../src/session.js';
import { CELL_COLOR, CELL_LABEL, PLAYGROUND_CELLS } from '../cells.js';
import { LineChart, type Series } from './line-chart.js';

export interface RunStatus {
  cell: CellKind;
  parameters: number;
  backend: string;
  threads: number;
  step: number;
  running: boolean;
  history: Array<{ step: number; loss: number; valLoss: number; perSecond: number }>;
  error: string | null;
}

/** How a loss is shown: bits per character for text; for the memory tasks, over guessing's (adding: MSE 1/6; copy: 10 ln 8 / (T+20) nats per step). */
function scaleOf(task: PlaygroundTask, length: number): { of: (loss: number) => number; label: string; held: string; rate: string } {
  if (task === 'text') return { of: (loss) => loss / Math.LN2, label: 'bits per character', held: 'held-out bits/char', rate: 'chars/s' };
  const guess = task === 'adding' ? ADDING_GUESS_MSE : copyGuessLoss(length);
  return { of: (loss) => loss / guess, label: `${task === 'adding' ? 'MSE' : 'loss'} / guessing's`, held: 'held-out / guessing', rate: 'steps/s' };
}

export const TrainPanel = memo(function TrainPanel(props: { runs: RunStatus[]; task: PlaygroundTask; length: number }) {
  const scale = scaleOf(props.task, props.length);
  const bits = scale.of;
  // The same series from the start (empty until a run reports), so the chart is built once, before training.
  const series: Series[] = PLAYGROUND_CELLS.flatMap((cell) => {
    const history = props.runs.find((r) => r.cell === cell)?.history ?? [];
    return [
      { label: `${CELL_LABEL[cell]} held out`, color: CELL_COLOR[cell]!, points: history.map((h) => [h.step, bits(h.valLoss)] as [number, number]) },
      { label: `${CELL_LABEL[cell]} training`, color: CELL_COLOR[cell]!, dash: true, points: history.map((h) => [h.step, bits(h.loss)] as [number, number]) },
    ];
  });
  return (
    <div>
      <LineChart testId="loss-chart" series={series} xLabel="step" yLabel={scale.label} />
      <table class="numbers" data-testid="runs">
        <thead><tr><th>cell</th><th>parameters</th><th>kernels</th><th>step</th><th>{scale.held}</th><th>{scale.rate}</th><th /></tr></thead>
        <tbody>
          {props.runs.map((r) => {
            const last = r.history[r.history.length - 1];
            return (
              <tr key={r.cell}>
                <td style={{ color: CELL_COLOR[r.cell] }}>{CELL_LABEL[r.cell]}</td>
                <td>{r.parameters.toLocaleString('en-US')}</td>
                <td class="note">{r.threads > 1 ? `${r.threads} threads` : '1 thread'}</td>
                <td data-testid={`step-${r.cell}`}>{r.step}</td>
                <td data-testid={`val-${r.cell}`}>{last ? bits(last.valLoss).toFixed(3) : '–'}</td>
                <td>{last ? Math.round(last.perSecond).toLocaleString('en-US') : '–'}</td>
                <td class="status">{r.error ?? (r.running ? 'training' : '')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
});
