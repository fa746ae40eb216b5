import { describe, expect, test } from "bun:test";
import { diagnoseTrueEdges } from "../../../src/harness/families/true-edge-diagnosis.ts";
import type { ModelGraph, TruthGraph } from "../../../src/types.ts";

// a → b → c, all generalization; c sits closer to a than b does (a distance trap).
const truth: TruthGraph = {
  models: ["a", "b", "c"].map((id) => ({ id, stage: "generalization" as const, tree: "a" })),
  edges: [
    { parent: "a", child: "b" },
    { parent: "b", child: "c" },
  ],
};
const matrices = {
  ids: ["a", "b", "c"],
  // a–b 0.5, a–c 0.2, b–c 0.3
  distance: Float64Array.from([0, 0.5, 0.2, 0.5, 0, 0.3, 0.2, 0.3, 0]),
  scores: Float64Array.from([1, 2, 3]),
  statistic: "kurtosis" as const,
  // a nearest the init; c farther than b: grows along a → b and b → c
  initDistance: Float64Array.from([1, 2, 2.5]),
  scoreKinds: ["query" as const],
};
const graph = (edges: [string, string][]): ModelGraph => ({
  models: [],
  edges: edges.map(([parent, child]) => ({ parent, child, type: "finetune" as const, distance: 0 })),
  trees: [["a", "b", "c"]],
  notes: [],
});

describe("diagnoseTrueEdges", () => {
  test("separates a wrong parent chosen by distance from a wrong direction", () => {
    const [ab, bc] = diagnoseTrueEdges(
      truth,
      graph([
        ["a", "c"],
        ["c", "b"],
      ]),
      matrices,
    );
    expect(ab).toMatchObject({ outcome: "other parent", recoveredParent: "c", directionAgrees: true, initDistanceGrows: true, distance: 0.5, parentRank: 2 });
    expect(bc).toMatchObject({ outcome: "reversed", recoveredParent: "a", directionAgrees: true, distance: 0.3, parentRank: 2 });
  });

  test("reads direction by the child's stage and marks recovered edges", () => {
    const specialization: TruthGraph = { ...truth, models: truth.models.map((m) => ({ ...m, stage: "specialization" as const })) };
    const rows = diagnoseTrueEdges(
      specialization,
      graph([
        ["a", "b"],
        ["b", "c"],
      ]),
      matrices,
    );
    expect(rows.map((r) => r.outcome)).toEqual(["recovered", "recovered"]);
    expect(rows.map((r) => r.directionAgrees)).toEqual([false, false]);
    // The init distance reads the same whatever the stage; flipped, it shrinks along both edges.
    expect(rows.map((r) => r.initDistanceGrows)).toEqual([true, true]);
    const flipped = { ...matrices, initDistance: Float64Array.from([3, 2, 1]) };
    expect(diagnoseTrueEdges(specialization, graph([]), flipped).map((r) => r.initDistanceGrows)).toEqual([false, false]);
    expect(diagnoseTrueEdges(truth, graph([["b", "a"]]), matrices)[0]!.recoveredParent).toBeNull();
    // Variance rises in specialization (its registry rule's trend), so a rising score agrees there.
    expect(diagnoseTrueEdges(specialization, graph([]), { ...matrices, statistic: "variance" }).map((r) => r.directionAgrees)).toEqual([true, true]);
  });
});
