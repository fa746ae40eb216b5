/**
 * `experiments/mixed-collection.ts --quick`: the collection pools the splits per root with
 * exact typed truth, and every printed whole-collection accuracy is what the saved graph scores.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { edgeAccuracy } from "../../src/recover/evaluate.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/mixed-collection.ts --quick", () => {
  test("prints, for every setting, the accuracy of the saved graph against the saved typed truth", async () => {
    const reports = temporaryFolder("mother-mixed-");
    const run = await spawnExperiment("mixed-collection", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });
    const data = join(reports, "data", "mixed-collection");
    const truth = JSON.parse(await readFile(join(data, "truth.json"), "utf8")) as TruthGraph;
    // 2 roots, each with FT, LoRA-F and LoRA-V children (2) and grandchildren (1 each)
    expect(truth.models).toHaveLength(2 + 3 * 2 * 4);
    expect(truth.edges.filter((e) => e.type === "finetune")).toHaveLength(8);
    expect(truth.edges.filter((e) => e.type === "adapter")).toHaveLength(16);
    expect(truth.edges.every((e) => e.type === (e.child.startsWith("ft.") ? "finetune" : "adapter"))).toBe(true);
    for (const [i, label] of ["defaults", "--distance ft", "--distance lora"].entries()) {
      const graph = JSON.parse(await readFile(join(data, `recovered-${i}.json`), "utf8")) as ModelGraph;
      expect(tableRow(run.stdout, [label])[0]).toBeCloseTo(edgeAccuracy(graph, truth).accuracy, 3);
    }
  }, 120_000);
});
