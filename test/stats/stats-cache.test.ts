import { describe, expect, test } from "bun:test";
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { layerStats } from "../../src/stats/layer-stats.ts";
import { StatsCache, type StatsCacheEffects } from "../../src/stats/stats-cache.ts";
import type { LayerStatsRow } from "../../src/stats/stats-table.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const folder = temporaryFolder("mother-stats-cache-");

const rows: LayerStatsRow[] = [
  { model: "m", layer: "q.weight", kind: "query", shape: [2, 2], stats: layerStats(Float32Array.of(1, 2, 3, 5)) },
  { model: "m", layer: "v.weight", kind: "value", shape: [2, 2], stats: layerStats(Float32Array.of(0, 2, 3, 1)) },
];

describe("StatsCache", () => {
  test("a put is found by the same files, and missed after the file changes", async () => {
    const weights = join(folder, "model.safetensors");
    await writeFile(weights, "weights v1");
    const cache = new StatsCache(join(folder, "cache"));
    const key = await cache.keyFor([weights]);
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, rows);
    expect(await cache.get(key)).toEqual(rows);
    expect(await cache.keyFor([weights])).toBe(key);

    await utimes(weights, new Date(), new Date(Date.now() + 5000)); // touched: mtime changes
    const touched = await cache.keyFor([weights]);
    expect(touched).not.toBe(key);
    expect(await cache.get(touched)).toBeUndefined();
  });

  test("the key depends on size, mtime, absolute path and histogram bins, not on file order", async () => {
    const identities = new Map([
      ["/a/1.safetensors", { size: 10, mtimeMs: 1 }],
      ["/a/2.safetensors", { size: 20, mtimeMs: 2 }],
    ]);
    const effects: StatsCacheEffects = {
      stat: async (path) => identities.get(path)!,
      read: async () => [],
      write: async () => {},
    };
    const cache = new StatsCache("/cache", effects);
    const key = await cache.keyFor(["/a/1.safetensors", "/a/2.safetensors"]);
    expect(await cache.keyFor(["/a/2.safetensors", "/a/1.safetensors"])).toBe(key);
    expect(await cache.keyFor(["/a/1.safetensors", "/a/2.safetensors"], 128)).not.toBe(key);
    identities.set("/a/2.safetensors", { size: 21, mtimeMs: 2 });
    expect(await cache.keyFor(["/a/1.safetensors", "/a/2.safetensors"])).not.toBe(key);
  });

  test("a corrupt entry reads as missing and a put replaces it", async () => {
    const cache = new StatsCache(join(folder, "cache2"));
    const key = "ab".repeat(32);
    await cache.put(key, rows);
    await writeFile(join(folder, "cache2", `${key}.arrow`), "garbage");
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, rows);
    expect(await cache.get(key)).toEqual(rows);
    await expect(cache.get("../escape")).rejects.toThrow(RangeError);
  });
});
