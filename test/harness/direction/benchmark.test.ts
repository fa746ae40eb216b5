import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ArtifactStore } from "../../../src/harness/artifact-store.ts";
import { cachedArtifacts, openCached, subtreesOf } from "../../../src/harness/direction/benchmark.ts";
import { DIRECTION_BENCHMARKS } from "../../../src/harness/direction/benchmarks.ts";
import { MODEL_ARTIFACT_KIND, TRAINER_VERSION, type TrainableModel } from "../../../src/harness/train-planned.ts";
import type { TrainConfig } from "../../../src/train/train-config.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

/** The artefact cache of the one test that writes one. */
const cache = temporaryFolder("mother-bench-");

describe("cachedArtifacts", () => {
  test("finds exactly the folders trainPlanned's store writes (parent keys chained), without producing anything", async () => {
    const store = new ArtifactStore(cache, { log: () => {}, now: () => 0 });
    const config = (steps: number) => ({ steps }) as unknown as TrainConfig;
    const models: TrainableModel[] = [
      { id: "root", config: config(10) },
      { id: "child", parent: "root", config: config(5) },
    ];
    const write = async (folder: string) => Bun.write(join(folder, "model.safetensors"), "x");
    const root = await store.get(MODEL_ARTIFACT_KIND, { config: config(10), dtype: "F32", trainer: TRAINER_VERSION }, write);
    const child = await store.get(MODEL_ARTIFACT_KIND, { config: config(5), dtype: "F32", trainer: TRAINER_VERSION }, write, { parent: root });
    const found = cachedArtifacts(models, { cache });
    expect(found.get("root")!.path).toBe(root.path);
    expect(found.get("child")!.path).toBe(child.path);
    // Another dtype is another model: not found, and openCached says so instead of training.
    const bf16 = cachedArtifacts(models, { cache, dtype: "BF16" });
    expect(await openCached(["root", "child"], bf16, { models: [], edges: [] })).toEqual({ missing: "2/2 models not in the cache (first: root)" });
  });

  test("subtreesOf cuts a tree into its true edges (pairs) and its root → child → grandchild paths (chains)", () => {
    const truth = {
      models: ["r", "a", "b", "a1"].map((id) => ({ id, stage: "specialization" as const, tree: "r" })),
      edges: [
        { parent: "r", child: "a" },
        { parent: "r", child: "b" },
        { parent: "a", child: "a1" },
      ],
    };
    expect(subtreesOf({ models: [], truth }, "pairs").trees!.map((t) => t.ids)).toEqual([
      ["r", "a"],
      ["r", "b"],
      ["a", "a1"],
    ]);
    expect(subtreesOf({ models: [], truth }, "chains").trees).toEqual([{ root: "r>a>a1", ids: ["r", "a", "a1"] }]);
  });

  test("every benchmark has a unique name, a family and the command that makes it", () => {
    const names = DIRECTION_BENCHMARKS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    for (const benchmark of DIRECTION_BENCHMARKS) {
      expect(benchmark.family.length).toBeGreaterThan(0);
      expect(benchmark.produce).toStartWith("bun run experiments/");
    }
    expect(names).toContain("vthr-ft");
    expect(names).toContain("sd@2022");
  });
});
