import { describe, expect, test } from "bun:test";
import { pickSources } from "../../../src/harness/derived/pick-sources.ts";
import type { TruthGraph } from "../../../src/types.ts";

// Tree t: r → a → {a1, a2}, r → b → b1, r → c (leaf). Tree u: s → s1.
const TRUTH: TruthGraph = {
  models: [
    ...["r", "a", "a1", "a2", "b", "b1", "c"].map((id) => ({ id, stage: "specialization" as const, tree: "t" })),
    ...["s", "s1"].map((id) => ({ id, stage: "specialization" as const, tree: "u" })),
  ],
  edges: [
    ["r", "a"],
    ["a", "a1"],
    ["a", "a2"],
    ["r", "b"],
    ["b", "b1"],
    ["r", "c"],
    ["s", "s1"],
  ].map(([parent, child]) => ({ parent: parent!, child: child! })),
};

describe("pickSources", () => {
  test("sample: per tree the root, the first inner model and the first two leaves, in truth order", () => {
    expect(pickSources(TRUTH, "sample")).toEqual(["r", "a", "a1", "a2", "s", "s1"]);
  });
  test("all: every model once", () => {
    expect(pickSources(TRUTH, "all")).toEqual(TRUTH.models.map((m) => m.id));
  });
});
