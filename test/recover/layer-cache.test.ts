import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeLayerResult, encodeLayerResult } from "../../src/recover/layer-cache.ts";
import type { LayerResult } from "../../src/recover/layer-pass.ts";
import { recover } from "../../src/recover/recover.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";

let dir: string;
let models: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-layer-cache-"));
  models = join(dir, "models");
  await writeSyntheticTrees(models, [{ root: "r", children: 3, grandchildren: 1 }], { mode: "lora", seed: 5 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recorder() {
  const lines: string[] = [];
  let layers = 0;
  return { lines, layers: () => layers, effects: { progress: () => void layers++, log: (line: string) => void lines.push(line) } };
}

const sample: LayerResult = {
  name: "vit.encoder.layer.0.attention.attention.query.weight",
  stats: [
    { count: 6, mean: 0.1, variance: 2, skewness: -0.5, kurtosis: 3.25, min: -1, max: 4, entropy: Number.NaN },
    { count: 6, mean: -0.2, variance: 1e-30, skewness: 0, kurtosis: 1.5, min: -Infinity, max: Infinity, entropy: 1.5 },
  ],
  maxAbsDiff: Float64Array.of(0, 0.5, 0.5, 0),
  meanAbsDiff: Float64Array.of(0, 0.125, 0.125, 0),
  sketches: [
    { rows: 2, cols: 3, data: Float64Array.of(1, 2, 3, 4, 5, 6), noiseGain: 3.5, roundingScale: 1e-9 },
    { rows: 2, cols: 3, data: Float64Array.of(-1, -2, -3, -4, -5, Math.PI), noiseGain: 3.5, roundingScale: 2e-9 },
  ],
  zeroFraction: [0, 0.25],
  gridLevels: [0, 255],
};

describe("layer cache entries", () => {
  test("round-trip every field exactly, non-finite statistics included", () => {
    expect(decodeLayerResult(encodeLayerResult(sample), 2)).toEqual(sample);
    const bare = { ...sample, maxAbsDiff: new Float64Array(0), meanAbsDiff: new Float64Array(0), sketches: [] };
    expect(decodeLayerResult(encodeLayerResult(bare), 2)).toEqual(bare);
  });

  test("a truncated, garbled or foreign entry reads as missing", () => {
    const bytes = encodeLayerResult(sample);
    expect(decodeLayerResult(bytes.subarray(0, bytes.length - 8), 2)).toBeUndefined();
    expect(decodeLayerResult(bytes.subarray(0, 40), 2)).toBeUndefined();
    expect(decodeLayerResult(new TextEncoder().encode("not a cache entry at all"), 2)).toBeUndefined();
    expect(decodeLayerResult(bytes, 3)).toBeUndefined(); // written for 2 models
  });
});

describe("recover with a layer cache", () => {
  test("a second run reads no layer and gives the same recovery", async () => {
    const cacheFolder = join(dir, "second-run");
    const first = await recover([models], { cacheFolder });
    const { lines, effects } = recorder();
    const second = await recover([models], { cacheFolder }, effects);
    const layers = new Set(first.layerStats.map((row) => row.layer)).size;
    expect(lines).toContain(`${layers} of ${layers} layers taken from the layer cache (${cacheFolder})`);
    expect(second).toEqual(first);
    expect(second).toEqual(await recover([models]));
  });

  test("a run stopped part-way resumes at the layers it had not finished", async () => {
    const cacheFolder = join(dir, "resume");
    let done = 0;
    const stopped = recover(
      [models],
      { cacheFolder, workers: 0 },
      {
        progress: () => {
          if (++done === 3) throw new Error("stopped");
        },
        log: () => {},
      },
    );
    await expect(stopped).rejects.toThrow("stopped");
    const { lines, effects } = recorder();
    const resumed = await recover([models], { cacheFolder, workers: 0 }, effects);
    const taken = lines.find((line) => line.includes("layers taken from the layer cache"));
    expect(Number(taken?.split(" ")[0])).toBeGreaterThanOrEqual(3);
    expect(resumed).toEqual(await recover([models], { workers: 0 }));
  });

  test("a changed weight file is read again", async () => {
    const cacheFolder = join(dir, "changed");
    const copy = join(dir, "changed-models");
    await writeSyntheticTrees(copy, [{ root: "r", children: 3, grandchildren: 1 }], { mode: "lora", seed: 5 });
    await recover([copy], { cacheFolder });
    const later = new Date(Date.now() + 60_000);
    await utimes(join(copy, "r-c0", "model.safetensors"), later, later);
    const { lines, effects } = recorder();
    await recover([copy], { cacheFolder }, effects);
    expect(lines.some((line) => line.includes("layer cache"))).toBe(false);
  });

  test("a corrupt entry is read as missing and rewritten", async () => {
    const cacheFolder = join(dir, "corrupt");
    const first = await recover([models], { cacheFolder });
    const [entry] = await readdir(cacheFolder);
    await writeFile(join(cacheFolder, entry!), "garbage");
    const { lines, effects } = recorder();
    expect(await recover([models], { cacheFolder }, effects)).toEqual(first);
    const layers = new Set(first.layerStats.map((row) => row.layer)).size;
    expect(lines).toContain(`${layers - 1} of ${layers} layers taken from the layer cache (${cacheFolder})`);
    const { lines: after, effects: again } = recorder();
    await recover([models], { cacheFolder }, again);
    expect(after).toContain(`${layers} of ${layers} layers taken from the layer cache (${cacheFolder})`);
  });

  test("a cache folder that cannot be written is reported once and the recovery goes on", async () => {
    const blocked = join(dir, "not-a-folder");
    await writeFile(blocked, "a file where the cache folder should be");
    const { lines, effects } = recorder();
    const result = await recover([models], { cacheFolder: blocked }, effects);
    expect(result).toEqual(await recover([models]));
    expect(lines.filter((line) => line.startsWith(`cannot write the layer cache in ${blocked}`))).toHaveLength(1);
  });
});
