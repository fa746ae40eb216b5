import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LONG_RATIO, longEdgeBelowRoot, NEAR_SHARE } from "../../src/distance/long-edges.ts";
import { orientTree } from "../../src/direction/orient-tree.ts";
import { findPairRule } from "../../src/direction/registry.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { craftedGroup, craftedMembers } from "../direction/crafted-group.ts";

/** D over base 0, short tune 1, long stage 2 (symmetric, k = 3): d(0, 1) = own, d(1, 2) = long, d(0, 2) = far. */
const triangle = (own: number, long: number, far: number) => Float64Array.from([0, own, far, own, 0, long, far, long, 0]);

describe("longEdgeBelowRoot", () => {
  test("a long edge below a short one whose child is as near the grandparent: forbidden (hand-computed at the cuts)", () => {
    // Long: 0.45 > 2 × 0.1; near: 0.47 ≤ 1.1 × 0.45.
    expect(longEdgeBelowRoot(triangle(0.1, 0.45, 0.47), 3, 0, 1, 2)).toBe(true);
    // Not long enough: 0.45 is not more than 2 × 0.225.
    expect(longEdgeBelowRoot(triangle(0.45 / LONG_RATIO, 0.45, 0.47), 3, 0, 1, 2)).toBe(false);
    // Not near enough: the grandparent farther than (1 + NEAR_SHARE) × the edge.
    expect(longEdgeBelowRoot(triangle(0.1, 0.45, 0.45 * (1 + NEAR_SHARE) + 1e-9), 3, 0, 1, 2)).toBe(false);
    expect(longEdgeBelowRoot(triangle(0.1, 0.45, 0.45 * (1 + NEAR_SHARE)), 3, 0, 1, 2)).toBe(true);
  });
});

/** orientTree on k crafted members with D `distance`, the pair rule's evidence `decayOf` (the decay hook), and --long-edge `longEdge`. */
function orientPairs(k: number, distance: Float64Array, decayOf: (i: number, j: number) => number, longEdge: "off" | "root") {
  const members = craftedMembers(k, "auto");
  const neutral = Array.from({ length: k }, () => ({}));
  return orientTree({
    group: craftedGroup(neutral, neutral),
    members,
    kept: members,
    distance,
    choice: "ft",
    options: { ...DEFAULT_RECOVER_OPTIONS, pairDecay: "on", longEdge },
    forbidden: undefined,
    rankMask: undefined,
    rule: findPairRule("pair-tanh")!,
    pairLayers: { size: k, layersOf: () => [], decayOf },
  });
}

describe("--long-edge root in orientTree", () => {
  test("the long stage hung under the short tune (D prefers it) moves to the base; off leaves it", () => {
    // Pair evidence for 0 → 1 and 0 → 2 (the base is each one's parent), none between 1 and 2.
    const orient = (longEdge: "off" | "root") => orientPairs(3, triangle(0.1, 0.45, 0.47), (i) => (i === 0 ? 3 : 0), longEdge);
    expect([...orient("off").tree.parent]).toEqual([-1, 0, 1]);
    expect([...orient("root").tree.parent]).toEqual([-1, 0, 0]);
  });

  test("where --long-edge root keeps the tree, its margin is the one without it: the other orientation is not tested again (random trees)", () => {
    // Before: the flipped tree ran the edge tests itself, forbade its own pairs, and the margin compared two trees under
    // two sets of rules (the model zoo's Llama-like tree: −141.65 λ under root against 4.91 off, the same edges; 2.94 now).
    const cases = fc.integer({ min: 4, max: 6 }).chain((k) =>
      fc.record({
        k: fc.constant(k),
        points: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), {
          minLength: k,
          maxLength: k,
          selector: ([x, y]) => x * 21 + y,
        }),
        z: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: k * k, maxLength: k * k }),
      }),
    );
    fc.assert(
      fc.property(cases, ({ k, points, z }) => {
        const distance = new Float64Array(k * k);
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) distance[i * k + j] = Math.hypot(points[i]![0] - points[j]![0], points[i]![1] - points[j]![1]);
        // Antisymmetric evidence: i over j as much as j under i.
        const decayOf = (i: number, j: number) => z[i * k + j]! - z[j * k + i]!;
        const off = orientPairs(k, distance, decayOf, "off");
        const root = orientPairs(k, distance, decayOf, "root");
        if ([...root.tree.parent].join() !== [...off.tree.parent].join()) return; // an edge failed: another tree, another margin
        expect(root.direction.margin).toBe(off.direction.margin);
      }),
      { numRuns: 400, seed: 15 },
    );
  });
});
