import { describe, expect, test } from "bun:test";
import { cheaperByMoreThan, recoverTree } from "../../src/recover/recover-tree.ts";

describe("recoverTree edge confidence", () => {
  const pair = (scores: [number, number]) =>
    recoverTree({ distance: Float64Array.of(0, 1, 1, 0), scores: Float64Array.from(scores), stages: ["specialization", "specialization"], lambda: 0.3 });

  test("the one edge of a pair is as confident as its direction: λ / (D + λ) when the score orders it", () => {
    // Specialization: the parent has the higher (oriented) score. λ = 0.3 · mean(D) = 0.3 · 2/4.
    const tree = pair([2, 1]);
    expect([...tree.parent]).toEqual([-1, 0]);
    expect(tree.confidence[1]).toBeCloseTo(0.15 / 1.15, 12);
  });

  test("with equal scores the direction is a coin flip: confidence 0", () => {
    const tree = pair([1, 1]);
    expect(tree.confidence[tree.parent.indexOf(-1) === 0 ? 1 : 0]).toBe(0);
  });

  test("a forbidden edge is used only when no tree avoids it", () => {
    const distance = Float64Array.of(0, 1, 5, 1, 0, 1, 5, 1, 0);
    const free = recoverTree({ distance, scores: Float64Array.of(3, 2, 1), stages: ["specialization", "specialization", "specialization"], lambda: 0.3 });
    expect([...free.parent]).toEqual([-1, 0, 1]);
    const forbidden = new Uint8Array(9);
    forbidden[1 * 3 + 2] = 1; // 1 → 2 may not happen
    const constrained = recoverTree({
      distance,
      scores: Float64Array.of(3, 2, 1),
      stages: ["specialization", "specialization", "specialization"],
      lambda: 0.3,
      forbidden,
    });
    expect(constrained.parent[2]).not.toBe(1);
  });
});

describe("recoverTree with stage auto", () => {
  // Distances of a star: 0 is the hub, 1–3 hang off it; or of a chain 0 – 1 – 2.
  const star = Float64Array.of(0, 1, 1, 1, 1, 0, 2, 2, 1, 2, 0, 2, 1, 2, 2, 0);
  const chain = Float64Array.of(0, 1, 2, 1, 0, 1, 2, 1, 0);

  test("a branching tree decides its orientation: the hub is the root when its score fits either trend", () => {
    for (const [scores, stage] of [
      [[4, 1, 2, 3], "specialization"],
      [[0, 3, 2, 1], "generalization"],
    ] as const) {
      const tree = recoverTree({ distance: star, scores: Float64Array.from(scores), stages: ["auto", "auto", "auto", "auto"], lambda: 0.3 });
      expect([...tree.parent]).toEqual([-1, 0, 0, 0]);
      expect(tree.stages).toEqual([stage, stage, stage, stage]);
      expect(tree.orientationTied).toBe(false);
    }
  });

  test("a chain fits both directions equally: it says so, and falls back to specialization", () => {
    const tree = recoverTree({ distance: chain, scores: Float64Array.of(1, 2, 3), stages: ["auto", "auto", "auto"], lambda: 0.3 });
    expect(tree.orientationTied).toBe(true);
    expect(tree.stages).toEqual(["specialization", "specialization", "specialization"]);
    expect([...tree.parent]).toEqual([1, 2, -1]); // rooted at the highest score
  });
});

