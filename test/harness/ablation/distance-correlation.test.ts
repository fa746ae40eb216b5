import { describe, expect, test } from "bun:test";
import { distanceCorrelation, nearestNeighbourIsTreeNeighbour, withinTreePairs } from "../../../src/harness/ablation/distance-correlation.ts";

describe("distanceCorrelation", () => {
  test("a weight distance that grows with edge distance, noisily, gives ρ < 1 and per-distance means", () => {
    const pairs = [
      { edgeDistance: 1, weightDistance: 1 },
      { edgeDistance: 1, weightDistance: 3 },
      { edgeDistance: 2, weightDistance: 2 },
      { edgeDistance: 2, weightDistance: 6 },
    ];
    const c = distanceCorrelation(pairs);
    // by hand: Pearson = cov/σσ = 2/√14; Spearman on average ranks [1.5,1.5,3.5,3.5] vs [1,3,2,4] = 2/√20
    expect(c.pearson).toBeCloseTo(2 / Math.sqrt(14), 12);
    expect(c.spearman).toBeCloseTo(2 / Math.sqrt(20), 12);
    expect(c.byEdgeDistance).toEqual([
      { edgeDistance: 1, mean: 2, std: 1, count: 2 },
      { edgeDistance: 2, mean: 4, std: 2, count: 2 },
    ]);
    expect(c.pearsonOfMeans).toBeCloseTo(1, 12); // two points always lie on a line
  });
  test("a single edge distance leaves every ρ undefined (NaN), not 0", () => {
    const c = distanceCorrelation([
      { edgeDistance: 1, weightDistance: 1 },
      { edgeDistance: 1, weightDistance: 2 },
    ]);
    expect([c.spearman, c.pearson, c.pearsonOfMeans].every(Number.isNaN)).toBe(true);
  });
});

describe("withinTreePairs and nearestNeighbourIsTreeNeighbour", () => {
  // chain a ─ b ─ c in one tree, z alone in another
  const hops = Int32Array.from([0, 1, 2, -1, 1, 0, 1, -1, 2, 1, 0, -1, -1, -1, -1, 0]);
  test("pairs only models of the same tree, once each", () => {
    const weights = Float64Array.from({ length: 16 }, (_, k) => k);
    expect(withinTreePairs(weights, hops, 4).map((p) => [p.i, p.j, p.edgeDistance, p.weightDistance])).toEqual([
      [0, 1, 1, 1],
      [0, 2, 2, 2],
      [1, 2, 1, 6],
    ]);
  });
  test("credits a model whose closest tree-mate is a neighbour, and splits credit over ties", () => {
    // a: b (neighbour) and c (2 hops) tie → 0.5; b: nearest c → 1; c: nearest b → 1; z has no tree-mate
    const w = Float64Array.from([0, 2, 2, 0, 2, 0, 1, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
    expect(nearestNeighbourIsTreeNeighbour(w, hops, 4)).toBeCloseTo((0.5 + 1 + 1) / 3, 12);
    // a's nearest is c alone (2 hops) → 0
    const far = Float64Array.from([0, 5, 1, 0, 5, 0, 5, 0, 1, 5, 0, 0, 0, 0, 0, 0]);
    expect(nearestNeighbourIsTreeNeighbour(far, hops, 4)).toBeCloseTo((0 + 1 + 0) / 3, 12);
  });
});
