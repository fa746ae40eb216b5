/**
 * `experiments/lora-distance-ablation.ts --quick`: every printed accuracy (per tree and per
 * Model Graph, for each forced distance and each c) must be what evaluateGraph gives the
 * saved recovered graph against the saved truth, and forced distances must really differ.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { restrictTruth } from "../../src/harness/ablation/sample-subtree.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

interface SavedSweep {
  split: "ft" | "lora-f" | "lora-v";
  truth: TruthGraph;
  variants: { label: string; graph: ModelGraph; perTree: Record<string, ModelGraph> }[];
}
const TITLES = { ft: "FT", "lora-f": "LoRA-F", "lora-v": "LoRA-V" } as const;

describe("experiments/lora-distance-ablation.ts --quick", () => {
  test("prints, for every distance and c, the accuracies evaluateGraph gives the saved graphs", async () => {
    const reports = temporaryFolder("mother-lora-ablation-");
    const run = await spawnExperiment("lora-distance-ablation", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const saved = JSON.parse(await readFile(join(reports, "data", "lora-distance-ablation", "results.json"), "utf8")) as {
      distance: SavedSweep[];
      lambda: SavedSweep[];
    };
    expect(saved.distance.map((s) => s.split)).toEqual(["lora-v", "lora-f"]);
    expect(saved.lambda.map((s) => s.split)).toEqual(["ft", "lora-f", "lora-v"]);
    for (const sweep of [...saved.distance, ...saved.lambda]) {
      const roots = [...new Set(sweep.truth.models.map((m) => m.tree))];
      for (const variant of sweep.variants) {
        const perTree = roots.map(
          (root) =>
            evaluateGraph(
              variant.perTree[root]!,
              restrictTruth(
                sweep.truth,
                sweep.truth.models.filter((m) => m.tree === root).map((m) => m.id),
              ),
            ).edges.accuracy,
        );
        const graph = evaluateGraph(variant.graph, sweep.truth);
        // row: per-root accuracies, per-tree mean, std, Model Graph, clustering
        const printed = tableRow(run.stdout, [TITLES[sweep.split], variant.label]);
        expect(printed).toHaveLength(roots.length + 4);
        perTree.forEach((accuracy, i) => expect(printed[i]).toBeCloseTo(accuracy, 3));
        expect(printed[roots.length]).toBeCloseTo(perTree.reduce((a, b) => a + b, 0) / perTree.length, 3);
        expect(printed[roots.length + 2]).toBeCloseTo(graph.edges.accuracy, 3);
        expect(printed[roots.length + 3]).toBeCloseTo(graph.clustering, 3);
      }
    }
    // ℓ_LoRA edges carry integer ranks, ℓ_FT edges real-valued distances: the override reached recovery
    const loraV = saved.distance.find((s) => s.split === "lora-v")!;
    expect(loraV.variants.find((v) => v.label === "ℓ_LoRA")!.graph.edges.every((e) => Number.isInteger(e.distance) && e.distance >= 1)).toBe(true);
    const ftEdges = loraV.variants.find((v) => v.label === "ℓ_FT")!.graph.edges;
    expect(ftEdges.every((e) => e.distance > 0) && ftEdges.some((e) => !Number.isInteger(e.distance))).toBe(true);

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("lora-distance-ablation.html"))!.figures).toBe(3);
  }, 60_000);
});
