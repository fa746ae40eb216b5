import { describe, expect, test } from "bun:test";
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

describe("--long-edge root in orientTree", () => {
  test("the long stage hung under the short tune (D prefers it) moves to the base; off leaves it", () => {
    const members = craftedMembers(3, "auto");
    // Pair evidence for 0 → 1 and 0 → 2 (the base is each one's parent), none between 1 and 2.
    const zOf = (i: number) => (i === 0 ? 3 : 0);
    const orient = (longEdge: "off" | "root") =>
      orientTree({
        group: craftedGroup([{}, {}, {}], [{}, {}, {}]),
        members,
        kept: members,
        distance: triangle(0.1, 0.45, 0.47),
        choice: "ft",
        options: { ...DEFAULT_RECOVER_OPTIONS, pairDecay: "on", longEdge },
        forbidden: undefined,
        rankMask: undefined,
        rule: findPairRule("pair-tanh")!,
        pairLayers: { size: 3, layersOf: () => [], decayOf: zOf },
      });
    expect([...orient("off").tree.parent]).toEqual([-1, 0, 1]);
    expect([...orient("root").tree.parent]).toEqual([-1, 0, 0]);
  });
});
