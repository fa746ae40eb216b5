import { describe, expect, test } from "bun:test";
import { PairwiseMatrix } from "../../src/distance/pairwise-matrix.ts";

describe("PairwiseMatrix", () => {
  test("running max and running sum stay symmetric with a zero diagonal", () => {
    const maxima = new PairwiseMatrix(3);
    const sums = new PairwiseMatrix(3);
    for (const [i, j, layerValue] of [[0, 1, 0.2], [1, 0, 0.5], [0, 1, 0.3], [1, 2, 1], [2, 1, 3]] as const) {
      maxima.maxWith(i, j, layerValue);
      sums.add(i, j, layerValue);
    }
    expect(maxima.get(0, 1)).toBe(0.5);
    expect(maxima.get(1, 0)).toBe(0.5);
    expect(maxima.get(2, 1)).toBe(3);
    expect(sums.get(1, 0)).toBeCloseTo(1.0, 15);
    expect(sums.scaled(0.5).get(2, 1)).toBe(2);
    expect([maxima.get(0, 0), maxima.get(1, 1), maxima.get(2, 2)]).toEqual([0, 0, 0]);
  });

  test("subset keeps the chosen models' distances and condensed lists the upper triangle", () => {
    const m = new PairwiseMatrix(3);
    m.set(0, 1, 1);
    m.set(0, 2, 2);
    m.set(1, 2, 3);
    expect(Array.from(m.condensed())).toEqual([1, 2, 3]);
    const sub = m.subset([2, 0]);
    expect(Array.from(sub.values)).toEqual([0, 2, 2, 0]);
    expect(() => new PairwiseMatrix(2, new Float64Array(3))).toThrow(RangeError);
  });
});
