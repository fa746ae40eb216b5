import { describe, expect, test } from "bun:test";
import { stagesPerTree } from "../../../src/harness/direction/stage-auto.ts";
import type { ModelGraph } from "../../../src/types.ts";

describe("stagesPerTree", () => {
  test("reads one stage per recovered tree (the majority of its models)", () => {
    const model = (id: string, stage: "specialization" | "generalization") => ({ id, path: id, stage, score: 0 });
    const graph: ModelGraph = {
      models: [
        model("a", "specialization"),
        model("b", "specialization"),
        model("c", "generalization"),
        model("d", "generalization"),
        model("e", "specialization"),
      ],
      edges: [],
      trees: [
        ["a", "b"],
        ["c", "d", "e"],
      ],
      notes: [],
    };
    expect(stagesPerTree(graph)).toEqual(["specialization", "generalization"]);
  });
});
