import { describe, expect, test } from "bun:test";
import { treeEdgeDistances } from "../../../src/harness/ablation/tree-edge-distance.ts";
import type { TruthGraph } from "../../../src/types.ts";

const m = (id: string, tree: string) => ({ id, stage: "specialization" as const, tree });

describe("treeEdgeDistances", () => {
  // a ─ b ─ d      x ─ y   (two trees)
  //  └─ c
  const truth: TruthGraph = {
    models: [m("a", "a"), m("b", "a"), m("c", "a"), m("d", "a"), m("x", "x"), m("y", "x")],
    edges: [
      { parent: "a", child: "b" },
      { parent: "a", child: "c" },
      { parent: "b", child: "d" },
      { parent: "x", child: "y" },
    ],
  };
  test("counts edges on the undirected path, 0 on the diagonal, −1 across trees", () => {
    const ids = ["d", "c", "a", "y"];
    expect([...treeEdgeDistances(truth, ids)]).toEqual([0, 3, 2, -1, 3, 0, 1, -1, 2, 1, 0, -1, -1, -1, -1, 0]);
  });
});
