/**
 * Time of the exact MDST on dense random graphs of VTHR-like sizes (one tree: 21 models,
 * one split: 105, larger collections). Usage: bun run bench/chu-liu-edmonds.ts
 */
import { minimumSpanningArborescence } from "../src/tree/chu-liu-edmonds.ts";

let state = 99;
const uniform = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
for (const n of [21, 105, 300, 1000]) {
  const weights = Float64Array.from({ length: n * n }, uniform);
  minimumSpanningArborescence(weights, n); // warm the JIT
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    minimumSpanningArborescence(weights, n);
    times.push(performance.now() - start);
  }
  console.log(`n = ${String(n).padStart(4)}  free root: best ${Math.min(...times).toFixed(1)} ms`);
}
