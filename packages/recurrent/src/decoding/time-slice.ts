/**
 * Long decoding loops that share the thread (a server, a page): `await
 * slice()` after each step gives the event loop a turn once `sliceMs` of
 * work has passed since the last turn, and is free otherwise. One turn per
 * step would spend more on the turn than on the step for a small model.
 */
export function timeSlicer(sliceMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await new Promise((ok) => setTimeout(ok, 0));
    since = performance.now();
  };
}
