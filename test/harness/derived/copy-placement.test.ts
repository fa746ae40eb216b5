import { describe, expect, test } from "bun:test";
import { collapsedEdgeAccuracy, originalEdgeFates, placeCopies, truthWithCopies, type DerivedCopy } from "../../../src/harness/derived/copy-placement.ts";
import type { ModelGraph } from "../../../src/types.ts";
import { truthGraph } from "../../fixtures/truth-graph.ts";

// root → a → b, root → c
const TRUTH = truthGraph({ t: ["root", "a", "b", "c"] }, [
  ["root", "a"],
  ["a", "b"],
  ["root", "c"],
]);
const COPIES: DerivedCopy[] = [
  { id: "root.q", source: "root", kind: "int8" },
  { id: "a.q", source: "a", kind: "int8" },
  { id: "b.q", source: "b", kind: "int8" },
  { id: "c.q", source: "c", kind: "int8" },
];

function graph(edges: [string, string][], trees: string[][]): ModelGraph {
  return {
    models: trees.flat().map((id) => ({ id, path: id, stage: "specialization" as const, score: 0 })),
    edges: edges.map(([parent, child]) => ({ parent, child, type: "finetune" as const, distance: 1 })),
    trees,
    notes: [],
  };
}

describe("truthWithCopies", () => {
  test("adds each copy as a child of its source, in the source's tree and stage", () => {
    const truth = truthWithCopies(TRUTH, COPIES.slice(0, 2));
    expect(truth.models.slice(4)).toEqual([
      { id: "root.q", stage: "specialization", tree: "t" },
      { id: "a.q", stage: "specialization", tree: "t" },
    ]);
    expect(truth.edges.slice(3)).toEqual([
      { parent: "root", child: "root.q" },
      { parent: "a", child: "a.q" },
    ]);
  });
  test("refuses a copy whose source is unknown", () => {
    expect(() => truthWithCopies(TRUTH, [{ id: "x.q", source: "x", kind: "int8" }])).toThrow("source x is not in the truth");
  });
});

describe("placeCopies and originalEdgeFates", () => {
  // root.q became the root (above root); a's copy steals b; c is under root's copy; b.q elsewhere (under a.q);
  // c.q is alone in a second tree.
  const predicted = graph(
    [
      ["root.q", "root"],
      ["root", "a"],
      ["a", "a.q"],
      ["a.q", "b"],
      ["root.q", "c"],
      ["a.q", "b.q"],
    ],
    [["root.q", "root", "a", "a.q", "b", "c", "b.q"], ["c.q"]],
  );

  test("names each copy's place: under, above, elsewhere, other tree", () => {
    expect(placeCopies(predicted, COPIES).map((p) => [p.copy.id, p.placement, p.parent ?? null])).toEqual([
      ["root.q", "above source", null],
      ["a.q", "under source", "a"],
      ["b.q", "elsewhere", "a.q"],
      ["c.q", "other tree", null],
    ]);
  });

  test("counts original edges kept, stolen by the parent's copy, stolen by another copy, reversed", () => {
    expect(originalEdgeFates(predicted, TRUTH, COPIES)).toEqual({
      total: 3,
      correct: 1,
      reversed: 0,
      underCopyOfParent: 2,
      underOwnCopy: 0,
      underOtherCopy: 0,
      other: 0,
    });
    const flipped = graph(
      [
        ["a", "root"],
        ["a", "b"],
        ["b.q", "c"],
      ],
      [["root", "a", "b", "c", "b.q"]],
    );
    expect(originalEdgeFates(flipped, TRUTH, COPIES)).toEqual({
      total: 3,
      correct: 1,
      reversed: 1,
      underCopyOfParent: 0,
      underOwnCopy: 0,
      underOtherCopy: 1,
      other: 0,
    });
    // a's copy moved in between: root → a.q → a; c is a root of its own.
    const between = graph(
      [
        ["root", "a.q"],
        ["a.q", "a"],
        ["a", "b"],
      ],
      [["root", "a.q", "a", "b"], ["c"]],
    );
    expect(originalEdgeFates(between, TRUTH, COPIES)).toEqual({
      total: 3,
      correct: 1,
      reversed: 0,
      underCopyOfParent: 0,
      underOwnCopy: 1,
      underOtherCopy: 0,
      other: 1,
    });
  });

  test("collapsedEdgeAccuracy reads each copy as its source: twins swapping edges count as right", () => {
    // root.q above root and holding c; a.q holding b: merged, root → a, a → b and root → c are all there.
    expect(collapsedEdgeAccuracy(predicted, TRUTH, COPIES)).toBe(1);
    const between = graph(
      [
        ["root", "a.q"],
        ["a.q", "a"],
        ["a", "b"],
      ],
      [["root", "a.q", "a", "b"], ["c"]],
    );
    expect(collapsedEdgeAccuracy(between, TRUTH, COPIES)).toBeCloseTo(2 / 3, 12);
    expect(collapsedEdgeAccuracy(between, TRUTH, [])).toBeCloseTo(1 / 3, 12);
  });
});
