import { describe, expect, test } from "bun:test";
import { statsOf, statsRow } from "../../fixtures/layer-stats.ts";
import { agreementByCandidate, candidateScores, directionAgreement, scoresByModel } from "../../../src/harness/analysis/direction-agreement.ts";
import type { LayerStatsRow } from "../../../src/stats/stats-table.ts";
import type { LayerKind, TruthGraph } from "../../../src/types.ts";
import { truthGraph } from "../../fixtures/truth-graph.ts";

const _stats = (kurtosis: number, variance = 1) => statsOf({ kurtosis, variance });
const row = (model: string, kind: LayerKind, kurtosis: number, variance = 1) => statsRow(model, kind, { kurtosis, variance });

// root → a → b and root → c; kurtosis over query falls along every edge except root → c.
const truth = truthGraph({ root: ["root", "a", "b", "c"] }, [
  ["root", "a"],
  ["a", "b"],
  ["root", "c"],
]);
const rows: LayerStatsRow[] = [
  row("root", "query", 9, 1),
  row("root", "mlp-out", 5, 1),
  row("a", "query", 7, 2),
  row("a", "mlp-out", 5, 2),
  row("b", "query", 4, 3),
  row("b", "mlp-out", 5, 3),
  row("c", "query", 10, 0.5),
  row("c", "mlp-out", 5, 0.5),
];

describe("directionAgreement", () => {
  test("counts edges whose parent scores higher than a specialization child", () => {
    expect(directionAgreement(truth, scoresByModel(rows, "kurtosis", ["query"]))).toEqual({ agree: 2, total: 3, fraction: 2 / 3 });
  });

  test("counts ties as wrong: a layer set the fine-tunes never changed has no direction", () => {
    expect(directionAgreement(truth, scoresByModel(rows, "kurtosis", ["mlp-out"])).agree).toBe(0);
  });

  test("expects the score to rise into a generalization child", () => {
    const generalized: TruthGraph = { ...truth, models: truth.models.map((m) => ({ ...m, stage: "generalization" as const })) };
    expect(directionAgreement(generalized, scoresByModel(rows, "kurtosis", ["query"])).agree).toBe(1);
  });

  test("skips edges whose models have no scored layer", () => {
    const partial = new Map([
      ["root", 3],
      ["a", 2],
    ]);
    expect(directionAgreement(truth, partial)).toEqual({ agree: 1, total: 1, fraction: 1 });
  });
});

describe("candidateScores", () => {
  test("a reversed candidate (sign −1) agrees where the statistic rises into the child", () => {
    const rising = { score: "variance" as const, layers: { name: "both", kinds: ["query", "mlp-out"] as LayerKind[] }, sign: -1 as const };
    expect(candidateScores(rows, rising).get("b")).toBe(-6);
    expect(agreementByCandidate(rows, truth, [rising])[0]!.agree).toBe(2);
  });
});

describe("agreementByCandidate", () => {
  test("scores every statistic × layer set in the given order", () => {
    const candidates = [
      { score: "kurtosis" as const, layers: { name: "query", kinds: ["query"] as LayerKind[] } },
      { score: "variance" as const, layers: { name: "both", kinds: ["query", "mlp-out"] as LayerKind[] } },
    ];
    const result = agreementByCandidate(rows, truth, candidates);
    expect(result.map((r) => [r.candidate.score, r.candidate.layers.name, r.agree, r.total])).toEqual([
      ["kurtosis", "query", 2, 3],
      // variance rises along root → a → b (wrong twice) and falls into c (right once)
      ["variance", "both", 1, 3],
    ]);
  });
});
