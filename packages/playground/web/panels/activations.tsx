/**
 * Activations over text (Karpathy, Johnson & Fei-Fei 2015): held-out text
 * coloured by one cell, red positive, blue negative; the cells that best
 * track quotes, line position, parentheses and word boundaries come first.
 */
import { memo } from 'preact/compat';
import { useEffect, useRef } from 'preact/hooks';
import type { ActivationView } from '../../src/views.js';
import { signedColor } from '../cells.js';

const esc = (ch: string): string => (ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '&' ? '&amp;' : ch);

/**
 * The text as one HTML string, one span per character (`data-i`: its index in
 * `chars`): a thousand spans at once, cheaper than as many virtual nodes.
 */
export function shadedHtml(chars: readonly string[], value: (i: number) => number): string {
  let html = '';
  chars.forEach((ch, i) => {
    html += ch === '\n' ? '<br>' : `<span style="background:${signedColor(value(i))}" data-i="${i}">${esc(ch)}</span>`;
  });
  return html;
}

function Shaded(props: { view: ActivationView; cell: number }) {
  const host = useRef<HTMLDivElement>(null);
  const shownChars = useRef<readonly string[] | null>(null);
  const value = (i: number): number => props.view.values[i * props.view.hiddenSize + props.cell]!;
  useEffect(() => {
    const { chars } = props.view;
    const el = host.current!;
    // After each chunk the text is the same and only the colours change: recolouring the spans in
    // place costs no parsing and no layout (the page's tasks stay short while training).
    if (shownChars.current !== null && sameText(shownChars.current, chars)) {
      const spans = el.getElementsByTagName('span');
      let k = 0;
      chars.forEach((ch, i) => {
        if (ch !== '\n') spans[k++]!.style.background = signedColor(value(i));
      });
      return;
    }
    el.innerHTML = shadedHtml(chars, value);
    shownChars.current = chars;
  }, [props.view, props.cell]);
  // The value under the pointer, read when it gets there (not written into a thousand titles per chunk).
  const onOver = (e: MouseEvent): void => {
    const span = e.target as HTMLElement;
    if (span.dataset.i !== undefined) span.title = value(Number(span.dataset.i)).toFixed(3);
  };
  return <div class="text-heat" data-testid="activation-text" ref={host} onMouseOver={onOver} />;
}

const sameText = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((ch, i) => ch === b[i]);

export const ActivationsPanel = memo(function ActivationsPanel(props: { view: ActivationView | null; cell: number | null; onCell: (c: number) => void }) {
  // A text session's first views come with its activations; until then (or on another task) there are none.
  const v = props.view;
  if (!v) return <p class="note">The cells' activity over text is for the character model: choose the text task.</p>;
  const H = v.hiddenSize;
  const cell = props.cell !== null && props.cell < H ? props.cell : (v.best[0]?.cell ?? 0);
  const found = new Set(v.best.map((b) => b.cell));
  return (
    <div>
      <label>
        cell{' '}
        <select value={cell} data-testid="activation-cell" onChange={(e) => props.onCell(Number((e.target as HTMLSelectElement).value))}>
          {v.best.map((b) => (
            <option value={b.cell} key={`best-${b.property}`}>{`cell ${b.cell}: ${b.description} (r = ${b.r.toFixed(2)})`}</option>
          ))}
          {Array.from({ length: H }, (_, j) => j).filter((j) => !found.has(j)).map((j) => <option value={j} key={j}>{`cell ${j}`}</option>)}
        </select>
      </label>
      <Shaded view={v} cell={cell} />
    </div>
  );
});
