import { describe, expect, test } from "bun:test";
import { orientationCosts } from "../../../src/harness/families/orientation-costs.ts";
import type { TruthGraph } from "../../../src/types.ts";

const truthOf = (ids: string[], edges: [string, string][]): TruthGraph => ({
  models: ids.map((id) => ({ id, stage: "generalization" as const, tree: ids[0]! })),
  edges: edges.map(([parent, child]) => ({ parent, child })),
});

describe("orientationCosts", () => {
  test("a chain costs the same read either way, and each orientation scores its own tree", () => {
    // a → b → c with kurtosis rising: generalization.
    const matrices = {
      ids: ["a", "b", "c"],
      distance: Float64Array.from([0, 1, 2, 1, 0, 1, 2, 1, 0]),
      scores: Float64Array.from([3, 4, 5]),
      statistic: "kurtosis" as const,
      initDistance: new Float64Array(3),
      scoreKinds: [],
    };
    const [specialization, generalization] = orientationCosts(
      matrices,
      truthOf(
        ["a", "b", "c"],
        [
          ["a", "b"],
          ["b", "c"],
        ],
      ),
      0.3,
    );
    expect(specialization!.cost).toBeCloseTo(generalization!.cost, 12);
    expect(generalization!.correct).toBe(2);
    expect(specialization!.correct).toBe(0);
  });

  test("a branching tree can only be read one way cheaply", () => {
    // r → {x, y}: reversed, one of x, y would need a second parent, so the mirror costs more.
    const matrices = {
      ids: ["r", "x", "y"],
      distance: Float64Array.from([0, 1, 1, 1, 0, 2, 1, 2, 0]),
      scores: Float64Array.from([3, 4, 4.5]),
      statistic: "kurtosis" as const,
      initDistance: new Float64Array(3),
      scoreKinds: [],
    };
    const [specialization, generalization] = orientationCosts(
      matrices,
      truthOf(
        ["r", "x", "y"],
        [
          ["r", "x"],
          ["r", "y"],
        ],
      ),
      0.3,
    );
    expect(generalization!.cost).toBeLessThan(specialization!.cost);
    expect(generalization!.correct).toBe(2);
  });
});
