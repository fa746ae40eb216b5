import { describe, expect, test } from "bun:test";
import { absoluteDifference } from "../../src/distance/elementwise-distance.ts";

describe("absoluteDifference", () => {
  test("gives the max and the mean absolute difference at once, and refuses layers of different sizes", () => {
    expect(absoluteDifference(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 0, 4, 4))).toEqual({ max: 2, mean: 0.75 });
    expect(() => absoluteDifference(Float32Array.of(1, 2), Float32Array.of(1))).toThrow(/differ in size/);
  });

  test("max |Δ| / range equals the max difference of explicitly min-max normalised layers (what ℓ_FT relies on)", () => {
    const layers = [Float64Array.of(0.1, -0.4, 0.9, 0.3), Float64Array.of(0.2, -0.1, 0.7, 0.35), Float64Array.of(-0.5, 0.0, 1.1, 0.2)];
    const min = Math.min(...layers.flatMap((l) => [...l]));
    const max = Math.max(...layers.flatMap((l) => [...l]));
    const normalise = (x: Float64Array) => x.map((v) => (v - min) / (max - min));
    const [a, b] = [layers[0]!, layers[1]!];
    const explicit = Math.max(...normalise(a).map((v, i) => Math.abs(v - normalise(b)[i]!)));
    expect(absoluteDifference(a, b).max / (max - min)).toBeCloseTo(explicit, 14);
    expect(explicit).toBeCloseTo(0.3 / 1.6, 14);
  });
});
