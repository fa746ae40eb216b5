import { describe, expect, test } from "bun:test";
import { averageRanks, pearsonCorrelation, spearmanCorrelation } from "../../src/stats/correlation.ts";

describe("correlation", () => {
  test("matches scipy.stats pearsonr / spearmanr on a sample with ties", () => {
    const x = [1, 2, 2, 3, 5, 8, 8, 8, 13];
    const y = [2, 1, 4, 4, 9, 7, 20, 20, 30];
    // scipy 1.17.1: pearsonr(x, y)[0], spearmanr(x, y)[0]
    expect(pearsonCorrelation(x, y)).toBeCloseTo(0.9195351275468546, 12);
    expect(spearmanCorrelation(x, y)).toBeCloseTo(0.9142388742738977, 12);
  });

  test("a monotone but curved relation has Spearman 1 and Pearson below 1", () => {
    const x = Float64Array.from({ length: 20 }, (_, i) => i);
    const y = x.map((v) => Math.exp(v / 3));
    expect(spearmanCorrelation(x, y)).toBeCloseTo(1, 14);
    expect(pearsonCorrelation(x, y)).toBeLessThan(0.9);
    expect(
      spearmanCorrelation(
        x,
        y.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 14);
  });

  test("ties share the average rank", () => {
    expect(Array.from(averageRanks([10, 20, 10, 30, 20, 20]))).toEqual([1.5, 4, 1.5, 6, 4, 4]);
  });

  test("constant samples give NaN; mismatched, short or non-finite samples are errors", () => {
    expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => pearsonCorrelation([1, 2], [1])).toThrow(/differ in length/);
    expect(() => spearmanCorrelation([1], [1])).toThrow(/two pairs/);
    expect(() => pearsonCorrelation([1, NaN], [1, 2])).toThrow(/finite/);
  });
});
