import { describe, expect, test } from "bun:test";
import { leaveOneRootOut, type MixedVariantResult } from "../../../src/harness/mixed/mixed-study.ts";

const result = (label: string, perTree: Record<string, number>): MixedVariantResult =>
  ({ label, perTree: new Map(Object.entries(perTree)) }) as unknown as MixedVariantResult;

describe("leaveOneRootOut", () => {
  test("each root is scored with the setting that is best on the other roots", () => {
    const folds = leaveOneRootOut([result("a", { r1: 1, r2: 0.5, r3: 0.5 }), result("b", { r1: 0, r2: 0.9, r3: 0.9 })]);
    expect(folds).toEqual([
      { heldOut: "r1", chosen: "b", accuracy: 0 },
      { heldOut: "r2", chosen: "a", accuracy: 0.5 },
      { heldOut: "r3", chosen: "a", accuracy: 0.5 },
    ]);
  });

  test("ties go to the earlier setting", () => {
    expect(leaveOneRootOut([result("a", { r1: 1, r2: 1 }), result("b", { r1: 1, r2: 1 })]).map((f) => f.chosen)).toEqual(["a", "a"]);
  });
});
