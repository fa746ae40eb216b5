/**
 * `experiments/direction-ablation.ts --quick`: the default candidate's row must agree with
 * independent computations — direction agreement from the checkpoints by brute force, and
 * tree / Model Graph accuracy from recoverSplit with recovery's defaults but the stage known (the code path of
 * experiments/vthr.ts, not the ablation's own per-tree loop), and for other candidates from
 * recoverModels with `score` and `scoreKinds` set.
 */
import { describe, expect, test } from "bun:test";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { loadVthr } from "../../src/harness/ablation/load-vthr.ts";
import { silentProgress } from "../../src/ui/progress.ts";
import { recoverSplit } from "../../src/harness/vthr/recover-vthr.ts";
import { VTHR_QUICK } from "../../src/harness/vthr/vthr-settings.ts";
import { pickModels, recoverScored } from "../../src/harness/ablation/recover-scored.ts";
import { trueTrees } from "../../src/harness/direction/candidate-recovery.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import { agreementOracle, BLOCK_WEIGHT, kurtosisOracle, QUERY_VALUE_WEIGHT, section, summedOracle, varianceOracle } from "./direction-oracles.ts";
import { defaultScoreSource, sourceLabel } from "../../src/harness/direction/score-source.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/direction-ablation.ts --quick", () => {
  test("reports, for recovery's default score, the agreement and accuracies independent code measures", async () => {
    const reports = temporaryFolder("mother-direction-");
    const run = await spawnExperiment("direction-ablation", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const vthr = await loadVthr(VTHR_QUICK, { cache: TEST_QUICK_CACHE, progress: silentProgress });
    for (const [split, title] of [
      ["ft", "FT —"],
      ["lora-v", "LoRA-V —"],
    ] as const) {
      const { models, truth } = await vthr.openSplit(split);
      // recovery's score auto: Σ kurtosis over block matrices on ℓ_FT trees, −Σ variance of query/value on ℓ_LoRA trees
      const oracle =
        split === "ft"
          ? (path: string) => summedOracle(path, BLOCK_WEIGHT, kurtosisOracle)
          : async (path: string) => -(await summedOracle(path, QUERY_VALUE_WEIGHT, varianceOracle));
      const scores = new Map(await Promise.all(models.map(async (m) => [m.id, await oracle(m.path)] as const)));
      // The ablation measures each statistic with the stage known (VTHR fine-tunes: specialization).
      // Its per-tree columns take the statistic alone: on ℓ_FT trees without recovery's variance
      // fallback (recover-cluster.ts orientCluster, skipped when the score is given), which differs on
      // a tree whose variance arborescence is more than λ cheaper (one of the quick FT
      // trees trained with portable Softmax); its Model Graph column runs recovery itself, fallback included.
      const reference = await recoverSplit(models, truth, { stage: "specialization" });
      const statisticAlone = split === "ft" ? await recoverSplit(models, truth, { stage: "specialization", score: "kurtosis" }) : reference;
      const roots = [...statisticAlone.perTree.keys()];
      const correct = [...statisticAlone.perTree.values()].reduce((sum, r) => sum + r.scores.edges.correct, 0);

      // row: agreement, one accuracy per tree, trees pooled, Model Graph
      expect(reference.graph.distances.every((d) => d === (split === "ft" ? "ft" : "lora"))).toBe(true);
      const row = tableRow(section(run.stdout, title), [sourceLabel(defaultScoreSource())]);
      expect(row).toHaveLength(roots.length + 3);
      expect(row[0]!).toBeCloseTo(agreementOracle(truth, scores), 3);
      roots.forEach((root, i) => expect(row[1 + i]!).toBeCloseTo(statisticAlone.perTree.get(root)!.scores.edges.accuracy, 3));
      expect(row[1 + roots.length]!).toBeCloseTo(correct / truth.edges.length, 3);
      expect(row[2 + roots.length]!).toBeCloseTo(reference.graph.scores.edges.accuracy, 3);
    }
    // Non-default candidates: the ablation's one-pass-per-tree recovery gives what recoverModels gives
    const { models, truth } = await vthr.openSplit("ft");
    for (const [score, layers, kinds] of [
      ["kurtosis", "mlp-out", ["mlp-out"]],
      ["variance", "all", ["query", "key", "value", "attention-output", "mlp-in", "mlp-gate", "mlp-out"]],
    ] as const) {
      const row = tableRow(section(run.stdout, "FT —"), [`${score}/${layers}`]);
      for (const [i, tree] of trueTrees(truth).entries()) {
        const ids = tree.truth.models.map((m) => m.id);
        // a plain (+) candidate reads variance as falling; recovery orients it as rising, so the stage flips
        const stage = score === "variance" ? "generalization" : "specialization";
        const reference = await recoverScored(pickModels(models, ids), tree.truth, { score, scoreKinds: kinds, stage, trees: 1 });
        expect(row[1 + i]!).toBeCloseTo(reference.scores.edges.accuracy, 3);
      }
    }
    // --stage auto: one row per split and leading candidate, "k/2" trees called specialization
    expect(section(run.stdout, "--stage auto against").match(/\d\/2/g)!.length).toBeGreaterThanOrEqual(3);

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("direction-ablation.html"))!.figures).toBe(2);
  }, 120_000);
});
