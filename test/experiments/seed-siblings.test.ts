/**
 * `experiments/seed-siblings.ts --quick`: trains 3 seed siblings per quick root (once per
 * test cache), and every verdict it prints must follow from the saved distances and graphs:
 * "farther" from the two distances, accuracies from evaluateGraph on the saved graphs, and the
 * parent distances from the distances recovery put on its own edges.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { restrictTruth } from "../../src/harness/ablation/sample-subtree.ts";
import type { SeedSiblingResults } from "../../src/harness/ablation/seed-sibling-study.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { TruthGraph } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/seed-siblings.ts --quick", () => {
  test("derives every sibling verdict and accuracy from the saved distances and recovered graphs", async () => {
    const reports = temporaryFolder("mother-siblings-");
    const run = await spawnExperiment("seed-siblings", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const saved = JSON.parse(await readFile(join(reports, "data", "seed-siblings", "results.json"), "utf8")) as {
      truth: TruthGraph;
      ftSplit: TruthGraph;
      results: SeedSiblingResults;
    };
    const { truth, results } = saved;
    expect(results.families).toHaveLength(2);
    for (const family of results.families) {
      expect(family.siblings).toHaveLength(3);
      const familyTruth = restrictTruth(
        truth,
        truth.models.filter((m) => m.tree === family.root).map((m) => m.id),
      );
      expect(family.aloneAccuracy).toBe(evaluateGraph(family.aloneGraph, familyTruth).edges.accuracy);
      for (const sibling of family.siblings) {
        expect(sibling.fartherFromSiblings).toBe(sibling.toNearestSibling > sibling.toParent);
        const edge = family.aloneGraph.edges.find((e) => e.parent === family.root && e.child === sibling.sibling);
        if (edge) expect(sibling.toParent).toBeCloseTo(edge.distance, 12);
      }
      const inTree = new Set(family.inTreeGraph.edges.map((e) => `${e.parent}>${e.child}`));
      expect(family.inTreeSiblingEdges).toBe(familyTruth.edges.filter((e) => inTree.has(`${e.parent}>${e.child}`)).length);
      expect(family.inTreeGraph.models).toHaveLength(5 + 3); // the quick FT tree + 3 siblings
    }
    expect(results.graph.accuracy).toBe(evaluateGraph(results.graph.graph, truth).edges.accuracy);

    const farther = results.families.flatMap((f) => f.siblings).filter((s) => s.fartherFromSiblings).length;
    expect(run.stdout).toMatch(new RegExp(`siblings farther from each other than from the parent\\s+${farther}/6`));

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("seed-siblings.html"))!.figures).toBe(2);
  }, 90_000);
});
