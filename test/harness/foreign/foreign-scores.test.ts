import { describe, expect, test } from "bun:test";
import { directionAgreement, poolTruths, undirectedEdgeAccuracy } from "../../../src/harness/foreign/foreign-scores.ts";
import type { TruthGraph } from "../../../src/types.ts";
import { truthGraph } from "../../fixtures/truth-graph.ts";
import { scoreRule } from "../../../src/direction/registry.ts";

// root → a → b, root → c
const TRUTH = truthGraph({ t: ["root", "a", "b", "c"] }, [
  ["root", "a"],
  ["a", "b"],
  ["root", "c"],
]);

describe("undirectedEdgeAccuracy", () => {
  test("counts a true edge recovered in either orientation, once", () => {
    const predicted = [
      { parent: "a", child: "root" }, // reversed: counts
      { parent: "b", child: "a" }, // reversed: counts
      { parent: "a", child: "c" }, // wrong pair
    ];
    expect(undirectedEdgeAccuracy(predicted, TRUTH)).toBeCloseTo(2 / 3, 12);
    expect(undirectedEdgeAccuracy([...predicted, { parent: "root", child: "a" }], TRUTH)).toBeCloseTo(2 / 3, 12);
  });
  test("a truth without edges scores 1 only when nothing is predicted", () => {
    const lonely: TruthGraph = { models: TRUTH.models, edges: [] };
    expect(undirectedEdgeAccuracy([], lonely)).toBe(1);
    expect(undirectedEdgeAccuracy([{ parent: "a", child: "b" }], lonely)).toBe(0);
  });
});

describe("directionAgreement", () => {
  const statistic = new Map([
    ["root", 3.0],
    ["a", 2.5],
    ["b", 2.6],
    ["c", 1.0],
  ]);
  test("kurtosis agrees on an edge where it falls; variance where it rises; ties are wrong", () => {
    // root→a falls, a→b rises, root→c falls
    expect(directionAgreement(statistic, scoreRule("kurtosis"), TRUTH)).toBeCloseTo(2 / 3, 12);
    expect(directionAgreement(statistic, scoreRule("variance"), TRUTH)).toBeCloseTo(1 / 3, 12);
    expect(
      directionAgreement(
        new Map([
          ["root", 1],
          ["a", 1],
          ["b", 1],
          ["c", 1],
        ]),
        scoreRule("kurtosis"),
        TRUTH,
      ),
    ).toBe(0);
  });
  test("skips edges whose models have no statistic; NaN when none is left", () => {
    expect(
      directionAgreement(
        new Map([
          ["root", 3],
          ["c", 1],
        ]),
        scoreRule("kurtosis"),
        TRUTH,
      ),
    ).toBe(1);
    expect(directionAgreement(new Map(), scoreRule("kurtosis"), TRUTH)).toBeNaN();
  });
});

describe("poolTruths", () => {
  test("pooling keeps every model's tree and every edge", () => {
    const other = truthGraph({ u: ["x", "y"] }, [["x", "y"]]);
    const pooled = poolTruths([TRUTH, other]);
    expect(pooled.models.map((m) => `${m.id}:${m.tree}`)).toEqual(["root:t", "a:t", "b:t", "c:t", "x:u", "y:u"]);
    expect(pooled.edges).toHaveLength(4);
  });
});
