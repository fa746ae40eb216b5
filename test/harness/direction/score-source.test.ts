import { describe, expect, test } from "bun:test";
import { statsRow } from "../../fixtures/layer-stats.ts";
import { layerSetByName } from "../../../src/harness/direction/layer-sets.ts";
import { autoScore, runsInRecovery, sourceLabel, sourceOptions, sourceScores, varianceGrowthAuto } from "../../../src/harness/direction/score-source.ts";
import type { PreparedTree } from "../../../src/harness/direction/prepared-tree.ts";
import type { LayerKind } from "../../../src/types.ts";

describe("sourceOptions", () => {
  test("flips the stage only when the candidate reads its statistic the other way than recovery orients it", () => {
    // recovery orients kurtosis as falling and variance as rising during specialization (score-trend.ts)
    expect(sourceOptions({ score: "kurtosis", layers: layerSetByName("all") }).stage).toBeUndefined();
    expect(sourceOptions({ score: "kurtosis", layers: layerSetByName("all"), sign: -1 }).stage).toBe("generalization");
    expect(sourceOptions({ score: "variance", layers: layerSetByName("all"), sign: -1 }).stage).toBeUndefined();
    expect(sourceOptions({ score: "variance", layers: layerSetByName("all") }, { stage: "generalization" }).stage).toBe("specialization");
    expect(sourceOptions({ score: "variance", layers: layerSetByName("all") }, { stage: "auto" }).stage).toBe("auto");
  });

  test("runs auto as recovery's auto with its layer sets", () => {
    const auto = autoScore({ scoreKinds: ["query", "mlp-out"], loraKinds: ["value"] });
    expect(sourceOptions(auto)).toMatchObject({ score: "auto", scoreKinds: ["query", "mlp-out"], loraKinds: ["value"] });
    expect(sourceLabel(autoScore())).toBe("auto (kurtosis/all | −variance/query+value)");
  });
});

describe("runsInRecovery", () => {
  test("accepts fixed candidates and recovery's own auto, refuses other per-distance pairs", () => {
    expect(runsInRecovery({ score: "entropy", layers: layerSetByName("mlp"), sign: -1 })).toBe(true);
    expect(runsInRecovery(autoScore())).toBe(true);
    expect(runsInRecovery(varianceGrowthAuto())).toBe(false);
    expect(() => sourceOptions(varianceGrowthAuto())).toThrow(/no recoverModels equivalent/);
  });
});

describe("sourceScores", () => {
  test("auto scores each tree with the candidate its distance calls for", () => {
    const row = (model: string, kind: LayerKind, kurtosis: number, variance: number) => statsRow(model, kind, { kurtosis, variance });
    const rows = [row("a", "query", 5, 2), row("a", "mlp-out", 1, 7), row("b", "query", 3, 4), row("b", "mlp-out", 2, 9)];
    const tree = (ids: string[], choice: "ft" | "lora") => ({
      tree: {
        ids,
        choice,
        truth: { models: [], edges: [] },
        distance: new Float64Array(),
        euclidean: new Float64Array(),
        languageModel: false,
        rankMask: undefined,
        placement: { siblingAngles: "auto", siblingAdapters: "skip" },
      } as PreparedTree,
    });
    const auto = autoScore({ scoreKinds: ["query", "mlp-out"], loraKinds: ["query"] });
    expect(sourceScores(auto, rows, [tree(["a"], "ft"), tree(["b"], "lora")])).toEqual(
      new Map([
        ["a", 6],
        ["b", -4],
      ]),
    );
  });
});