describe("cheaperByMoreThan (the variance fallback's margin)", () => {
  // A star 0 – 1, 2, 3 whose edges every orientation keeps; the scores decide how many run against the trend.
  const star = Float64Array.of(0, 1, 1, 1, 1, 0, 3, 3, 1, 3, 0, 3, 1, 3, 3, 0);
  const specialization = ["specialization", "specialization", "specialization", "specialization"] as const;
  const tree = (scores: number[]) => recoverTree({ distance: star, scores: Float64Array.from(scores), stages: [...specialization], lambda: 0.3 });

  test("one more edge against the trend is a gap of exactly one penalty: not more than the margin", () => {
    const undirected = (parent: Int32Array) =>
      [...parent]
        .map((p, child) => [p, child].sort().join("–"))
        .filter((edge) => !edge.includes("-1"))
        .sort();
    const oneAgainst = tree([2, 3, 3, 1]); // two leaves above the hub: whichever is root, the other hangs against the trend
    const noneAgainst = tree([2, 1, 1, 1]);
    expect(undirected(oneAgainst.parent)).toEqual(undirected(noneAgainst.parent));
    expect(oneAgainst.cost - noneAgainst.cost).toBeCloseTo(oneAgainst.penalty, 12);
    expect(cheaperByMoreThan(oneAgainst, noneAgainst, oneAgainst.penalty)).toBe(false);
    expect(cheaperByMoreThan(tree([2, 3, 3, 3]), noneAgainst, oneAgainst.penalty)).toBe(true); // two against: a real margin
  });

  test("rounding in the sums does not turn that tie into a margin", () => {
    // 0.1 + 0.2 − 0.2 = 0.10000000000000003 > 0.1 in doubles: the costs of the same edges summed in another order.
    const result = { parent: Int32Array.of(-1), stages: [], confidence: new Float64Array(1), penalty: 0.1, orientationTied: false };
    expect(cheaperByMoreThan({ ...result, cost: 0.1 + 0.2 }, { ...result, cost: 0.2 }, 0.1)).toBe(false);
    expect(cheaperByMoreThan({ ...result, cost: 0.31 }, { ...result, cost: 0.2 }, 0.1)).toBe(true);
  });
});

describe("recoverTree --root-tie", () => {
  // Chain a – b – c (D 1, 1; a–c 2). Scores a 3, b 1, c 2 under specialization (a parent above its child):
  // a → b → c pays λ on b → c, c → b → a pays it on b → a — the same cost, so only the root differs.
  const input = {
    distance: Float64Array.of(0, 1, 2, 1, 0, 1, 2, 1, 0),
    scores: Float64Array.of(3, 1, 2),
    stages: ["specialization", "specialization", "specialization"] as const,
    lambda: 0.3,
  };

  test("score: of the equally cheap trees, the one rooted at the highest score", () => {
    const rooted = recoverTree({ ...input, stages: [...input.stages], rootTie: "score" });
    expect([...rooted.parent]).toEqual([-1, 0, 1]);
    const reversed = recoverTree({ ...input, stages: [...input.stages], scores: Float64Array.of(2, 1, 3), rootTie: "score" });
    expect([...reversed.parent]).toEqual([1, 2, -1]);
  });

  test("score never trades cost for the root: without a tie the cheapest tree stays", () => {
    // a 1, b 2, c 3: c → b → a agrees everywhere, nothing ties with it.
    const tree = recoverTree({ ...input, stages: [...input.stages], scores: Float64Array.of(1, 2, 3), rootTie: "score" });
    const solver = recoverTree({ ...input, stages: [...input.stages], scores: Float64Array.of(1, 2, 3), rootTie: "solver" });
    expect([...tree.parent]).toEqual([...solver.parent]);
    expect(tree.cost).toBe(solver.cost);
  });

  test("lambda (--pair-root lambda): the most root-like model roots the tree when that costs at most one λ more, never more", () => {
    // K given per edge (a pair rule's): a → b and b → c agree, their reverses pay one λ. a → b → c costs 2,
    // b → {a, c} 2 + λ, c → b → a 2 + 2λ. The scores (net evidence as a parent) only pick the root.
    const direction = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0);
    const tree = (scores: Float64Array, rootTie: "score" | "lambda") => recoverTree({ ...input, stages: [...input.stages], direction, scores, rootTie });
    const bMost = Float64Array.of(1, 3, 0);
    expect([...tree(bMost, "score").parent]).toEqual([-1, 0, 1]);
    const reRooted = tree(bMost, "lambda");
    expect([...reRooted.parent]).toEqual([1, -1, 1]);
    expect(reRooted.cost).toBeCloseTo(2 + reRooted.penalty, 12);
    // c most root-like: its root costs two λ more, so the cheapest tree stays.
    expect([...tree(Float64Array.of(1, 0, 3), "lambda").parent]).toEqual([-1, 0, 1]);
  });

  test("λ = 0: every root ties, so score keeps the solver's pick (it would otherwise be a direction prior)", () => {
    // Both scores orders: the root picked by score would differ between them; the λ = 0 guard keeps the solver's.
    for (const scores of [Float64Array.of(3, 1, 2), Float64Array.of(2, 1, 3)]) {
      const tree = recoverTree({ ...input, lambda: 0, stages: [...input.stages], scores, rootTie: "score" });
      const solver = recoverTree({ ...input, lambda: 0, stages: [...input.stages], scores, rootTie: "solver" });
      expect([...tree.parent]).toEqual([...solver.parent]);
    }
  });
});
