import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { clusteringAccuracy, edgeAccuracy, edgeAccuracyByTree, maximumWeightMatching } from "../../src/recover/evaluate.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { truthGraph } from "../fixtures/truth-graph.ts";

// Two true trees: a → b → c, a → d; and x → y.
const truth = truthGraph({ A: ["a", "b", "c", "d"], X: ["x", "y"] }, [
  ["a", "b"],
  ["b", "c"],
  ["a", "d"],
  ["x", "y"],
]);

describe("edgeAccuracy", () => {
  test("counts only edges with the right placement and direction", () => {
    const predicted = [
      { parent: "a", child: "b" }, // right
      { parent: "c", child: "b" }, // reversed
      { parent: "b", child: "d" }, // wrong parent
      { parent: "x", child: "y" }, // right
    ];
    expect(edgeAccuracy(predicted, truth)).toEqual({ correct: 2, total: 4, accuracy: 0.5 });
  });

  test("takes a ModelGraph and breaks accuracy down per true tree", () => {
    const graph: ModelGraph = {
      models: [],
      edges: [
        { parent: "a", child: "b", type: "finetune", distance: 1 },
        { parent: "b", child: "c", type: "finetune", distance: 1 },
        { parent: "y", child: "x", type: "finetune", distance: 1 },
      ],
      trees: [],
      notes: [],
    };
    expect(edgeAccuracy(graph, truth)).toEqual({ correct: 2, total: 4, accuracy: 0.5 });
    const byTree = edgeAccuracyByTree(graph, truth);
    expect([...byTree.keys()]).toEqual(["A", "X"]);
    expect(byTree.get("A")).toEqual({ correct: 2, total: 3, accuracy: 2 / 3 });
    expect(byTree.get("X")).toEqual({ correct: 0, total: 1, accuracy: 0 });
  });

  test("a truth without edges scores 1 only for an empty prediction; bad truths are errors", () => {
    const strangers: TruthGraph = { models: truth.models, edges: [] };
    expect(edgeAccuracy([], strangers).accuracy).toBe(1);
    expect(edgeAccuracy([{ parent: "a", child: "b" }], strangers).accuracy).toBe(0);
    expect(() => edgeAccuracy([], { models: [], edges: [{ parent: "p", child: "q" }] })).toThrow(/not listed/);
    expect(() => edgeAccuracy([], { models: [truth.models[0]!, truth.models[0]!], edges: [] })).toThrow(/twice/);
  });
});

describe("clusteringAccuracy", () => {
  test("perfect clusters in any order score 1", () => {
    expect(
      clusteringAccuracy(
        [
          ["y", "x"],
          ["d", "c", "b", "a"],
        ],
        truth,
      ),
    ).toBe(1);
  });

  test("matches clusters to trees one-to-one, so a merged cluster only counts once", () => {
    // everything in one cluster: it matches tree A (4 models), X's 2 models are wrong
    expect(clusteringAccuracy([["a", "b", "c", "d", "x", "y"]], truth)).toBeCloseTo(4 / 6, 15);
    // a split tree: {a,b} and {c,d} both look like A, only one can match it
    expect(
      clusteringAccuracy(
        [
          ["a", "b"],
          ["c", "d"],
          ["x", "y"],
        ],
        truth,
      ),
    ).toBeCloseTo(4 / 6, 15);
    // a model left out counts as wrong
    expect(clusteringAccuracy([["a", "b", "c", "d"], ["x"]], truth)).toBeCloseTo(5 / 6, 15);
  });

  test("the Hungarian matching equals brute force over all permutations", () => {
    const permutations = (n: number): number[][] =>
      n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) => fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }), { minLength: n, maxLength: n })),
        (matrix) => {
          const weights = matrix.map((row) => Float64Array.from(row));
          const assignment = maximumWeightMatching(weights);
          expect(new Set(assignment).size).toBe(matrix.length);
          const total = (p: ArrayLike<number>) => Array.from(p).reduce((s, c, r) => s + matrix[r]![c]!, 0);
          const best = Math.max(...permutations(matrix.length).map(total));
          expect(total(assignment)).toBe(best);
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });
});
