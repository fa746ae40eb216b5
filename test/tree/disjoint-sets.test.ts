import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { BugError } from "../../src/errors.ts";
import { DisjointSets } from "../../src/tree/disjoint-sets.ts";

/** The oracle: connected components by breadth-first search over an adjacency list; each item labelled by its smallest member. */
function bruteForceComponents(size: number, pairs: readonly (readonly [number, number])[]): number[] {
  const neighbours: number[][] = Array.from({ length: size }, () => []);
  for (const [a, b] of pairs) {
    neighbours[a]!.push(b);
    neighbours[b]!.push(a);
  }
  const label = new Array<number>(size).fill(-1);
  for (let start = 0; start < size; start++) {
    if (label[start] !== -1) continue;
    const queue = [start];
    label[start] = start; // the first unlabelled item of a component is its smallest
    while (queue.length > 0) {
      for (const next of neighbours[queue.shift()!]!) {
        if (label[next] === -1) {
          label[next] = start;
          queue.push(next);
        }
      }
    }
  }
  return label;
}

const graphs = fc
  .integer({ min: 1, max: 40 })
  .chain((size) => fc.tuple(fc.constant(size), fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: 3 * size })));

describe("DisjointSets", () => {
  test("union: every item's root is the smallest member of its breadth-first component", () => {
    fc.assert(
      fc.property(graphs, ([size, pairs]) => {
        const sets = new DisjointSets(size);
        for (const [a, b] of pairs) sets.union(a, b);
        const roots = Array.from({ length: size }, (_, i) => sets.find(i));
        expect(roots).toEqual(bruteForceComponents(size, pairs));
      }),
    );
  });

  test("connected agrees with the breadth-first components on every pair, with items added one by one", () => {
    fc.assert(
      fc.property(graphs, ([size, pairs]) => {
        const sets = new DisjointSets();
        for (let i = 0; i < size; i++) expect(sets.add()).toBe(i);
        for (const [a, b] of pairs) sets.union(a, b);
        const label = bruteForceComponents(size, pairs);
        for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) expect(sets.connected(a, b)).toBe(label[a] === label[b]);
      }),
    );
  });

  test("link keeps the root it is given, whichever index is smaller", () => {
    const sets = new DisjointSets(5);
    sets.link(0, 3);
    sets.link(sets.find(1), sets.find(0));
    expect([0, 1, 2, 3, 4].map((i) => sets.find(i))).toEqual([3, 3, 2, 3, 4]);
    expect(sets.union(2, 4)).toBe(2);
    expect(sets.union(4, 0)).toBe(2);
    expect(sets.find(3)).toBe(2);
  });

  test("link refuses an item that is not a root, and find an item out of range (bugs, not user errors)", () => {
    const sets = new DisjointSets(3);
    sets.union(0, 1);
    expect(() => sets.link(1, 2)).toThrow(BugError);
    expect(() => sets.link(0, 0)).toThrow(BugError);
    expect(() => sets.find(3)).toThrow(BugError);
    expect(() => sets.find(-1)).toThrow(BugError);
  });

  test("grows past its first capacity and keeps earlier unions", () => {
    const sets = new DisjointSets(1);
    for (let i = 1; i < 100; i++) sets.union(sets.add(), i - 1);
    expect(sets.size).toBe(100);
    expect(sets.find(99)).toBe(0);
  });
});
