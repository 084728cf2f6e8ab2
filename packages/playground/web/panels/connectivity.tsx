/**
 * Connectivity (distill.pub's "Memorization in RNNs"): hover a character to
 * see which earlier inputs the output made there depends on (a character
 * model's prediction; the adding problem's state),
 * |d logit / d input| relative to the strongest, on a log scale over
 * DECADES powers of ten (the most recent character dominates a linear one).
 */
import { memo } from 'preact/compat';
import type { ConnectivityView } from '../../src/views.js';

export const DECADES = 4;

/** 1 for the strongest, 0 for DECADES powers of ten weaker or none. */
export function shade(v: number, max: number): number {
  return v > 0 && max > 0 ? Math.max(0, 1 + Math.log10(v / max) / DECADES) : 0;
}

export const ConnectivityPanel = memo(function ConnectivityPanel(props: { view: ConnectivityView | null; t: number | null; onHover: (t: number) => void }) {
  const v = props.view;
  if (!v) return <p>waiting for the model…</p>;
  const T = v.labels.length;
  const t = props.t !== null && props.t < T ? props.t : T - 1;
  let max = 0;
  for (let s = 0; s <= t; s++) max = Math.max(max, v.matrix[t * T + s]!);
  return (
    <div>
      <p class="note">{`${v.outputs[t]}: darker inputs matter more (shades span ${DECADES} powers of ten)`}</p>
      <div class="text-heat" data-testid="connectivity-text">
        {v.labels.map((ch, s) => {
          const w = s <= t ? shade(v.matrix[t * T + s]!, max) : 0;
          const style = { background: `rgba(230,120,0,${w.toFixed(3)})`, outline: s === t ? '1px solid #000' : 'none' };
          return <span key={s} data-step={s} style={style} onMouseEnter={() => props.onHover(s)}>{ch}</span>;
        })}
      </div>
    </div>
  );
});
