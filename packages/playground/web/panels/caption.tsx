/**
 * Captioning: a caption model's folder (`recurrent caption train`) and an
 * image, chosen or dropped here; the caption by beam search, and for the word
 * picked, where on the image the model looked (its attention over the grid,
 * laid over the image).
 */
import { memo } from 'preact/compat';
import { useState } from 'preact/hooks';
import type { CaptionView } from '../../src/caption-view.js';
import { DropZone } from './drop-zone.js';

export interface CaptionState {
  view: CaptionView | null;
  /** the image shown under the attention (an object URL of the file) */
  imageUrl: string | null;
  busy: boolean;
  error: string | null;
}

export const CaptionPanel = memo(function CaptionPanel(props: { state: CaptionState; onFiles: (files: File[]) => void }) {
  const [word, setWord] = useState(0);
  const { view: v, imageUrl } = props.state;
  const weights = v?.attention[Math.min(word, (v?.attention.length ?? 1) - 1)] ?? [];
  const most = Math.max(1e-9, ...weights);
  const open = (files: File[]): void => {
    setWord(0);
    props.onFiles(files);
  };
  return (
    <DropZone onFiles={open}>
      <p>
        Choose or drop a caption model's folder (config.json and model.safetensors, from <code>recurrent caption train</code>) with a PNG or JPEG image.{' '}
        <input type="file" multiple data-testid="caption-files" accept=".json,.safetensors,.png,.jpg,.jpeg" onChange={(e) => open(Array.from((e.target as HTMLInputElement).files ?? []))} />
      </p>
      {props.state.busy && <p class="note">captioning…</p>}
      {props.state.error && <p class="error" data-testid="caption-error">{props.state.error}</p>}
      {v && (
        <>
          <p data-testid="caption-text">
            {v.words.map((w, i) => (
              <button key={i} class={i === word ? 'on' : ''} data-testid={`caption-word-${i}`} onClick={() => setWord(i)}>{w}</button>
            ))}
          </p>
          {imageUrl && (
            <div class="caption-image" style={{ position: 'relative', width: '256px', height: '256px' }}>
              <img src={imageUrl} width={256} height={256} style={{ imageRendering: 'pixelated', position: 'absolute' }} alt="the image captioned" />
              <div data-testid="caption-attention" style={{ position: 'absolute', inset: 0, display: 'grid', gridTemplateColumns: `repeat(${v.grid[1]}, 1fr)`, gridTemplateRows: `repeat(${v.grid[0]}, 1fr)` }}>
                {weights.map((a, i) => <div key={i} title={a.toFixed(3)} style={{ background: `rgba(0,0,0,${(0.75 * (1 - a / most)).toFixed(3)})` }} />)}
              </div>
            </div>
          )}
          <p class="note">{weights.length ? `"${v.words[word] ?? ''}": the bright cells of the ${v.grid[0]}x${v.grid[1]} grid are where the model looked as it chose the word` : 'this model has no attention over the image'}</p>
        </>
      )}
    </DropZone>
  );
});
