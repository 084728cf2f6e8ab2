/** GFLOP/s of this library's GEMM on the W2 shapes, including copies into WebAssembly memory. */
import { Random, kernels } from '../packages/recurrent/src/index.js';

export interface GemmFigure {
  shape: string;
  role: string;
  gflops: number;
}

export function gemmFigures(): GemmFigure[] {
  const rng = new Random(3);
  const shapes: Array<[string, number, number, number, boolean]> = [
    ['per-step recurrent product', 32, 2048, 512, false],
    ['input projection, all steps', 1600, 2048, 64, false],
    ['recurrent weight gradient (A transposed)', 2048, 512, 1600, true],
  ];
  const k = kernels();
  return shapes.map(([role, M, N, K, transA]) => {
    const A = Float32Array.from({ length: M * K }, () => rng.normal());
    const B = Float32Array.from({ length: K * N }, () => rng.normal());
    const C = new Float32Array(M * N);
    // Warm-up (JIT tiers, the second thread's start, the arena's growth), then 12 timed calls.
    const run = (): void => k.gemm(transA, false, M, N, K, 1, A, 0, transA ? M : K, B, 0, N, 0, C, 0, N);
    const warm0 = performance.now();
    for (let r = 0; r < 3 || (performance.now() - warm0 < 500 && r < 50); r++) run();
    const times: number[] = [];
    for (let r = 0; r < 12; r++) {
      const t0 = performance.now();
      run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[6]! / 1000;
    return { shape: `[${M}x${K}]x[${K}x${N}]`, role, gflops: (2 * M * N * K) / median / 1e9 };
  });
}
