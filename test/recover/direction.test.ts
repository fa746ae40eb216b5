import { describe, expect, test } from "bun:test";
import { classPenalties, directionMatrix, directionPenalty, mergedMatrix, pairDirectionMatrix, stageMatrix } from "../../src/recover/direction.ts";
import { minimumSpanningArborescence } from "../../src/tree/chu-liu-edmonds.ts";
import type { Stage } from "../../src/types.ts";

// A chain of three models, equally spaced: 0 — 1 — 2 (D = 1 between neighbours, 2 across).
const distances = Float64Array.of(0, 1, 2, 1, 0, 1, 2, 1, 0);

function recoverParents(scores: number[], stages: Stage[]): number[] {
  const merged = mergedMatrix(distances, directionMatrix(Float64Array.from(scores)), stageMatrix(stages), 3);
  return Array.from(minimumSpanningArborescence(merged, 3).parent);
}

describe("direction priors", () => {
  test("K_ij = 1 exactly when k(v_i) < k(v_j)", () => {
    expect(Array.from(directionMatrix(Float64Array.of(5, 4, 4)))).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0]);
  });

  test("T follows the child's stage", () => {
    expect(Array.from(stageMatrix(["specialization", "generalization", "specialization"]))).toEqual([0, 1, 0, 0, 0, 0, 0, 1, 0]);
  });

  test("specialization: kurtosis falls from parent to child, so the highest score is the root (paper §5.1)", () => {
    // k(0) > k(1) > k(2): 0 → 1 → 2
    expect(recoverParents([5, 4, 3], ["specialization", "specialization", "specialization"])).toEqual([-1, 0, 1]);
    // reversed scores reverse the chain
    expect(recoverParents([3, 4, 5], ["specialization", "specialization", "specialization"])).toEqual([1, 2, -1]);
  });

  test("generalization: kurtosis rises from parent to child, so the lowest score is the root", () => {
    expect(recoverParents([5, 4, 3], ["generalization", "generalization", "generalization"])).toEqual([1, 2, -1]);
  });

  test("the cheap direction of each edge is the one the stage predicts", () => {
    const scores = Float64Array.of(5, 4, 3);
    const special = mergedMatrix(distances, directionMatrix(scores), stageMatrix(["specialization", "specialization", "specialization"]), 3);
    const lambda = directionPenalty(distances, 3);
    expect(special[0 * 3 + 1]).toBe(1); // 0 → 1: higher-kurtosis parent, no penalty
    expect(special[1 * 3 + 0]).toBe(1 + lambda); // 1 → 0 against the trend: penalised
    expect(special[1 * 3 + 1]).toBe(Infinity);
  });

  test("λ = c · Σ_{i≠j} D_ij / n² (diagonal counted as zero, as in the paper)", () => {
    expect(directionPenalty(distances, 3, 0.3)).toBeCloseTo((0.3 * 8) / 9, 15);
    const withInfiniteDiagonal = distances.map((d, k) => (k % 4 === 0 ? Infinity : d));
    expect(directionPenalty(withInfiniteDiagonal, 3, 0.3)).toBeCloseTo((0.3 * 8) / 9, 15);
    expect(() => mergedMatrix(distances, new Uint8Array(4), new Uint8Array(9), 3)).toThrow(/n×n/);
  });
});

describe("two classes of pairs (a tree with full fine-tunes and adapter children)", () => {
  // 0 — 1 measured by rank (class 1), the other pairs by ℓ_FT (class 0).
  const classes = Uint8Array.of(0, 1, 0, 1, 0, 0, 0, 0, 0);

  test("a rank-measured pair takes its direction from its own scores, the others from the tree's", () => {
    // tree's scores say 1 > 0; the rank pair's own scores say 0 > 1
    const k = pairDirectionMatrix(Float64Array.of(1, 2, 3), Float64Array.of(5, 4, 0), classes);
    expect([k[0 * 3 + 1], k[1 * 3 + 0]]).toEqual([0, 1]);
    expect([k[0 * 3 + 2], k[2 * 3 + 0]]).toEqual([1, 0]);
  });

  test("each class pays c times its own mean D, scaled by (n − 1)/n; one class gives the paper's λ", () => {
    const [ft, rank] = classPenalties(distances, classes, 3, 0.3);
    expect(ft).toBeCloseTo(((0.3 * 2) / 3) * ((2 + 1 + 2 + 1) / 4), 15);
    expect(rank).toBeCloseTo(((0.3 * 2) / 3) * 1, 15);
    expect(classPenalties(distances, new Uint8Array(9), 3, 0.3)[0]).toBeCloseTo(directionPenalty(distances, 3, 0.3), 15);
  });

  test("the merged matrix charges each pair its class's λ", () => {
    const [ft, rank] = classPenalties(distances, classes, 3, 0.3);
    const reversed = Uint8Array.of(0, 0, 0, 1, 0, 1, 1, 0, 0); // K: 1 → 0, 1 → 2 and 2 → 0 against the trend
    const merged = mergedMatrix(distances, reversed, new Uint8Array(9), 3, 0.3, classes);
    expect(merged[1 * 3 + 0]).toBeCloseTo(1 + rank, 15);
    expect(merged[1 * 3 + 2]).toBeCloseTo(1 + ft, 15);
    expect(merged[2 * 3 + 0]).toBeCloseTo(2 + ft, 15);
  });
});
