/**
 * `experiments/score-trajectories.ts --quick`: the recorded snapshots must be the weights the
 * runs really had (step 0 of a fine-tune = its root's checkpoint, the last snapshot = the
 * saved checkpoint), and every printed ρ must be what those snapshots give. Fig. 3's score is
 * recovery's ℓ_FT default: Σ kurtosis over every block matrix.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { loadVthr } from "../../src/harness/ablation/load-vthr.ts";
import { silentProgress } from "../../src/ui/progress.ts";
import { VTHR_QUICK } from "../../src/harness/vthr/vthr-settings.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { LayerStats } from "../../src/types.ts";
import { BLOCK_WEIGHT, kurtosisOracle, section, spearmanAgainstOrder, summedOracle } from "./direction-oracles.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

interface SavedRun {
  id: string;
  root: string;
  pretraining: boolean;
  folder: string;
}

describe("experiments/score-trajectories.ts --quick", () => {
  test("prints per-run ρ computed from snapshots that match the saved checkpoints", async () => {
    const reports = temporaryFolder("mother-trajectories-");
    const run = await spawnExperiment("score-trajectories", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const { runs } = JSON.parse(await readFile(join(reports, "data", "score-trajectories", "runs.json"), "utf8")) as { runs: SavedRun[] };
    expect(runs.filter((r) => r.pretraining)).toHaveLength(2); // quick: 2 roots, each re-trained
    expect(runs.filter((r) => !r.pretraining)).toHaveLength(2); // and fine-tuned once
    const vthr = await loadVthr(VTHR_QUICK, { cache: TEST_QUICK_CACHE, progress: silentProgress });
    const fig3 = section(run.stdout, "Fig. 3");
    for (const saved of runs) {
      const snapshots = JSON.parse(await readFile(join(saved.folder, "snapshots.json"), "utf8")) as { step: number; stats: Record<string, LayerStats> }[];
      const scores = snapshots.map((s) =>
        Object.entries(s.stats)
          .filter(([name]) => BLOCK_WEIGHT.test(name))
          .reduce((sum, [, st]) => sum + st.kurtosis, 0),
      );
      expect(snapshots.length).toBeGreaterThanOrEqual(5);
      expect(scores.at(-1)!).toBeCloseTo(await summedOracle(saved.folder, BLOCK_WEIGHT, kurtosisOracle), 6);
      if (!saved.pretraining) expect(scores[0]!).toBeCloseTo(await summedOracle(vthr.artifacts.get(saved.root)!.path, BLOCK_WEIGHT, kurtosisOracle), 6);

      const stage = saved.pretraining ? "generalization" : "specialization";
      const [atStart, atEnd, rho] = tableRow(fig3, [saved.id, stage, saved.root]);
      expect(atStart!).toBeCloseTo(scores[0]!, 2);
      expect(atEnd!).toBeCloseTo(scores.at(-1)!, 2);
      expect(rho!).toBeCloseTo(spearmanAgainstOrder(scores), 3);
    }

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("score-trajectories.html"))!.figures).toBe(3);
  }, 120_000);
});
