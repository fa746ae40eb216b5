import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { gramEigenvalues, powerLawAlpha, spectralFromEigenvalues, spectralStats } from "../../src/direction/spectral-stats.ts";

describe("spectral statistics", () => {
  test("a diagonal matrix: eigenvalues are the squared diagonal, stable and effective rank by hand", () => {
    // 3 × 4, singular values 3, 2, 1 (the fourth column zero).
    const values = Float64Array.of(3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0);
    expect([...gramEigenvalues(values, 3, 4)].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([9, 4, 1]);
    const stats = spectralStats(values, 3, 4);
    expect(stats.stableRank).toBeCloseTo(14 / 9, 12);
    const p = [3 / 6, 2 / 6, 1 / 6];
    expect(stats.effectiveRank).toBeCloseTo(Math.exp(-p.reduce((a, x) => a + x * Math.log(x), 0)), 12);
  });

  test("the tall and the wide Gram matrix give the same spectrum", () => {
    const wide = Float64Array.from({ length: 3 * 5 }, (_, i) => Math.sin(i * 1.7) + (i % 3));
    const tall = new Float64Array(15);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) tall[c * 3 + r] = wide[r * 5 + c]!;
    const a = gramEigenvalues(wide, 3, 5);
    const b = gramEigenvalues(tall, 5, 3);
    for (let i = 0; i < 3; i++) expect(a[i]!).toBeCloseTo(b[i]!, 9);
  });

  test("every statistic is free of the matrix's scale (weight decay alone does not move it)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 24, maxLength: 24 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (raw, scale) => {
          const values = Float64Array.from(raw, (v, i) => v + (i % 7 === 0 ? 0.5 : 0));
          const a = spectralStats(values, 4, 6);
          const b = spectralStats(
            values.map((v) => v * scale),
            4,
            6,
          );
          if (!Number.isFinite(a.stableRank)) return;
          expect(b.stableRank).toBeCloseTo(a.stableRank, 6);
          expect(b.effectiveRank).toBeCloseTo(a.effectiveRank, 6);
        },
      ),
      { numRuns: 50 },
    );
  });

  test("α of an exact power law's quantiles is recovered (and a steeper law gives a larger α)", () => {
    // Quantiles of a Pareto law with density ∝ x^(−α): x_i = (1 − q_i)^(−1/(α−1)).
    const pareto = (alpha: number) =>
      Float64Array.from({ length: 400 }, (_, i) => (1 - (i + 0.5) / 400) ** (-1 / (alpha - 1)))
        .sort()
        .reverse();
    expect(powerLawAlpha(pareto(2.5))).toBeGreaterThan(2.2);
    expect(powerLawAlpha(pareto(2.5))).toBeLessThan(2.8);
    expect(powerLawAlpha(pareto(4))).toBeGreaterThan(powerLawAlpha(pareto(2.5)));
    expect(spectralFromEigenvalues(Float64Array.of(1, 1)).alpha).toBeNaN(); // too few to fit
  });
});
