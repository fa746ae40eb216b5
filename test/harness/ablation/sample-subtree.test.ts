import { describe, expect, test } from "bun:test";
import { Rng } from "../../../src/rng.ts";
import { restrictTruth, sampleConnectedSubtree, subtreeSize } from "../../../src/harness/ablation/sample-subtree.ts";
import type { TruthGraph } from "../../../src/types.ts";
import { DisjointSets } from "../../../src/tree/disjoint-sets.ts";

/** A VTHR-shaped tree: root r, children c0..c3, grandchildren cXgY (21 models). */
function vthrTree(): TruthGraph {
  const models = [{ id: "r", stage: "specialization" as const, tree: "r" }];
  const edges: { parent: string; child: string }[] = [];
  for (let c = 0; c < 4; c++) {
    models.push({ id: `c${c}`, stage: "specialization", tree: "r" });
    edges.push({ parent: "r", child: `c${c}` });
    for (let g = 0; g < 4; g++) {
      models.push({ id: `c${c}g${g}`, stage: "specialization", tree: "r" });
      edges.push({ parent: `c${c}`, child: `c${c}g${g}` });
    }
  }
  return { models, edges };
}

/** Connected ⇔ union-find over the true edges among the members leaves one component. */
function components(truth: TruthGraph, ids: readonly string[]): number {
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const sets = new DisjointSets(ids.length);
  for (const e of restrictTruth(truth, ids).edges) sets.union(indexOf.get(e.child)!, indexOf.get(e.parent)!);
  return new Set(ids.map((_, i) => sets.find(i))).size;
}

describe("sampleConnectedSubtree", () => {
  const tree = vthrTree();

  test("returns exactly `size` distinct models that form one connected sub-tree, for every size", () => {
    const rng = new Rng(1);
    for (let size = 1; size <= 21; size++) {
      for (let draw = 0; draw < 20; draw++) {
        const ids = sampleConnectedSubtree(tree, size, rng, { rootClosed: false });
        expect(new Set(ids).size).toBe(size);
        expect(components(tree, ids)).toBe(1);
        expect(restrictTruth(tree, ids).edges).toHaveLength(size - 1);
      }
    }
  });

  test("root-closed samples always hold the root and every member's parent; open samples sometimes lack the root", () => {
    const rng = new Rng(2);
    const parentOf = new Map(tree.edges.map((e) => [e.child, e.parent]));
    let withoutRoot = 0;
    for (let draw = 0; draw < 200; draw++) {
      const closed = sampleConnectedSubtree(tree, 5, rng, { rootClosed: true });
      expect(closed).toContain("r");
      for (const id of closed) if (parentOf.has(id)) expect(closed).toContain(parentOf.get(id)!);
      if (!sampleConnectedSubtree(tree, 5, rng, { rootClosed: false }).includes("r")) withoutRoot++;
    }
    expect(withoutRoot).toBeGreaterThan(20);
  });

  test("is reproducible from the seed and varies across draws", () => {
    const a = Array.from({ length: 10 }, (_, i) => sampleConnectedSubtree(tree, 8, new Rng(i), { rootClosed: false }).join());
    const b = Array.from({ length: 10 }, (_, i) => sampleConnectedSubtree(tree, 8, new Rng(i), { rootClosed: false }).join());
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(5);
  });

  test("every model can appear in an open sample of size 2 (no part of the tree is unreachable)", () => {
    const rng = new Rng(3);
    const seen = new Set<string>();
    for (let draw = 0; draw < 500; draw++) for (const id of sampleConnectedSubtree(tree, 2, rng, { rootClosed: false })) seen.add(id);
    expect(seen.size).toBe(21);
  });

  test("rejects sizes outside 1..n and truths that are not one tree", () => {
    expect(() => sampleConnectedSubtree(tree, 0, new Rng(1), { rootClosed: false })).toThrow(/sub-tree size/);
    expect(() => sampleConnectedSubtree(tree, 22, new Rng(1), { rootClosed: false })).toThrow(/sub-tree size/);
    const forest = { models: tree.models, edges: tree.edges.slice(1) };
    expect(() => sampleConnectedSubtree(forest, 3, new Rng(1), { rootClosed: false })).toThrow(/one tree/);
  });
});

describe("subtreeSize", () => {
  test("rounds like the paper's Table 4 header (21 models: 4, 8, 13, 17, 21)", () => {
    expect([0.2, 0.4, 0.6, 0.8, 1].map((f) => subtreeSize(f, 21))).toEqual([4, 8, 13, 17, 21]);
  });
  test("never goes below two models (a tree needs an edge) or above the tree", () => {
    expect(subtreeSize(0.01, 21)).toBe(2);
    expect(subtreeSize(1.5, 21)).toBe(21);
  });
});
