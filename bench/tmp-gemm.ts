import { setBackend, kernels } from '../src/index.js';
const variant = process.argv[2] ?? 'wasm';
await setBackend(variant as 'wasm');
const k = kernels();
console.log(k.name);
for (const [M, K, N] of [[32, 128, 512], [32, 512, 2048], [1600, 64, 512], [2048, 1600, 512]]) {
  const A = new Float32Array(M * K).map(() => Math.random());
  const B = new Float32Array(K * N).map(() => Math.random());
  const C = new Float32Array(M * N);
  let best = Infinity;
  for (let r = 0; r < 20; r++) {
    const t0 = performance.now();
    k.gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
    best = Math.min(best, performance.now() - t0);
  }
  console.log(`[${M}x${K}]x[${K}x${N}] ${(2 * M * N * K / best / 1e6).toFixed(1)} GFLOP/s (incl. copies)`);
}
