import { describe, expect, test } from "bun:test";
import { erf, twoSidedConfidence } from "../../src/stats/normal.ts";

describe("erf", () => {
  test("matches tabulated values to the approximation's 1.5e-7, and is odd", () => {
    // erf(0.5), erf(1), erf(2), erf(3) from tables (Abramowitz & Stegun Table 7.1).
    for (const [x, value] of [
      [0, 0],
      [0.5, 0.5204998778],
      [1, 0.8427007929],
      [2, 0.995322265],
      [3, 0.9999779095],
    ] as const) {
      expect(Math.abs(erf(x) - value)).toBeLessThan(1.5e-7);
      expect(erf(-x) + erf(x)).toBe(0);
    }
  });
  test("twoSidedConfidence is P(|Z| < |z|): 0.6827 at 1, 0.95 at 1.96, the same for ±z", () => {
    expect(twoSidedConfidence(0)).toBeCloseTo(0, 6);
    expect(twoSidedConfidence(1)).toBeCloseTo(0.6826895, 6);
    expect(twoSidedConfidence(-1.959964)).toBeCloseTo(0.95, 6);
  });
});
