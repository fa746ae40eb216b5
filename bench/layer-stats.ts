/**
 * Throughput of layerStats over an f32 layer (it runs over every weight of every model, so
 * it must keep up with reading the bytes). Usage: bun run bench/layer-stats.ts [MiB]
 */
import { layerStats } from "../src/stats/layer-stats.ts";

const mebibytes = Number(process.argv[2] ?? 64);
const count = (mebibytes * 1024 * 1024) / 4;
const values = new Float32Array(count);
for (let i = 0; i < count; i++) values[i] = Math.sin(i * 12.9898) * Math.cos(i * 0.001) * 0.05;

layerStats(values.subarray(0, 1 << 20)); // warm the JIT
const repeats = 5;
const times: number[] = [];
for (let r = 0; r < repeats; r++) {
  const start = performance.now();
  layerStats(values);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const best = times[0]!;
console.log(
  `layerStats: ${mebibytes} MiB f32 in ${best.toFixed(1)} ms best of ${repeats} → ${((mebibytes / best) * 1000).toFixed(0)} ` +
    `MiB/s (median ${((mebibytes / times[repeats >> 1]!) * 1000).toFixed(0)} MiB/s)`,
);
