import { beforeAll, describe, expect, test } from "bun:test";
import { copyFile, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import fc from "fast-check";
import { join } from "node:path";
import { decodeLayerResult, encodeLayerResult, entryIntact, LayerCache } from "../../src/recover/layer-cache.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { planLayers } from "../../src/recover/plan-layers.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { lowRankTensor } from "../../src/io/peft/adapter-tensor.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import type { LayerResult } from "../../src/recover/layer-pass.ts";
import { recover } from "../../src/recover/recover.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-layer-cache-");
let models: string;
beforeAll(async () => {
  models = join(dir, "models");
  await writeSyntheticTrees(models, [{ root: "r", children: 3, grandchildren: 1 }], { mode: "lora", seed: 5 });
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

  test("every single-bit flip anywhere in an entry (header, payload or checksum) is detected", () => {
    const bytes = encodeLayerResult(sample);
    expect(entryIntact(bytes)).toBe(true);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(entryIntact(flipped)).toBe(false);
      expect(decodeLayerResult(flipped, 2)).toBeUndefined();
    }
  });
});

describe("damaged entries", () => {
  test("a bit flip anywhere in any entry never changes the recovered graph: the entry is reported, read again, rewritten (property, 50 flips)", async () => {
    const cacheFolder = join(dir, "bit-flips");
    const clean = await recover([models], { workers: 0 });
    await recover([models], { cacheFolder, workers: 0 });
    const entries = (await readdir(cacheFolder)).filter((name) => name.endsWith(".layer")).sort();
    const sizes = await Promise.all(entries.map(async (name) => (await stat(join(cacheFolder, name))).size));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: entries.length - 1 }).chain((e) => fc.tuple(fc.constant(e), fc.integer({ min: 0, max: sizes[e]! * 8 - 1 }))),
        async ([e, bit]) => {
          const file = join(cacheFolder, entries[e]!);
          const bytes = new Uint8Array(await readFile(file));
          bytes[bit >> 3]! ^= 1 << (bit & 7);
          await writeFile(file, bytes);
          const { lines, effects } = recorder();
          const again = await recover([models], { cacheFolder, workers: 0 }, effects);
          expect(again.graph).toEqual(clean.graph);
          expect(again.layerStats).toEqual(clean.layerStats);
          expect(lines.some((line) => line.startsWith(`1 layer cache entry was damaged (${file}: checksum mismatch)`))).toBe(true);
          expect(entryIntact(new Uint8Array(await readFile(file)))).toBe(true); // rewritten
        },
      ),
      { numRuns: 50, seed: 16 },
    );
  }, 120_000);
});

