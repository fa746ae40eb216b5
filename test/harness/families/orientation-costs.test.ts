import { describe, expect, test } from "bun:test";
import { orientationCosts } from "../../../src/harness/families/orientation-costs.ts";
import { truthGraph } from "../../fixtures/truth-graph.ts";

/** Both orientations of the tree `edges` over `ids` (first id the root), with kurtosis `scores` and a row-major `distance`, at λ 0.3. */
function costsOf(ids: string[], distance: number[], scores: number[], edges: [string, string][]) {
  const matrices = {
    ids,
    distance: Float64Array.from(distance),
    scores: Float64Array.from(scores),
    statistic: "kurtosis" as const,
    initDistance: new Float64Array(ids.length),
    scoreKinds: [],
  };
  const truth = truthGraph({ [ids[0]!]: ids }, edges, () => "generalization");
  const [specialization, generalization] = orientationCosts(matrices, truth, 0.3);
  return { specialization: specialization!, generalization: generalization! };
}

describe("orientationCosts", () => {
  test("a chain costs the same read either way, and each orientation scores its own tree", () => {
    // a → b → c with kurtosis rising: generalization.
    const { specialization, generalization } = costsOf(
      ["a", "b", "c"],
      [0, 1, 2, 1, 0, 1, 2, 1, 0],
      [3, 4, 5],
      [
        ["a", "b"],
        ["b", "c"],
      ],
    );
    expect(specialization.cost).toBeCloseTo(generalization.cost, 12);
    expect(generalization.correct).toBe(2);
    expect(specialization.correct).toBe(0);
  });

  test("a branching tree can only be read one way cheaply", () => {
    // r → {x, y}: reversed, one of x, y would need a second parent, so the mirror costs more.
    const { specialization, generalization } = costsOf(
      ["r", "x", "y"],
      [0, 1, 1, 1, 0, 2, 1, 2, 0],
      [3, 4, 4.5],
      [
        ["r", "x"],
        ["r", "y"],
      ],
    );
    expect(generalization.cost).toBeLessThan(specialization.cost);
    expect(generalization.correct).toBe(2);
  });
});
