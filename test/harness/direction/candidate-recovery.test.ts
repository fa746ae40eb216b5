import { describe, expect, test } from "bun:test";
import { shortlistCandidates, trueTrees, type CandidateAccuracy } from "../../../src/harness/direction/candidate-recovery.ts";
import { layerSetByName } from "../../../src/harness/direction/layer-sets.ts";
import { sourceLabel } from "../../../src/harness/direction/score-source.ts";
import { truthGraph } from "../../fixtures/truth-graph.ts";

const candidate = (score: "kurtosis" | "variance", layers: string) => ({ score, layers: layerSetByName(layers) });
const accuracy = (c: ReturnType<typeof candidate>, treesPooled: number): CandidateAccuracy => ({ candidate: c, perTree: new Map(), treesPooled });

describe("shortlistCandidates", () => {
  test("keeps the always-included candidates first, then the best by pooled accuracy, without repeats", () => {
    const def = candidate("kurtosis", "attention");
    const list = [
      accuracy(def, 0.5),
      accuracy(candidate("kurtosis", "mlp"), 0.9),
      accuracy(candidate("variance", "all"), 0.9),
      accuracy(candidate("variance", "query"), 0.1),
    ];
    expect(shortlistCandidates(list, 2, [def]).map(sourceLabel)).toEqual(["kurtosis/attention", "kurtosis/mlp", "variance/all"]);
    expect(shortlistCandidates(list, 1, [candidate("kurtosis", "mlp")]).map(sourceLabel)).toEqual(["kurtosis/mlp"]);
  });
});

describe("trueTrees", () => {
  test("splits a Model Graph's truth into its trees with only their own edges", () => {
    const truth = truthGraph({ r1: ["r1", "a"], r2: ["r2", "b"] }, [
      ["r1", "a"],
      ["r2", "b"],
    ]);
    const trees = trueTrees(truth);
    expect(trees.map((t) => t.root)).toEqual(["r1", "r2"]);
    expect(trees[1]!.truth).toEqual({ models: truth.models.slice(2), edges: [{ parent: "r2", child: "b" }] });
  });
});