describe("--verify-cache: entries keyed by the bytes", () => {
  test("a checkpoint rewritten in place with the same size and mtime is served stale by default, read again when keyed by content", async () => {
    const cacheFolder = join(dir, "in-place");
    const copy = join(dir, "in-place-models");
    await writeSyntheticTrees(copy, [{ root: "r", children: 3, grandchildren: 1 }], { mode: "ft", seed: 9 });
    const target = join(copy, "r-c0", "model.safetensors");
    // A whole-second mtime, as `cp -p` or `rsync -t` leave it, so it can be put back exactly.
    const time = new Date("2026-01-02T03:04:05Z");
    await utimes(target, time, time);
    const before = await recover([copy], { cacheFolder, workers: 0 });
    await recover([copy], { cacheFolder, workers: 0, verifyCache: true });
    // r-c0 becomes a byte copy of r-c1 (same size: same architecture), its mtime put back.
    await copyFile(join(copy, "r-c1", "model.safetensors"), target);
    await utimes(target, time, time);
    const fresh = await recover([copy], { workers: 0 });
    expect(fresh.graph).not.toEqual(before.graph);
    // the default trade-off, as --help states it: path + size + mtime cannot see this
    expect((await recover([copy], { cacheFolder, workers: 0 })).graph).toEqual(before.graph);
    const { lines, effects } = recorder();
    const verified = await recover([copy], { cacheFolder, workers: 0, verifyCache: true }, effects);
    expect(verified.graph).toEqual(fresh.graph);
    expect(verified.layerStats).toEqual(fresh.layerStats);
    // the other models' layers are still cache hits: only r-c0's bytes changed, but every job compares all models
    const again = recorder();
    expect((await recover([copy], { cacheFolder, workers: 0, verifyCache: true }, again.effects)).graph).toEqual(fresh.graph);
    const layers = new Set(fresh.layerStats.map((row) => row.layer)).size;
    expect(again.lines).toContain(`${layers} of ${layers} layers taken from the layer cache (${cacheFolder})`);
    expect(lines.some((line) => line.includes(`of ${layers} layers taken`))).toBe(false);
  });

  test("every job asks for its keys at once, but at most two checksums run at a time, and each tensor is hashed once", async () => {
    const jobs = planLayers(await discoverModels([models]), DEFAULT_RECOVER_OPTIONS);
    let running = 0;
    let peak = 0;
    const hashed: string[] = [];
    const cache = new LayerCache(join(dir, "limited"), true, async (file, offset, byteLength) => {
      peak = Math.max(peak, ++running);
      await Bun.sleep(1);
      running--;
      hashed.push(JSON.stringify([file, offset, byteLength]));
      return `${offset}`;
    });
    await Promise.all([...jobs, ...jobs].map((job) => cache.lookup(job)));
    const tensors = new Set(jobs.flatMap((job) => job.tensors.map((t) => JSON.stringify([t.file, t.offset, t.byteLength]))));
    expect(tensors.size).toBeGreaterThan(10);
    expect(peak).toBe(2);
    expect(hashed.sort()).toEqual([...tensors].sort());
  });

  test("a tensor's encoding is part of the key: the same bytes decoded another way are a miss", async () => {
    const [job] = planLayers(await discoverModels([models]), DEFAULT_RECOVER_OPTIONS);
    const cache = new LayerCache(join(dir, "encoding"));
    const plain = job!;
    // Any entry will do to see which key finds a file: the 2-model sample under this job is found (if unfit)…
    await cache.put(plain, sample);
    expect((await cache.lookup(plain)).damaged?.reason).toBe("does not fit the layer");
    // …while the same tensors with an encoding look under another key, where there is nothing.
    const encoded = { ...plain, tensors: plain.tensors.map((t) => ({ ...t, encoding: { format: "gguf" as const, ggmlType: "Q8_0" as const } })) };
    expect(await cache.lookup(encoded)).toEqual({});
  });

  test("content keys survive a move: the same bytes at another path are cache hits", async () => {
    const cacheFolder = join(dir, "moved");
    const [a, b] = [join(dir, "moved-a"), join(dir, "moved-b")];
    await writeSyntheticTrees(a, [{ root: "r", children: 2, grandchildren: 1 }], { mode: "ft", seed: 12 });
    await writeSyntheticTrees(b, [{ root: "r", children: 2, grandchildren: 1 }], { mode: "ft", seed: 12 });
    const first = await recover([a], { cacheFolder, workers: 0, verifyCache: true });
    const { lines, effects } = recorder();
    const moved = await recover([b], { cacheFolder, workers: 0, verifyCache: true }, effects);
    expect(moved.graph.edges).toEqual(first.graph.edges);
    const layers = new Set(first.layerStats.map((row) => row.layer)).size;
    expect(lines).toContain(`${layers} of ${layers} layers taken from the layer cache (${cacheFolder})`);
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

describe("layer cache keys of PEFT adapter layers", () => {
  test("an adapter's layer (base + Δ) misses the cache once its base's file changes", async () => {
    const file = join(dir, "adapter-base.safetensors");
    const factorFile = join(dir, "adapter-factors.safetensors");
    await writeSafetensors(file, [{ name: "w", dtype: "F32", shape: [2, 3], data: new Float32Array(6) }]);
    await writeSafetensors(factorFile, [
      { name: "a", dtype: "F32", shape: [1, 3], data: new Float32Array(3) },
      { name: "b", dtype: "F32", shape: [2, 1], data: new Float32Array(2) },
    ]);
    const [base] = await openSafetensorsFile(file);
    const [a, b] = await openSafetensorsFile(factorFile);
    const virtual = lowRankTensor(base!, { a: a!, b: b!, scale: 1, transposed: false });
    const job = {
      name: "w",
      kind: "query" as const,
      shape: [2, 3],
      tensors: [virtual],
      roles: { distance: false, score: true, sketch: false },
      sketchSize: 0,
      histogramBins: 0,
    };
    const result: LayerResult = {
      ...sample,
      name: "w",
      stats: [sample.stats[0]!],
      maxAbsDiff: new Float64Array(0),
      meanAbsDiff: new Float64Array(0),
      sketches: [],
      zeroFraction: [0],
      gridLevels: [0],
    };
    const cache = new LayerCache(join(dir, "adapter-cache"));
    await cache.put(job, result);
    expect(await cache.get(job)).toBeDefined();
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect(await new LayerCache(join(dir, "adapter-cache")).get(job)).toBeUndefined();
    expect(
      await new LayerCache(join(dir, "adapter-cache")).get({ ...job, tensors: [{ ...virtual, lowRank: { ...virtual.lowRank!, scale: 2 } }] }),
    ).toBeUndefined();
    // Keyed by content, the key checksums the base tensor and both factors (never the virtual f32 range, which is in no file).
    const byContent = new LayerCache(join(dir, "adapter-cache"), true);
    await byContent.put(job, result);
    expect(await byContent.get(job)).toBeDefined();
  });
});
