/**
 * `experiments/clustering-size.ts --quick`: each saved sample's clustering accuracy must be
 * what evaluateGraph gives its saved recovered graph against the truth among its members, a
 * "trees known" recovery must have that many trees, and the printed means must match.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { restrictTruth } from "../../src/harness/ablation/sample-subtree.ts";
import type { ClusteringSample } from "../../src/harness/ablation/clustering-sweep.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { TruthGraph } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/clustering-size.ts --quick", () => {
  test("scores each random small graph's saved clusters with evaluateGraph and prints the means of those scores", async () => {
    const reports = temporaryFolder("mother-clustering-");
    const run = await spawnExperiment("clustering-size", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    for (const [split, title] of [
      ["ft", "FT"],
      ["lora-v", "LoRA-V"],
    ] as const) {
      const saved = JSON.parse(await readFile(join(reports, "data", "clustering-size", `${split}-samples.json`), "utf8")) as {
        truth: TruthGraph;
        samples: ClusteringSample[];
      };
      // quick: sizes 4 and 7 drawn 3 times, the whole 10-model split once; modes known and auto
      expect(saved.samples).toHaveLength((3 + 3 + 1) * 2);
      for (const sample of saved.samples) {
        expect(new Set(sample.ids).size).toBe(sample.size);
        const truth = restrictTruth(saved.truth, sample.ids);
        expect(new Set(sample.graph.trees.flat())).toEqual(new Set(sample.ids));
        if (sample.mode === "known") expect(sample.graph.trees).toHaveLength(new Set(truth.models.map((m) => m.tree)).size);
        const scores = evaluateGraph(sample.graph, truth);
        expect(sample.clustering).toBe(scores.clustering);
        expect(sample.edgeAccuracy).toBe(scores.edges.accuracy);
      }
      // given the true count, recovery must make exactly that many trees
      expect(tableRow(run.stdout, [title, "trees known", "trees found ÷ true"]).filter((_, i) => i % 2 === 0)).toEqual([1, 1, 1]);
      for (const [mode, label] of [
        ["known", "trees known"],
        ["auto", "trees auto"],
      ] as const) {
        const printed = tableRow(run.stdout, [title, label, "clustering"]).filter((_, i) => i % 2 === 0);
        [4, 7, 10].forEach((size, i) => {
          const values = saved.samples.filter((s) => s.mode === mode && s.size === size).map((s) => s.clustering);
          expect(printed[i]).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 3);
        });
      }
    }

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("clustering-size.html"))!.figures).toBe(2);
  }, 60_000);
});
