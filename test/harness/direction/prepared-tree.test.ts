import { describe, expect, test } from "bun:test";
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
import {
  fineTune,
  rootWeights,
  SYNTHETIC_DEFAULTS,
  withTokenEmbedding,
  writeModel,
  writeSyntheticTrees,
  type Weights,
} from "../../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const edgeSet = (edges: readonly { parent: string; child: string }[]) => new Set(edges.map((e) => `${e.parent}>${e.child}`));

describe("recoverPrepared", () => {
  test("gives the tree recoverModels gives for the same candidate (either sign), λ and stage — FT and LoRA trees", async () => {
    for (const mode of ["ft", "lora"] as const) {
      const dir = temporaryFolder(`mother-prepared-${mode}-`);
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

  test("a mixed language-model tree (full fine-tunes and rank-4 adapters) gives recoverModels' tree under --sibling-adapters skip and rule", async () => {
    // Found in review: the prepared path never passed the rank-measured pairs to the placement rules, so `skip` (the
    // default) was not applied there. Root with a 2-D token embedding (the sibling angles apply), two fine-tunes, an
    // adapter on the root and one on a fine-tune, and a fine-tune of a fine-tune.
    const dir = temporaryFolder("mother-prepared-mixed-");
    const options = { ...SYNTHETIC_DEFAULTS, seed: 1 };
    const root = withTokenEmbedding(rootWeights(options, 1), options);
    const ft = (parent: Weights, seed: number) => fineTune(parent, options, seed);
    const adapter = (parent: Weights, seed: number) => fineTune(parent, { ...options, mode: "lora", step: 1 }, seed);
    const f0 = ft(root, 11);
    const family: [string, Weights, string | undefined][] = [
      ["r", root, undefined],
      ["f0", f0, "r"],
      ["f1", ft(root, 12), "r"],
      ["l0", adapter(root, 13), "r"],
      ["f0-l", adapter(f0, 14), "f0"],
      ["f0-f", ft(f0, 15), "f0"],
    ];
    for (const [id, weights] of family) await writeModel(join(dir, id), weights, options);
    const truth = {
      models: family.map(([id]) => ({ id, stage: "specialization" as const, tree: "r" })),
      edges: family.flatMap(([child, , parent]) => (parent ? [{ parent, child }] : [])),
    };
    const models = await discoverModels([dir]);
    const rows = (await Promise.all(models.map((m) => modelStats(m, new StatsCache(join(dir, ".stats")))))).flat();
    const candidate = {
      score: "kurtosis" as const,
      layers: { name: "test", kinds: ["query", "key", "value", "attention-output"] as LayerKind[] },
      sign: 1 as const,
    };
    const graphs = new Map<string, Set<string>>();
    for (const siblingAdapters of ["skip", "rule"] as const) {
      const prepared = await prepareTree(models, truth, { siblingAdapters });
      expect([prepared.choice, prepared.languageModel]).toEqual(["mixed", true]);
      const options = { ...DEFAULT_RECOVER_OPTIONS, ...sourceOptions(candidate, { lambda: 0.3, stage: "specialization" }), siblingAdapters, trees: 1 };
      const reference = edgeSet((await recoverModels(models, options)).graph.edges);
      expect(edgeSet(recoverPrepared(prepared, candidateScores(rows, candidate), "specialization", 0.3).edges)).toEqual(reference);
      graphs.set(siblingAdapters, reference);
    }
    // The two settings give two trees here, so the test can fail: before the fix the prepared path gave `rule`'s under `skip`.
    expect(graphs.get("skip")).not.toEqual(graphs.get("rule"));
  }, 30_000);

  test("refuses a model without a score instead of ranking it as 0", async () => {
    const dir = temporaryFolder("mother-prepared-missing-");
    const truth = await writeSyntheticTrees(dir, [{ root: "r", children: 2, grandchildren: 0 }]);
    const prepared = await prepareTree(await discoverModels([dir]), truth);
    expect(() => recoverPrepared(prepared, new Map([["r", 1]]), "specialization", 0.3)).toThrow(/no directional score/);
  });
});
