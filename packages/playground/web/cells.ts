/** The three cells the page trains side by side, their names and colours. */
import type { CellKind } from 'recurrent-nn';

export const PLAYGROUND_CELLS: readonly CellKind[] = ['RNN_TANH', 'LSTM', 'GRU'];
export const CELL_LABEL: Record<string, string> = { RNN_TANH: 'RNN', LSTM: 'LSTM', GRU: 'GRU' };
export const CELL_COLOR: Record<string, string> = { RNN_TANH: '#d62728', LSTM: '#1f77b4', GRU: '#2ca02c' };

/** Red for positive, blue for negative values in [-1, 1] (Karpathy et al.'s colours); white at 0. */
export function signedColor(v: number): string {
  const a = Math.max(-1, Math.min(1, v));
  const k = Math.round(255 * (1 - Math.abs(a)));
  return a >= 0 ? `rgb(255,${k},${k})` : `rgb(${k},${k},255)`;
}
