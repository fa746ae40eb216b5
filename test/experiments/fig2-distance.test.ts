/**
 * `experiments/fig2-distance.ts --quick`: every saved pair must carry the true hop count
 * (checked against an ancestor-based oracle) and the very distance recovery puts on its
 * edges, and the printed ρ must be what the saved pairs give.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { loadVthr } from "../../src/harness/ablation/load-vthr.ts";
import { pickModels, recoverScored } from "../../src/harness/ablation/recover-scored.ts";
import { restrictTruth } from "../../src/harness/ablation/sample-subtree.ts";
import { silentProgress } from "../../src/ui/progress.ts";
import { VTHR_QUICK } from "../../src/harness/vthr/vthr-settings.ts";
import { pearsonCorrelation, spearmanCorrelation } from "../../src/stats/correlation.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { TruthGraph } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

interface SavedPairs {
  distance: "ft" | "lora";
  pairs: { tree: string; a: string; b: string; edgeDistance: number; weightDistance: number }[];
}

/** Hops via ancestor chains: depth(a) + depth(b) − 2·depth(lowest common ancestor). */
function hopsOracle(truth: TruthGraph, a: string, b: string): number {
  const parent = new Map(truth.edges.map((e) => [e.child, e.parent]));
  const chain = (id: string) => {
    const out = [id];
    while (parent.has(out.at(-1)!)) out.push(parent.get(out.at(-1)!)!);
    return out;
  };
  const ca = chain(a);
  const cb = chain(b);
  const common = ca.find((id) => cb.includes(id))!;
  return ca.indexOf(common) + cb.indexOf(common);
}

describe("experiments/fig2-distance.ts --quick", () => {
  test("saves true hop counts with recovery's own distances and prints the ρ those pairs give", async () => {
    const reports = temporaryFolder("mother-fig2-");
    const run = await spawnExperiment("fig2-distance", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const vthr = await loadVthr(VTHR_QUICK, { cache: TEST_QUICK_CACHE, progress: silentProgress });
    for (const [split, label] of [
      ["ft", "FT, ℓ_FT"],
      ["lora-v", "LoRA-V, ℓ_LoRA"],
    ] as const) {
      const saved = JSON.parse(await readFile(join(reports, "data", "fig2-distance", `${split}-pairs.json`), "utf8")) as SavedPairs;
      const { models, truth } = await vthr.openSplit(split);
      // every within-tree pair once: 2 trees of 5 models → 2 × 10
      expect(saved.pairs).toHaveLength(20);
      for (const pair of saved.pairs) expect(pair.edgeDistance).toBe(hopsOracle(truth, pair.a, pair.b));

      // recovery of each tree puts exactly these distances on the edges it picks
      for (const tree of new Set(saved.pairs.map((p) => p.tree))) {
        const ids = truth.models.filter((m) => m.tree === tree).map((m) => m.id);
        const recovered = await recoverScored(pickModels(models, ids), restrictTruth(truth, ids), { distance: saved.distance, trees: 1 });
        for (const edge of recovered.graph.edges) {
          const pair = saved.pairs.find((p) => (p.a === edge.parent && p.b === edge.child) || (p.b === edge.parent && p.a === edge.child))!;
          expect(pair.weightDistance).toBeCloseTo(edge.distance, 12);
        }
      }

      const [pairs, spearman, pearson] = tableRow(run.stdout, [label, "all trees"]);
      expect(pairs).toBe(20);
      expect(spearman).toBeCloseTo(
        spearmanCorrelation(
          saved.pairs.map((p) => p.edgeDistance),
          saved.pairs.map((p) => p.weightDistance),
        ),
        3,
      );
      expect(pearson).toBeCloseTo(
        pearsonCorrelation(
          saved.pairs.map((p) => p.edgeDistance),
          saved.pairs.map((p) => p.weightDistance),
        ),
        3,
      );
    }

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("fig2-distance.html"))!.figures).toBe(2);
  }, 120_000);
});
