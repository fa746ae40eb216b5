import { describe, expect, test } from "bun:test";
import { anchorMerges, mergeCycleEdges } from "../../src/recover/anchor-merges.ts";
import type { DetectedMerge } from "../../src/recover/detect-merges.ts";

describe("merges in the arborescence (anchor-merges.ts)", () => {
  test("anchoring: a merge may hang only under its parents and may parent none of them", () => {
    const forbidden = anchorMerges([{ child: 2, parents: [0, 1], coefficients: [0.5, 0.5], residual: 0, fitSet: [0, 1], preference: 1 }], 4, undefined)!;
    const at = (i: number, j: number) => forbidden[i * 4 + j];
    expect([at(0, 2), at(1, 2), at(3, 2)]).toEqual([0, 0, 1]);
    expect([at(2, 0), at(2, 1), at(2, 3)]).toEqual([1, 1, 0]);
  });

  test("a merge hung above one of its parents is cut where it leads down to that parent", () => {
    // 1 → 3 (the merge, anchored under parent 1) → 0 (the base) → 2 (the other parent): merge edges would close 2 → 3 → 0 → 2
    const merge: DetectedMerge = { child: 3, parents: [1, 2], coefficients: [0.5, 0.5], residual: 0, fitSet: [1, 2], preference: 1 };
    expect(mergeCycleEdges([merge], Int32Array.of(3, -1, 0, 1))).toEqual([[3, 0]]);
    // 0 → 1, 0 → 2, 1 → 3: the merge is below both parents' ancestors, nothing to cut
    expect(mergeCycleEdges([merge], Int32Array.of(-1, 0, 0, 1))).toEqual([]);
  });
});
