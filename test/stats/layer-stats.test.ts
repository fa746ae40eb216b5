import { describe, expect, test } from "bun:test";
import { directionalScore, layerStats } from "../../src/stats/layer-stats.ts";
import { BugError } from "../../src/errors.ts";

/** N equally spaced points: the discrete uniform distribution, whose moments are closed-form. */
function grid(n: number, offset = 0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => offset + (i + 0.5) / n);
}

describe("layerStats", () => {
  test("discrete uniform grid matches the closed-form kurtosis 3 − 6(N²+1)/(5(N²−1)), → 1.8", () => {
    const n = 10_001;
    const stats = layerStats(grid(n));
    expect(stats.count).toBe(n);
    expect(stats.mean).toBeCloseTo(0.5, 12);
    // population variance of N equally spaced points with spacing 1/N: (N²−1)/(12 N²)
    expect(stats.variance).toBeCloseTo((n * n - 1) / (12 * n * n), 12);
    expect(stats.skewness).toBeCloseTo(0, 10);
    expect(stats.kurtosis).toBeCloseTo(3 - (6 * (n * n + 1)) / (5 * (n * n - 1)), 10);
    expect(Math.abs(stats.kurtosis - 1.8)).toBeLessThan(1e-6);
    // evenly filled histogram: entropy = ln(bins), up to the uneven split of 10001 over 256 bins
    expect(stats.entropy).toBeCloseTo(Math.log(256), 3);
  });

  test("two-point distribution has exact skewness (1−2p)/√(pq), kurtosis (1−3pq)/(pq) and entropy", () => {
    const ones = 300;
    const total = 1000;
    const values = new Float32Array(total);
    values.fill(1, 0, ones);
    const p = ones / total;
    const q = 1 - p;
    const stats = layerStats(values);
    expect(stats.mean).toBeCloseTo(p, 12);
    expect(stats.variance).toBeCloseTo(p * q, 12);
    expect(stats.skewness).toBeCloseTo((1 - 2 * p) / Math.sqrt(p * q), 10);
    expect(stats.kurtosis).toBeCloseTo((1 - 3 * p * q) / (p * q), 10);
    expect(stats.entropy).toBeCloseTo(-p * Math.log(p) - q * Math.log(q), 12);
    expect(stats.min).toBe(0);
    expect(stats.max).toBe(1);
  });

  test("constant layers get mean = value and zero variance, skewness, kurtosis, entropy", () => {
    const stats = layerStats(new Float32Array(1000).fill(0.1));
    expect(stats).toEqual({
      count: 1000,
      mean: Math.fround(0.1),
      variance: 0,
      skewness: 0,
      kurtosis: 0,
      min: Math.fround(0.1),
      max: Math.fround(0.1),
      entropy: 0,
    });
  });

  test("f32 and f64 inputs holding the same values give identical statistics", () => {
    const f32 = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 0.02);
    expect(layerStats(f32)).toEqual(layerStats(Float64Array.from(f32)));
  });

  test("moments are shift-invariant even when the mean dwarfs the spread", () => {
    const base = Float64Array.from({ length: 20_000 }, (_, i) => Math.sin(i * 78.233) ** 3);
    const shifted = base.map((x) => x + 1e6);
    const a = layerStats(base);
    const b = layerStats(shifted);
    expect(b.variance / a.variance).toBeCloseTo(1, 9);
    expect(b.skewness).toBeCloseTo(a.skewness, 7);
    expect(b.kurtosis).toBeCloseTo(a.kurtosis, 7);
  });

  test("a right-skewed sample has positive skewness and a heavy tail raises kurtosis above 3", () => {
    const values = new Float64Array(1000).fill(0);
    values[0] = 100; // one outlier
    const stats = layerStats(values);
    expect(stats.skewness).toBeGreaterThan(10);
    expect(stats.kurtosis).toBeGreaterThan(100);
  });

  test("the maximum value lands in the last histogram bin (two bins → two equal halves)", () => {
    expect(layerStats(Float32Array.of(0, 0, 1, 1), 2).entropy).toBeCloseTo(Math.log(2), 12);
    expect(layerStats(Float32Array.of(0, 1, 2, 3), 1).entropy).toBe(0);
  });

  test("empty input, NaN, Inf and a bad bin count are errors", () => {
    expect(() => layerStats(new Float32Array(0))).toThrow(BugError);
    expect(() => layerStats(Float32Array.of(1, NaN, 2))).toThrow(/NaN or infinite/);
    expect(() => layerStats(Float32Array.of(1, Infinity))).toThrow(/NaN or infinite/);
    expect(() => layerStats(Float32Array.of(1, 2), -1)).toThrow(/bin count/);
    expect(() => layerStats(Float32Array.of(1, 2), 1.5)).toThrow(/bin count/);
  });

  test("zero bins skip the histogram: entropy is NaN, every moment is unchanged", () => {
    const values = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) ** 3);
    const full = layerStats(values);
    const moments = layerStats(values, 0);
    expect(moments.entropy).toBeNaN();
    for (const key of ["count", "min", "max"] as const) expect(moments[key]).toBe(full[key]);
    for (const key of ["mean", "variance", "skewness", "kurtosis"] as const) expect(moments[key]).toBeCloseTo(full[key], 12);
    // Far from zero, the shifted one-pass moments still match the two-pass ones.
    const shifted = values.map((v) => v + 1000);
    expect(layerStats(shifted, 0).kurtosis).toBeCloseTo(layerStats(shifted).kurtosis, 6);
    expect(layerStats(shifted, 0).variance / layerStats(shifted).variance).toBeCloseTo(1, 9);
    expect(() => layerStats(Float32Array.of(1, NaN), 0)).toThrow(/NaN or infinite/);
  });
});

describe("directionalScore", () => {
  test("sums the chosen statistic over layers (paper Eq. 3)", () => {
    const layers = [layerStats(grid(100)), layerStats(Float32Array.of(0, 0, 0, 1))];
    expect(directionalScore(layers, "kurtosis")).toBeCloseTo(layers[0]!.kurtosis + layers[1]!.kurtosis, 12);
    expect(directionalScore(layers, "entropy")).toBeCloseTo(layers[0]!.entropy + layers[1]!.entropy, 12);
    expect(directionalScore(layers, "mean")).toBeCloseTo(0.5 + 0.25, 12);
    expect(() => directionalScore([], "kurtosis")).toThrow(BugError);
  });
});
