/**
 * Attention: the English -> French numbers translator's attention matrix
 * (which source word each French word read), for any source typed in, decoded
 * greedily or by beam search, with the final beam and its log-probabilities.
 */
import { memo } from 'preact/compat';
import { useState } from 'preact/hooks';
import type { TranslateView } from '../../src/translate-job.js';

export interface AttentionState {
  view: TranslateView | null;
  exact: { greedy: number; beam3: number } | null;
  /** how long the training took */
  seconds: number;
  epoch: number;
  busy: boolean;
  error: string | null;
}

const cellShade = (w: number): string => `rgba(31,119,180,${Math.max(0, Math.min(1, w)).toFixed(3)})`;

export const AttentionPanel = memo(function AttentionPanel(props: { state: AttentionState; onTrain: (source: string, beam: number) => void; onTranslate: (source: string, beam: number) => void }) {
  const [source, setSource] = useState('four hundred and twenty-one');
  const [beam, setBeam] = useState(3);
  const { view: v, busy, exact } = props.state;
  const go = (): void => (exact ? props.onTranslate(source, beam) : props.onTrain(source, beam));
  return (
    <div>
      <div class="controls">
        <input data-testid="translate-source" value={source} size={32} onInput={(e) => setSource((e.target as HTMLInputElement).value)} onKeyDown={(e) => { if (e.key === 'Enter') go(); }} />
        <select value={beam} onChange={(e) => setBeam(Number((e.target as HTMLSelectElement).value))}>
          <option value={1}>greedy</option>
          <option value={3}>beam 3</option>
          <option value={5}>beam 5</option>
        </select>
        <button data-testid="translate" disabled={busy} onClick={go}>{exact ? 'translate' : 'train the translator (a few seconds) and translate'}</button>
        {busy && <span class="note">{`epoch ${props.state.epoch}`}</span>}
      </div>
      {props.state.error && <p class="error">{props.state.error}</p>}
      {exact && <p class="note">{`English to French numbers, trained here in ${props.state.seconds.toFixed(1)} s: ${Math.round(exact.greedy * 1000) / 10}% exact on 300 held-out numbers (greedy), ${Math.round(exact.beam3 * 1000) / 10}% with beam 3`}</p>}
      {v && (
        <>
          <p data-testid="translation"><b>{v.text}</b>{v.reference !== null && (v.reference === v.text ? ' ✓' : ` (n2words: ${v.reference})`)}</p>
          <table class="attention" data-testid="attention">
            <thead><tr><th />{v.sourceTokens.map((t, j) => <th key={j}>{t}</th>)}</tr></thead>
            <tbody>
              {v.targetTokens.map((t, i) => (
                <tr key={i}>
                  <th>{t}</th>
                  {(v.attention[i] ?? []).map((w, j) => <td key={j} style={{ background: cellShade(w) }} title={w.toFixed(3)} />)}
                </tr>
              ))}
            </tbody>
          </table>
          {v.beam.length > 1 && (
            <table class="numbers" data-testid="beam">
              <thead><tr><th>the final beam</th><th>log p</th><th>per token</th></tr></thead>
              <tbody>{v.beam.map((b, i) => <tr key={i}><td>{b.text}</td><td>{b.logp.toFixed(2)}</td><td>{b.perToken.toFixed(3)}</td></tr>)}</tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
});
