import { describe, expect, test } from "bun:test";
import { cliFlags, edgeSet } from "../../../src/harness/families/recover-with-cli.ts";

describe("cliFlags", () => {
  test("spells recovery overrides as mother recover flags, leaving defaults out", () => {
    expect(cliFlags({ stage: "generalization", distance: "ft", trees: 1 })).toEqual(["--stage", "generalization", "--trees", "1", "--distance", "ft"]);
    expect(cliFlags({ distance: "ft", ftDistance: "max" })).toEqual(["--distance", "ft", "--ft-distance", "max"]);
    expect(cliFlags({})).toEqual([]);
  });
});

describe("edgeSet", () => {
  test("is order-free so two recoveries compare by their edges alone", () => {
    const graph = (edges: [string, string][]) => ({
      models: [],
      trees: [],
      edges: edges.map(([parent, child]) => ({ parent, child, type: "finetune" as const, distance: Math.random() })),
      notes: [],
    });
    expect(
      edgeSet(
        graph([
          ["a", "b"],
          ["a", "c"],
        ]),
      ),
    ).toEqual(
      edgeSet(
        graph([
          ["a", "c"],
          ["a", "b"],
        ]),
      ),
    );
    expect(edgeSet(graph([["a", "b"]]))).not.toEqual(edgeSet(graph([["b", "a"]])));
  });
});
