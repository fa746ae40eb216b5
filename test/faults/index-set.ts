/**
 * Test helper: the set `mother index` is stopped or starved in (killed-runs, output-locations): 3 trees × 10 small models,
 * fingerprinted in-process one by one, so under fast-clock.ts a segment is saved after each model; and an index's
 * entries as path → checksum, to compare an interrupted index with an uninterrupted one.
 */
import { join } from "node:path";
import type { loadIndex } from "../../src/index/index-store.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";

/** Models in the set (30 segments at one a model: below COMPACT_AFTER). */
export const INDEX_SET_MODELS = 30;

/** The clock to preload into `mother index` so that it saves a segment after each model. */
export const FAST_CLOCK = join(import.meta.dir, "fast-clock.ts");

/** Writes the set into `folder`. */
export async function writeIndexSet(folder: string): Promise<void> {
  await writeSyntheticTrees(
    folder,
    ["a", "b", "c"].map((root) => ({ root, children: 3, grandchildren: 2 })),
    { seed: 31 },
  );
}

/** The index's entries, path → checksum. */
export function indexChecksums(loaded: Awaited<ReturnType<typeof loadIndex>>): Map<string, string> {
  return new Map([...loaded.entries].map(([path, entry]) => [path, entry.checksum]));
}
