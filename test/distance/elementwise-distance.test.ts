import { describe, expect, test } from "bun:test";
import { absoluteDifference, layerMinMax, maxAbsDiffNormalized, meanAbsDiff } from "../../src/distance/elementwise-distance.ts";

describe("elementwise distances", () => {
  test("layerMinMax finds the range, and rejects empty layers", () => {
    expect(layerMinMax(Float32Array.of(0.5, -2, 3, 1))).toEqual({ min: -2, max: 3 });
    expect(() => layerMinMax(new Float32Array(0))).toThrow(/empty/);
  });

  test("max |Δ| / range equals the max difference of explicitly min-max normalised layers", () => {
    const a = Float64Array.of(0.1, -0.4, 0.9, 0.3);
    const b = Float64Array.of(0.2, -0.1, 0.7, 0.35);
    const c = Float64Array.of(-0.5, 0.0, 1.1, 0.2);
    const { min, max } = [a, b, c].map(layerMinMax).reduce((r, x) => ({ min: Math.min(r.min, x.min), max: Math.max(r.max, x.max) }));
    const normalise = (x: Float64Array) => x.map((v) => (v - min) / (max - min));
    const explicit = Math.max(...normalise(a).map((v, i) => Math.abs(v - normalise(b)[i]!)));
    expect(maxAbsDiffNormalized(a, b, min, max)).toBeCloseTo(explicit, 14);
    expect(maxAbsDiffNormalized(a, b, min, max)).toBeCloseTo(0.3 / 1.6, 14);
    expect(maxAbsDiffNormalized(a, a, 1, 1)).toBe(0);
    expect(() => maxAbsDiffNormalized(a, b, 1, 0)).toThrow(/negative/);
  });

  test("meanAbsDiff is the L1 distance per weight; absoluteDifference gives both at once", () => {
    const a = Float32Array.of(1, 2, 3, 4);
    const b = Float32Array.of(1, 0, 4, 4);
    expect(meanAbsDiff(a, b)).toBe(0.75);
    expect(absoluteDifference(a, b)).toEqual({ max: 2, mean: 0.75 });
    expect(() => meanAbsDiff(a, Float32Array.of(1))).toThrow(/differ in size/);
  });
});
