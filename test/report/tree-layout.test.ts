import { describe, expect, test } from "bun:test";
import { layeredTreeLayout } from "../../src/report/tree-layout.ts";
import { BugError } from "../../src/errors.ts";

describe("layeredTreeLayout", () => {
  test("puts depth on rows, leaves in in-order slots, parents over their children's midpoint", () => {
    const placed = layeredTreeLayout([
      { parent: "r", child: "b" },
      { parent: "r", child: "a" },
      { parent: "a", child: "a2" },
      { parent: "a", child: "a1" },
      { parent: "b", child: "b1" },
    ]);
    const at = Object.fromEntries(placed.map((node) => [node.id, [node.x, node.depth]]));
    expect(at).toEqual({ a1: [0, 2], a2: [1, 2], a: [0.5, 1], b1: [2, 2], b: [2, 1], r: [1.25, 0] });
  });

  test("lays trees of a forest and isolated ids side by side, roots sorted", () => {
    const placed = layeredTreeLayout([{ parent: "t2", child: "c" }], ["t1", "t3"]);
    expect(placed.filter((node) => node.depth === 0).map((node) => [node.id, node.x])).toEqual([
      ["t1", 0],
      ["t2", 1],
      ["t3", 2],
    ]);
  });

  test("never puts two nodes in the same place (random forests)", () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const edges = [];
      for (let node = 1; node < 30; node += 1) {
        const parent = (node * 7919 * seed) % node; // deterministic pseudo-random earlier node
        if ((node + seed) % 5 !== 0) edges.push({ parent: `n${parent}`, child: `n${node}` });
      }
      const placed = layeredTreeLayout(
        edges,
        Array.from({ length: 30 }, (_, index) => `n${index}`),
      );
      expect(placed.length).toBe(30);
      expect(new Set(placed.map((node) => `${node.x},${node.depth}`)).size).toBe(30);
      const byId = new Map(placed.map((node) => [node.id, node]));
      for (const edge of edges) expect(byId.get(edge.child)!.depth).toBe(byId.get(edge.parent)!.depth + 1);
    }
  });

  test("refuses two parents and cycles", () => {
    expect(() =>
      layeredTreeLayout([
        { parent: "a", child: "c" },
        { parent: "b", child: "c" },
      ]),
    ).toThrow("two parents");
    expect(() =>
      layeredTreeLayout([
        { parent: "r", child: "a" },
        { parent: "a", child: "b" },
        { parent: "b", child: "a2" },
        { parent: "x", child: "y" },
        { parent: "y", child: "x" },
      ]),
    ).toThrow(BugError);
  });
});
