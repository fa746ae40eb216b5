import { describe, expect, test } from "bun:test";
import { placementTable, undirectedMatches, type FamilyPlacementRow } from "../../../src/harness/families/family-placement.ts";

describe("undirectedMatches", () => {
  test("counts true edges found in either direction, never an edge twice", () => {
    const truth = [
      { parent: "a", child: "b" },
      { parent: "b", child: "c" },
      { parent: "a", child: "d" },
    ];
    expect(
      undirectedMatches(
        [
          { parent: "b", child: "a" },
          { parent: "b", child: "c" },
          { parent: "c", child: "d" },
        ],
        truth,
      ),
    ).toBe(2);
    expect(undirectedMatches([], truth)).toBe(0);
  });
});

describe("placementTable", () => {
  test("pools directed and placed counts per kind over their true edges, each held-out set apart", () => {
    const settings = [
      { name: "defaults", overrides: {} },
      { name: "x", overrides: {} },
    ];
    const row = (benchmark: string, kind: "lm" | "chain", directed: number[], placed: number[], heldOutSet: 0 | 1 | 2 = 0): FamilyPlacementRow => ({
      benchmark,
      kind,
      heldOutSet,
      trueEdges: 4,
      directed,
      placed,
      defaultEdges: [],
      parameters: 1,
    });
    const text = placementTable(
      [
        row("a", "lm", [1, 4], [2, 4]),
        row("b", "lm", [2, 3], [3, 4]),
        row("h", "lm", [4, 0], [4, 1], 1),
        row("s", "chain", [0, 3], [3, 3]),
        row("t", "lm", [1, 1], [2, 2], 2),
      ],
      settings,
    ).replace(/ {2,}/g, " | ");
    expect(text).toContain("pooled lm (2) | 3/8 (5) | 7/8 (8)");
    expect(text).toContain("pooled lm held out (1) | 4/4 (4) | 0/4 (1)");
    expect(text).toContain("pooled chain (1) | 0/4 (3) | 3/4 (3)");
    expect(text).toContain("pooled held out set 2 (1) | 1/4 (2) | 1/4 (2)");
  });
});
