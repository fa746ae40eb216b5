import { describe, expect, test } from "bun:test";
import { findDirectionRule } from "../../../src/direction/registry.ts";
import { ruleAgreement, ruleKinds } from "../../../src/harness/direction/rule-agreement.ts";
import { statsRow } from "../../fixtures/layer-stats.ts";
import type { LayerKind } from "../../../src/types.ts";
import { truthGraph } from "../../fixtures/truth-graph.ts";

// Entropy not computed (NaN), as without --stats.
const row = (model: string, kind: LayerKind, kurtosis: number, variance: number) => statsRow(model, kind, { kurtosis, variance, entropy: Number.NaN });

// p → c (specialization), c → g (generalization). Kurtosis: p 5, c 4, g 6 (falls, then rises: both agree).
// Variance on query: 1, 2, 3 (rises twice); on mlp-in it falls, far more.
const rows = [
  row("p", "query", 3, 1),
  row("c", "query", 2, 2),
  row("g", "query", 4, 3),
  row("p", "mlp-in", 2, 30),
  row("c", "mlp-in", 2, 20),
  row("g", "mlp-in", 2, 10),
];
const truth = truthGraph(
  { t: ["p", "c", "g"] },
  [
    ["p", "c"],
    ["c", "g"],
  ],
  (id) => (id === "g" ? "generalization" : "specialization"),
);

describe("ruleAgreement", () => {
  test("reads the rule's statistic over its layers, with the trend reversed for generalization unless the rule holds at any stage", () => {
    expect(ruleAgreement(findDirectionRule("kurtosis")!, rows, truth)).toEqual({ rule: "kurtosis", agree: 2, total: 2 });
    // variance over query + mlp-in falls along both edges: agrees only on the generalization one (reversed trend).
    expect(ruleAgreement(findDirectionRule("variance")!, rows, truth)).toMatchObject({ agree: 1, total: 2 });
    // over the LoRA layers (query) it rises along both: agrees on the specialization edge only.
    expect(ruleAgreement(findDirectionRule("variance-lora")!, rows, truth)).toMatchObject({ agree: 1, total: 2 });
    // the init distance (mean square) falls along both edges over the score layers: it holds at any stage, so neither agrees.
    expect(ruleAgreement(findDirectionRule("init-distance")!, rows, truth)).toMatchObject({ agree: 0, total: 2 });
  });

  test("a statistic that was not computed (entropy without --stats) leaves no edge to count", () => {
    expect(ruleAgreement(findDirectionRule("entropy")!, rows, truth)).toMatchObject({ agree: 0, total: 0 });
  });

  test("kurtosis-attention reads only the attention kinds recovery scores", () => {
    expect(ruleKinds(findDirectionRule("kurtosis-attention")!)).toEqual(["query", "key", "value", "qkv", "attention-output"]);
    expect(ruleKinds(findDirectionRule("variance-lora")!)).toEqual(["query", "value"]);
  });
});
