/**
 * Forecast and anomalies: the Mauna Loa CO2 series, the network's forecast
 * past its end with the prediction interval, its accuracy on the held-out end
 * against the seasonal-naive forecast, and the steps the anomaly scores flag
 * (add spikes to see them found).
 */
import { memo } from 'preact/compat';
import type { ForecastView } from '../../src/forecast-job.js';
import { LineChart, type Series } from './line-chart.js';

export interface ForecastState {
  view: ForecastView | null;
  epoch: number;
  valLoss: number | null;
  busy: boolean;
  error: string | null;
}

export const ForecastPanel = memo(function ForecastPanel(props: { state: ForecastState; onTrain: () => void; onInject: () => void }) {
  const { view: v, busy } = props.state;
  const series: Series[] = v
    ? [
      { label: v.column, color: '#222', points: v.times.map((t, i) => [t, v.values[i]!] as [number, number]) },
      { label: `${Math.round(v.forecast.interval * 100)}% upper`, color: 'rgba(31,119,180,0.5)', dash: true, points: v.forecast.times.map((t, i) => [t, v.forecast.upper[i]!] as [number, number]) },
      { label: `${Math.round(v.forecast.interval * 100)}% lower`, color: 'rgba(31,119,180,0.5)', dash: true, points: v.forecast.times.map((t, i) => [t, v.forecast.lower[i]!] as [number, number]) },
      { label: 'forecast', color: '#1f77b4', points: v.forecast.times.map((t, i) => [t, v.forecast.median[i]!] as [number, number]) },
      { label: 'flagged', color: '#d62728', markers: true, points: v.flagged.map((i) => [v.times[i]!, v.values[i]!] as [number, number]) },
    ]
    : [];
  return (
    <div>
      <div class="controls">
        <button data-testid="forecast-train" disabled={busy} onClick={props.onTrain}>{v ? 'train again' : 'train the forecaster (~5 s)'}</button>
        <button data-testid="forecast-inject" disabled={busy || !v} onClick={props.onInject}>add 3 spikes</button>
        {busy && <span class="note">{`epoch ${props.state.epoch}${props.state.valLoss !== null ? `, held-out loss ${props.state.valLoss.toFixed(4)}` : ''}`}</span>}
      </div>
      {props.state.error && <p class="error">{props.state.error}</p>}
      {v && (
        <>
          <LineChart testId="forecast-chart" series={series} band={[1, 2]} xTime xLabel="month" yLabel={`${v.column} (ppm)`} height={260} />
          <p class="note" data-testid="forecast-figures">
            {`held-out end: MASE ${v.mase.model.toFixed(2)} (seasonal naive ${v.mase.seasonalNaive.toFixed(2)}); ${Math.round(v.coverage * 100)}% inside the ${Math.round(v.forecast.interval * 100)}% interval; `}
            {`${v.flagged.length} step${v.flagged.length === 1 ? '' : 's'} flagged (score over ${v.threshold.toFixed(1)}); ${v.epochs} epochs`}
          </p>
        </>
      )}
    </div>
  );
});
