import { describe, expect, test } from "bun:test";
import { consistentDirection, monotonicity, MONOTONE_RHO, summariseMonotonicity } from "../../../src/harness/direction/monotonicity.ts";

const trajectory = (values: readonly number[]) => values.map((value, i) => ({ step: i * 10, value }));

describe("monotonicity", () => {
  test("is +1 for a strictly rising and −1 for a strictly falling score, whatever the spacing", () => {
    expect(monotonicity(trajectory([1, 2, 30, 31, 500]))).toBeCloseTo(1, 12);
    expect(monotonicity(trajectory([9, 8.9, 3, -4, -100]))).toBeCloseTo(-1, 12);
  });

  test("one adjacent swap in five points gives the textbook ρ = 1 − 6·Σd²/(n(n²−1)) = 0.9", () => {
    expect(monotonicity(trajectory([1, 2, 4, 3, 5]))).toBeCloseTo(1 - (6 * 2) / (5 * 24), 12);
  });

  test("a rise then an equal fall has no trend (ρ = 0)", () => {
    expect(monotonicity(trajectory([1, 2, 3, 2, 1]))).toBeCloseTo(0, 12);
  });

  test("ignores the order the snapshots arrive in: ρ pairs each value with its own step", () => {
    const shuffled = [
      { step: 20, value: 3 },
      { step: 0, value: 1 },
      { step: 10, value: 2 },
    ];
    expect(monotonicity(shuffled)).toBeCloseTo(1, 12);
  });

  test("is NaN for a frozen score and for a single snapshot", () => {
    expect(monotonicity(trajectory([2, 2, 2]))).toBeNaN();
    expect(monotonicity(trajectory([2]))).toBeNaN();
  });
});

describe("summariseMonotonicity", () => {
  test("signs each ρ by the predicted direction, then averages, takes the worst and counts runs past the threshold", () => {
    const summary = summariseMonotonicity([-1, -0.9, -0.5, 0.2], -1);
    expect(summary.runs).toBe(4);
    expect(summary.meanSignedRho).toBeCloseTo((1 + 0.9 + 0.5 - 0.2) / 4, 12);
    expect(summary.worstSignedRho).toBeCloseTo(-0.2, 12);
    expect(summary.fractionMonotone).toBe(0.5);
  });

  test("a NaN run (frozen layers) counts as no trend and as not monotone", () => {
    const summary = summariseMonotonicity([1, Number.NaN], 1);
    expect(summary.meanSignedRho).toBeCloseTo(0.5, 12);
    expect(summary.worstSignedRho).toBe(0);
    expect(summary.fractionMonotone).toBe(0.5);
  });
});

describe("consistentDirection", () => {
  test("names the direction only when every run is monotone that way", () => {
    expect(consistentDirection([-0.95, -MONOTONE_RHO, -1])).toBe(-1);
    expect(consistentDirection([0.9, 0.85])).toBe(1);
    expect(consistentDirection([-0.95, 0.95])).toBe(0);
    expect(consistentDirection([-0.95, -0.5])).toBe(0);
    expect(consistentDirection([-0.95, Number.NaN])).toBe(0);
    expect(consistentDirection([])).toBe(0);
  });
});
