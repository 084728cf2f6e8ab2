/** A panel area that takes files dropped on it (the panels that open model folders). */
import type { ComponentChildren } from 'preact';

export function DropZone(props: { onFiles: (files: File[]) => void; children: ComponentChildren }) {
  return (
    <div
      class="drop"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        const files = Array.from(e.dataTransfer?.files ?? []);
        if (files.length) props.onFiles(files);
      }}
    >
      {props.children}
    </div>
  );
}
