import { describe, expect, test } from "bun:test";
import { LAYER_SETS, layerSetByName, layerSetOf, scoreCandidates, SCORE_VARIANTS } from "../../../src/harness/direction/layer-sets.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../../src/recover/options.ts";

describe("layer sets", () => {
  test("name the recovery default's score layers whatever their order", () => {
    expect(layerSetOf(DEFAULT_RECOVER_OPTIONS.loraKinds).name).toBe("query+value");
    expect(layerSetOf(["value", "key", "qkv", "attention-output", "query"]).name).toBe("attention");
    expect(layerSetOf(["query", "mlp-out"])).toEqual({ name: "custom", kinds: ["query", "mlp-out"] });
  });

  test("every statistic × every set is a candidate, once", () => {
    const labels = scoreCandidates().map((c) => `${c.score}/${c.layers.name}`);
    expect(labels).toHaveLength(SCORE_VARIANTS.length * LAYER_SETS.length);
    expect(new Set(labels).size).toBe(labels.length);
    expect(() => layerSetByName("dense-ish")).toThrow(/known: query/);
  });
});
