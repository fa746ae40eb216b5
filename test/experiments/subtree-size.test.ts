/**
 * `experiments/subtree-size.ts --quick`: every saved sample must be a connected sub-tree of
 * the requested size, its accuracy must be what evaluateGraph gives its saved recovered graph
 * against the truth among its members, and the printed means must be those accuracies' means.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { restrictTruth, subtreeSize } from "../../src/harness/ablation/sample-subtree.ts";
import type { SubtreeSample } from "../../src/harness/ablation/subtree-sweep.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { TruthGraph } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/subtree-size.ts --quick", () => {
  test("scores connected sub-trees of the right size by evaluateGraph on their saved graphs and prints those means", async () => {
    const reports = temporaryFolder("mother-subtree-");
    const run = await spawnExperiment("subtree-size", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const saved = JSON.parse(await readFile(join(reports, "data", "subtree-size", "ft-samples.json"), "utf8")) as {
      truth: TruthGraph;
      samples: SubtreeSample[];
    };
    // quick: 2 roots × (3 samples at 40 % and 60 %, 1 whole tree)
    expect(saved.samples).toHaveLength(2 * (3 + 3 + 1));
    for (const sample of saved.samples) {
      const treeSize = saved.truth.models.filter((m) => m.tree === sample.root).length;
      expect(sample.ids).toHaveLength(subtreeSize(sample.fraction, treeSize));
      const sub = restrictTruth(saved.truth, sample.ids);
      expect(sub.edges).toHaveLength(sample.ids.length - 1); // connected ⇔ n − 1 true edges among them
      expect(new Set(sample.graph.models.map((m) => m.id))).toEqual(new Set(sample.ids));
      expect(sample.accuracy).toBe(evaluateGraph(sample.graph, sub).edges.accuracy);
    }

    const means = [0.4, 0.6, 1.0].map((f) => {
      const chosen = saved.samples.filter((s) => s.fraction === f).map((s) => s.accuracy);
      return chosen.reduce((a, b) => a + b, 0) / chosen.length;
    });
    const printed = tableRow(run.stdout, ["ours (all roots)"]).filter((_, i) => i % 2 === 0); // mean, std, mean, std, …
    printed.forEach((mean, i) => expect(mean).toBeCloseTo(means[i]!, 3));

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("subtree-size.html"))!.figures).toBe(2);
  }, 60_000);
});
