import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { rankBetween } from "../../src/distance/rank-between.ts";
import { placementRules } from "../../src/direction/orient-tree.ts";
import { recoverTree } from "../../src/recover/recover-tree.ts";

/** ℓ_LoRA of a tree of independent updates: the rank sum along the path between two models, capped at `width`. */
function treeRanks(parent: readonly number[], rank: readonly number[], width = Infinity): Float64Array {
  const k = parent.length;
  const path = (v: number) => {
    const up: number[] = [];
    for (let u = v; u >= 0; u = parent[u]!) up.push(u);
    return up;
  };
  const d = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const pa = path(a);
      const pb = new Set(path(b));
      const meet = pa.find((u) => pb.has(u))!;
      let sum = 0;
      for (const v of [a, b]) for (let u = v; u !== meet; u = parent[u]!) sum += rank[u]!;
      d[a * k + b] = Math.min(sum, width);
    }
  }
  return d;
}

describe("rankBetween", () => {
  test("VTHR LoRA-V's sup-textures branch: root → c3 (16) → g0 (2); root–g0 has c3 exactly between, the true edges do not", () => {
    // 0 = root, 1 = c3, 2 = g0: ℓ(0,1) = 16, ℓ(1,2) = 2, ℓ(0,2) = 18 (the measured ranks).
    const d = Float64Array.of(0, 16, 18, 16, 0, 2, 18, 2, 0);
    expect([...rankBetween(d, 3)]).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0]);
  });

  test("on a tree of independent updates it rules out every non-edge and never a true edge", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })), { minLength: 2, maxLength: 9 }), (nodes) => {
        const parent = [-1, ...nodes.slice(1).map(([p], i) => p % (i + 1))];
        const rank = [0, ...nodes.slice(1).map(([, r]) => r)];
        const k = parent.length;
        const out = rankBetween(treeRanks(parent, rank), k);
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            if (a === b) continue;
            expect(out[a * k + b]).toBe(parent[a] === b || parent[b] === a ? 0 : 1);
          }
        }
      }),
    );
  });

  test("a saturated rank (capped at the layer's width) is not a sum, so the pair is left alone", () => {
    // root → c (rank 30) → g (rank 30) in a 48-wide layer: ℓ(root, g) reads 48, not 60.
    const d = treeRanks([-1, 0, 1], [0, 30, 30], 48);
    expect([...rankBetween(d, 3)].every((x) => x === 0)).toBe(true);
  });

  test("a copy (rank 0 to its source) puts nobody between anything", () => {
    const d = treeRanks([-1, 0, 1], [0, 8, 0]);
    expect(rankBetween(d, 3)[0 * 3 + 2]).toBe(0);
  });
});

describe("placementRules with an ℓ_LoRA D", () => {
  test("the direction prior can no longer hang a grandchild between the root and its parent", () => {
    // Oriented scores (minus the LoRA layers' variance, which rises): the grandchild dips below its parent, as in VTHR LoRA-V.
    const d = Float64Array.of(0, 16, 18, 16, 0, 2, 18, 2, 0);
    const scores = Float64Array.of(-0.0238, -0.0303, -0.03);
    const stages = ["specialization", "specialization", "specialization"] as const;
    const without = recoverTree({ distance: d, scores, stages: [...stages], lambda: 0.3 });
    expect([...without.parent]).toEqual([-1, 2, 0]); // root → g0 → c3: the placement miss
    const { forbidden } = placementRules({ k: 3, forbidden: undefined, rankDistance: d });
    const withRule = recoverTree({ distance: d, scores, stages: [...stages], lambda: 0.3, forbidden });
    // The true undirected tree (c3 between the two); which end is the root is the tie --root-tie score breaks.
    const undirected = (parent: Int32Array) => [...parent].flatMap((p, c) => (p >= 0 ? [[Math.min(p, c), Math.max(p, c)].join("-")] : [])).sort();
    expect(undirected(withRule.parent)).toEqual(["0-1", "1-2"]);
    const rooted = recoverTree({ distance: d, scores, stages: [...stages], lambda: 0.3, forbidden, rootTie: "score" });
    expect([...rooted.parent]).toEqual([-1, 0, 1]);
  });
});
