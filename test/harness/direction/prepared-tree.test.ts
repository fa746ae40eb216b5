import { describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { candidateScores } from "../../../src/harness/analysis/direction-agreement.ts";
import { sourceOptions } from "../../../src/harness/direction/score-source.ts";
import { prepareTree, recoverPrepared } from "../../../src/harness/direction/prepared-tree.ts";
import { modelStats } from "../../../src/harness/model-stats.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { recoverModels } from "../../../src/recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../../src/recover/options.ts";
import { StatsCache } from "../../../src/stats/stats-cache.ts";
import type { LayerKind, ScoreName, Stage } from "../../../src/types.ts";
import { writeSyntheticTrees } from "../../fixtures/synthetic-trees.ts";

const edgeSet = (edges: readonly { parent: string; child: string }[]) => new Set(edges.map((e) => `${e.parent}>${e.child}`));

describe("recoverPrepared", () => {
  test("gives the tree recoverModels gives for the same candidate (either sign), λ and stage — FT and LoRA trees", async () => {
    for (const mode of ["ft", "lora"] as const) {
      const dir = await mkdtemp(join(tmpdir(), `mother-prepared-${mode}-`));
      const truth = await writeSyntheticTrees(dir, [{ root: "r", children: 3, grandchildren: 2 }], { mode, seed: 3 });
      const models = await discoverModels([dir]);
      const cache = new StatsCache(join(dir, ".stats"));
      const rows = (await Promise.all(models.map((m) => modelStats(m, cache)))).flat();
      const prepared = await prepareTree(models, truth);
      const variants: [ScoreName, LayerKind[], 1 | -1, number, Stage | "auto"][] = [
        ["kurtosis", ["query", "key", "value", "attention-output"], 1, 0.3, "specialization"],
        ["variance", ["query"], 1, 1, "specialization"],
        ["variance", ["query", "value"], -1, 0.3, "specialization"],
        ["entropy", ["attention-output", "value"], -1, 0.1, "auto"],
        ["kurtosis", ["key"], -1, 3, "generalization"],
      ];
      for (const [score, kinds, sign, lambda, stage] of variants) {
        const candidate = { score, layers: { name: "test", kinds }, sign };
        const reference = await recoverModels(models, { ...DEFAULT_RECOVER_OPTIONS, ...sourceOptions(candidate, { lambda, stage }), trees: 1 });
        const ours = recoverPrepared(prepared, candidateScores(rows, candidate), stage, lambda);
        expect(edgeSet(ours.edges)).toEqual(edgeSet(reference.graph.edges));
      }
    }
  }, 30_000);

  test("refuses a model without a score instead of ranking it as 0", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mother-prepared-missing-"));
    const truth = await writeSyntheticTrees(dir, [{ root: "r", children: 2, grandchildren: 0 }]);
    const prepared = await prepareTree(await discoverModels([dir]), truth);
    expect(() => recoverPrepared(prepared, new Map([["r", 1]]), "specialization", 0.3)).toThrow(/no directional score/);
  });
});
