/**
 * Bring a model: a character model's folder as `recurrent train` writes it
 * (config.json, model.safetensors, vocab.json), chosen or dropped here, opens
 * in the same views as the page's own runs (its tab is "yours"); and the
 * page's text models download as that same folder, for the CLI to read
 * (`recurrent generate <folder>`).
 */
import { memo } from 'preact/compat';
import type { CellKind } from 'recurrent-nn';
import { CELL_LABEL, PLAYGROUND_CELLS } from '../cells.js';
import { DropZone } from './drop-zone.js';

export interface LoadedState {
  name: string | null;
  parameters: number;
  busy: boolean;
  error: string | null;
}

export const ModelsPanel = memo(function ModelsPanel(props: {
  state: LoadedState; canDownload: boolean; onFiles: (files: File[]) => void; onDownload: (cell: CellKind) => void;
}) {
  return (
    <DropZone onFiles={props.onFiles}>
      <p>
        Open a character model's folder (made by <code>recurrent train</code>): choose its three files, or drop them here.{' '}
        <input type="file" multiple data-testid="model-files" accept=".json,.safetensors" onChange={(e) => props.onFiles(Array.from((e.target as HTMLInputElement).files ?? []))} />
      </p>
      {props.state.busy && <p class="note">reading…</p>}
      {props.state.error && <p class="error" data-testid="model-error">{props.state.error}</p>}
      {props.state.name && <p data-testid="model-loaded">{`opened ${props.state.name} (${props.state.parameters.toLocaleString('en-US')} parameters): see the "yours" tab in the panels above`}</p>}
      <p>
        Download a model trained here, as the same folder:{' '}
        {PLAYGROUND_CELLS.map((c) => (
          <button key={c} disabled={!props.canDownload} data-testid={`download-${c}`} onClick={() => props.onDownload(c)}>{CELL_LABEL[c]}</button>
        ))}
        {!props.canDownload && <span class="note"> (for the text task)</span>}
      </p>
    </DropZone>
  );
});
