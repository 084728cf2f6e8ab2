/**
 * Arrays of spent caches, by length, handed out again by the next recorded
 * forward: a training step then allocates no cache, and the collector has
 * less to do (its helper threads compete with the kernel thread for the two
 * cores). Bounded, so a change of shapes does not hoard memory.
 */
export class SpareArrays {
  private readonly bySize = new Map<number, Float32Array[]>();
  private bytes = 0;
  private static readonly MAX_BYTES = 256 * 2 ** 20;
  private static readonly MAX_PER_SIZE = 8;

  /** An array of length n, with arbitrary contents. */
  take(n: number): Float32Array {
    const a = this.bySize.get(n)?.pop();
    if (!a) return new Float32Array(n);
    this.bytes -= a.byteLength;
    return a;
  }

  give(a: Float32Array): void {
    const list = this.bySize.get(a.length) ?? [];
    if (list.length >= SpareArrays.MAX_PER_SIZE || this.bytes + a.byteLength > SpareArrays.MAX_BYTES) return;
    list.push(a);
    this.bySize.set(a.length, list);
    this.bytes += a.byteLength;
  }
}
