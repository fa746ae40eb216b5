/**
 * What the layer cache's integrity costs, side by side with what it saves:
 *
 * 1. the trailing xxHash64 of an entry against encoding and decoding that entry (a LoRA layer's
 *    entry: ~215 KB of sketch per model, so `models` models make an entry of models × 215 KB);
 * 2. --verify-cache's content checksum of a weight file against plainly reading the same file.
 *
 * Usage: bun run bench/layer-cache.ts [models] [file MiB]. Best of 7, each alternating with its baseline.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentChecksum } from "../src/io/file-identity.ts";
import { decodeLayerResult, encodeLayerResult } from "../src/recover/layer-cache.ts";
import type { LayerResult } from "../src/recover/layer-pass.ts";

const models = Number(process.argv[2] ?? 64);
const fileMebibytes = Number(process.argv[3] ?? 256);
const REPEATS = 7;

/** Best time (ms) of each function over REPEATS rounds, run alternately so load drifts hit both alike. */
async function sideBySide(fns: Record<string, () => unknown>): Promise<Record<string, number>> {
  const best: Record<string, number> = Object.fromEntries(Object.keys(fns).map((name) => [name, Infinity]));
  for (let r = 0; r < REPEATS; r++) {
    for (const [name, fn] of Object.entries(fns)) {
      const start = performance.now();
      await fn();
      best[name] = Math.min(best[name]!, performance.now() - start);
    }
  }
  return best;
}

// 1. A LoRA layer's entry: 768 × 768 query, sketch 35 columns per model (~215 KB of f64).
const rows = 768;
const cols = 35;
const stat = { count: rows * rows, mean: 0, variance: 1, skewness: 0, kurtosis: 3, min: -4, max: 4, entropy: 3 };
const result: LayerResult = {
  name: "model.layers.0.self_attn.q_proj.weight",
  stats: Array.from({ length: models }, () => stat),
  maxAbsDiff: new Float64Array(models * models).map(Math.random),
  meanAbsDiff: new Float64Array(models * models).map(Math.random),
  sketches: Array.from({ length: models }, () => ({ rows, cols, data: new Float64Array(rows * cols).map(Math.random), noiseGain: 1, roundingScale: 1e-8 })),
  zeroFraction: new Array(models).fill(0),
  gridLevels: new Array(models).fill(0),
};
const entry = encodeLayerResult(result);
const entryTimes = await sideBySide({
  encode: () => encodeLayerResult(result),
  decode: () => decodeLayerResult(entry, models),
  checksum: () => Bun.hash.xxHash64(entry.subarray(0, entry.length - 8)),
});
console.log(
  `entry of ${models} models (${(entry.length / 2 ** 20).toFixed(1)} MiB): encode ${entryTimes.encode!.toFixed(2)} ms (checksum ` +
    `included), decode ${entryTimes.decode!.toFixed(2)} ms (checksum included); ` +
    `the xxHash64 alone ${entryTimes.checksum!.toFixed(2)} ms = ${((100 * entryTimes.checksum!) / entryTimes.encode!).toFixed(1)} ` +
    `% of encode, ${((100 * entryTimes.checksum!) / entryTimes.decode!).toFixed(1)} % of decode`,
);

// 2. A weight file: content checksum against reading it (both from the page cache after the first round).
const dir = await mkdtemp(join(tmpdir(), "mother-bench-cache-"));
try {
  const file = join(dir, "weights.bin");
  const bytes = new Uint8Array(fileMebibytes * 2 ** 20);
  for (let i = 0; i < bytes.length; i += 4093) bytes[i] = i & 255;
  await writeFile(file, bytes);
  const fileTimes = await sideBySide({
    read: () => readFile(file),
    checksum: () => contentChecksum(file, 0, bytes.length),
  });
  console.log(
    `file of ${fileMebibytes} MiB (page cache): read ${fileTimes.read!.toFixed(1)} ms, content checksum ` +
      `${fileTimes.checksum!.toFixed(1)} ms = ${(fileTimes.checksum! / fileTimes.read!).toFixed(2)}× the read`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
