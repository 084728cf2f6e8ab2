/**
 * One step, opened: the chosen cell's equations with the live numbers of one
 * unit at one step of the probe text, and every gate and state of that unit
 * along the unrolled time axis (click a column to open that step).
 */
import { memo } from 'preact/compat';
import { useEffect, useRef } from 'preact/hooks';
import type { StepView } from '../../src/views.js';
import { signedColor } from '../cells.js';

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '–');
const sigmoidColor = (v: number): string => {
  const k = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
  return `rgb(${k},${Math.round(k * 0.9 + 25)},${k})`;
};

/** Rows of the strip: each gate, then c (LSTM) and h; sigmoid gates in [0,1] are drawn green, tanh values red/blue. */
export function stripRows(v: StepView, unit: number): Array<{ name: string; values: number[]; sigmoid: boolean }> {
  const T = v.labels.length;
  const H = v.hiddenSize;
  const G = v.gateNames.length;
  const rows: Array<{ name: string; values: number[]; sigmoid: boolean }> = v.gateNames.map((name, g) => ({
    name, sigmoid: name !== 'g' && name !== 'n', values: Array.from({ length: T }, (_, t) => v.gates![t * G * H + g * H + unit]!),
  }));
  if (v.c) rows.push({ name: 'c', sigmoid: false, values: Array.from({ length: T }, (_, t) => Math.tanh(v.c![t * H + unit]!)) });
  rows.push({ name: 'h', sigmoid: false, values: Array.from({ length: T }, (_, t) => v.h[t * H + unit]!) });
  return rows;
}

function Equations(props: { v: StepView; unit: number; t: number }) {
  const { v, unit, t } = props;
  const H = v.hiddenSize;
  const G = v.gateNames.length;
  const gate = (name: string): number => v.gates![t * G * H + v.gateNames.indexOf(name) * H + unit]!;
  const h = v.h[t * H + unit]!;
  const hPrev = t > 0 ? v.h[(t - 1) * H + unit]! : 0;
  const ch = v.inputs[t];
  if (v.cell === 'LSTM') {
    const [i, f, g, o] = ['i', 'f', 'g', 'o'].map(gate) as [number, number, number, number];
    const c = v.c![t * H + unit]!;
    const cPrev = t > 0 ? v.c![(t - 1) * H + unit]! : 0;
    return (
      <pre class="equations" data-testid="equations">
        {`reading ${ch} (step ${t}), unit ${unit}\n`}
        {`i = σ(W_ii x + b_ii + W_hi h₋₁ + b_hi)     = ${f3(i)}\n`}
        {`f = σ(W_if x + b_if + W_hf h₋₁ + b_hf)     = ${f3(f)}\n`}
        {`g = tanh(W_ig x + b_ig + W_hg h₋₁ + b_hg)  = ${f3(g)}\n`}
        {`o = σ(W_io x + b_io + W_ho h₋₁ + b_ho)     = ${f3(o)}\n`}
        {`c = f·c₋₁ + i·g = ${f3(f)}·${f3(cPrev)} + ${f3(i)}·${f3(g)} = `}<b data-testid="c-from-gates">{f3(f * cPrev + i * g)}</b>{`   (the cell holds ${f3(c)})\n`}
        {`h = o·tanh(c) = ${f3(o)}·tanh(${f3(c)}) = `}<b>{f3(o * Math.tanh(c))}</b>{`   (the state is ${f3(h)})`}
      </pre>
    );
  }
  if (v.cell === 'GRU') {
    const [r, z, n] = ['r', 'z', 'n'].map(gate) as [number, number, number];
    return (
      <pre class="equations" data-testid="equations">
        {`reading ${ch} (step ${t}), unit ${unit}\n`}
        {`r = σ(W_ir x + b_ir + W_hr h₋₁ + b_hr)          = ${f3(r)}\n`}
        {`z = σ(W_iz x + b_iz + W_hz h₋₁ + b_hz)          = ${f3(z)}\n`}
        {`n = tanh(W_in x + b_in + r·(W_hn h₋₁ + b_hn))   = ${f3(n)}\n`}
        {`h = (1−z)·n + z·h₋₁ = ${f3(1 - z)}·${f3(n)} + ${f3(z)}·${f3(hPrev)} = `}<b data-testid="h-from-gates">{f3((1 - z) * n + z * hPrev)}</b>{`   (the state is ${f3(h)})`}
      </pre>
    );
  }
  return (
    <pre class="equations" data-testid="equations">
      {`reading ${ch} (step ${t}), unit ${unit}\n`}
      {`h = tanh(W_ih x + b_ih + W_hh h₋₁ + b_hh) = tanh(${f3(Math.atanh(Math.max(-0.999999, Math.min(0.999999, h))))}) = `}<b>{f3(h)}</b>{`\n`}
      {`h₋₁ = ${f3(hPrev)}: one matrix, no gate decides what to keep`}
    </pre>
  );
}

function Strip(props: { v: StepView; unit: number; t: number; onPick: (t: number) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = stripRows(props.v, props.unit);
  const T = props.v.labels.length;
  const cw = 11;
  const rh = 16;
  const left = 24;
  useEffect(() => {
    const ctx = canvas.current!.getContext('2d')!;
    ctx.clearRect(0, 0, canvas.current!.width, canvas.current!.height);
    ctx.font = '11px monospace';
    ctx.textBaseline = 'middle';
    rows.forEach((row, r) => {
      ctx.fillStyle = '#333';
      ctx.fillText(row.name, 2, r * rh + rh / 2);
      row.values.forEach((val, t) => {
        ctx.fillStyle = row.sigmoid ? sigmoidColor(val) : signedColor(val);
        ctx.fillRect(left + t * cw, r * rh, cw - 1, rh - 1);
      });
    });
    props.v.labels.forEach((ch, t) => {
      ctx.fillStyle = t === props.t ? '#000' : '#666';
      ctx.fillText(ch === '\n' ? '⏎' : ch, left + t * cw + 2, rows.length * rh + 8);
    });
    ctx.strokeStyle = '#000';
    ctx.strokeRect(left + props.t * cw - 0.5, 0, cw, rows.length * rh + 16);
  });
  return (
    <canvas
      ref={canvas} class="strip" data-testid="step-strip" width={left + T * cw} height={rows.length * rh + 18}
      onClick={(e) => props.onPick(Math.max(0, Math.min(T - 1, Math.floor((e.offsetX - left) / cw))))}
    />
  );
}

export const StepPanel = memo(function StepPanel(props: { view: StepView | null; unit: number; t: number; onUnit: (u: number) => void; onStep: (t: number) => void }) {
  const v = props.view;
  if (!v) return <p>waiting for the model…</p>;
  const unit = Math.min(props.unit, v.hiddenSize - 1);
  const t = Math.min(props.t, v.labels.length - 1);
  return (
    <div>
      <label>unit <input type="range" min={0} max={v.hiddenSize - 1} value={unit} onInput={(e) => props.onUnit(Number((e.target as HTMLInputElement).value))} /> {unit}</label>
      <Equations v={v} unit={unit} t={t} />
      <Strip v={v} unit={unit} t={t} onPick={props.onStep} />
    </div>
  );
});
