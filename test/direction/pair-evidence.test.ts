import { describe, expect, test } from "bun:test";
import { pairLayerEvidence, residualDependence, standardizedPairEvidence, standardizeLayer } from "../../src/direction/pair-evidence.ts";
import { makeGaussian, makeUniform } from "../../src/recover/seeded-random.ts";
import { pearsonCorrelation } from "../../src/stats/correlation.ts";

/** Standardized copy (population moments), computed independently of the module. */
function standardize(values: ArrayLike<number>): number[] {
  const list = Array.from(values);
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  const sd = Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length);
  return list.map((v) => (v - mean) / sd);
}

const average = (list: readonly number[]) => list.reduce((a, b) => a + b, 0) / list.length;

/** Laplace draws from uniforms (inverse CDF): super-Gaussian, excess kurtosis 3. */
function laplace(count: number, seed: number): Float64Array {
  return makeUniform(count, seed).map((u) => (u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u))));
}

/** child = ρ·parent + √(1−ρ²)·noise, both standardized first. */
function child(parent: Float64Array, noise: Float64Array, rho: number): Float64Array {
  const p = standardize(parent);
  const e = standardize(noise);
  return Float64Array.from(p, (v, i) => rho * v + Math.sqrt(1 - rho * rho) * e[i]!);
}

describe("pairLayerEvidence", () => {
  test("matches the moments computed by brute force on a small hand-made pair", () => {
    const a = Float64Array.of(0.3, -1.2, 2.5, 0.1, -0.7, 1.9, -2.2, 0.4);
    const b = Float64Array.of(0.5, -1.0, 2.1, -0.3, -0.2, 2.4, -1.8, 0.0);
    const evidence = pairLayerEvidence(a, b)!;
    const x = standardize(a);
    const y = standardize(b);
    expect(evidence.n).toBe(8);
    expect(evidence.rho).toBeCloseTo(pearsonCorrelation(x, y), 12);
    expect(evidence.kurtosisA).toBeCloseTo(average(x.map((v) => v ** 4)) - 3, 12);
    const cum = x.map((v, i) => v ** 3 * y[i]! - v * y[i]! ** 3);
    expect(evidence.cumulant.mean).toBeCloseTo(average(cum), 12);
    expect(evidence.cumulant.variance).toBeCloseTo(average(cum.map((t) => (t - average(cum)) ** 2)), 10);
    const th = x.map((v, i) => v * Math.tanh(y[i]!) - Math.tanh(v) * y[i]!);
    expect(evidence.tanh.mean).toBeCloseTo(average(th), 12);
    // The residual dependence from the joint moments equals the correlation of the residual's square with the regressor's.
    const rho = pearsonCorrelation(x, y);
    /** |corr(r², regressor²)| for r = response − ρ·regressor. */
    const residualCorrelation = (regressor: readonly number[], response: readonly number[]) =>
      Math.abs(
        pearsonCorrelation(
          regressor.map((v, i) => (response[i]! - rho * v) ** 2),
          regressor.map((v) => v * v),
        ),
      );
    expect(evidence.heteroForward).toBeCloseTo(residualCorrelation(x, y), 10);
    expect(evidence.heteroBackward).toBeCloseTo(residualCorrelation(y, x), 10);
  });

  test("the update's kurtosis is the excess kurtosis of b − a, the same either way round", () => {
    const a = laplace(3000, 11);
    const b = a.map((v, i) => 0.9 * v + (i % 7 === 0 ? 2 : 0.1) * Math.sin(i));
    const d = Array.from(b, (v, i) => v - a[i]!);
    const mean = average(d);
    const m2 = average(d.map((v) => (v - mean) ** 2));
    const m4 = average(d.map((v) => (v - mean) ** 4));
    expect(pairLayerEvidence(a, b)!.kurtosisUpdate).toBeCloseTo(m4 / (m2 * m2) - 3, 9);
    expect(pairLayerEvidence(b, a)!.kurtosisUpdate).toBeCloseTo(m4 / (m2 * m2) - 3, 9);
    expect(pairLayerEvidence(a, a)!.kurtosisUpdate).toBe(0);
  });

  test("swapping the models negates the antisymmetric terms and swaps the regressions", () => {
    const a = laplace(2000, 1);
    const b = child(a, laplace(2000, 2), 0.8);
    const ab = pairLayerEvidence(a, b)!;
    const ba = pairLayerEvidence(b, a)!;
    expect(ba.tanh.mean).toBeCloseTo(-ab.tanh.mean, 12);
    expect(ba.cumulant.mean).toBeCloseTo(-ab.cumulant.mean, 12);
    expect(ba.heteroForward).toBeCloseTo(ab.heteroBackward, 12);
    expect(ba.kurtosisA).toBeCloseTo(ab.kurtosisB, 12);
  });

  test("a super-Gaussian parent plus an independent update: every estimator points parent → child", () => {
    const parent = laplace(50_000, 3);
    const evidence = pairLayerEvidence(parent, child(parent, laplace(50_000, 4), 0.9))!;
    expect(evidence.kurtosisA).toBeGreaterThan(2);
    expect(evidence.tanh.mean).toBeGreaterThan(0);
    expect(evidence.cumulant.mean).toBeGreaterThan(0);
    expect(evidence.heteroBackward).toBeGreaterThan(evidence.heteroForward);
  });

  test("a Gaussian pair carries no direction: the estimators stay within noise", () => {
    const parent = makeGaussian(50_000, 5);
    const evidence = pairLayerEvidence(parent, child(parent, makeGaussian(50_000, 6), 0.9))!;
    expect(Math.abs(evidence.tanh.mean) / Math.sqrt(evidence.tanh.variance / evidence.n)).toBeLessThan(4);
  });

  test("a constant layer or mismatched lengths give no evidence", () => {
    expect(pairLayerEvidence(Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3))).toBeUndefined();
    expect(pairLayerEvidence(Float64Array.of(1, 2), Float64Array.of(1, 2, 3))).toBeUndefined();
  });
});

describe("residualDependence", () => {
  test("is 0 for a Gaussian pair's moments (E[x⁴] = 3, E[x³y] = 3ρ, E[x²y²] = 1 + 2ρ²)", () => {
    const rho = 0.6;
    expect(residualDependence(rho, 3, 3 * rho, 1 + 2 * rho * rho, 3 * rho, 3)).toBeCloseTo(0, 12);
  });
});

describe("standardizeLayer and standardizedPairEvidence", () => {
  test("a member prepared once gives every pair the tanh terms of the per-pair formula, bit for bit", () => {
    // The per-pair loop as it was before the preparation (x, y and both tanh formed per pair), in the same order.
    const perPair = (a: Float64Array, b: Float64Array) => {
      const n = a.length;
      const mean = (v: Float64Array) => v.reduce((s, t) => s + t, 0) / n;
      const inv = (v: Float64Array, m: number) => 1 / Math.sqrt(v.reduce((s, t) => s + (t - m) * (t - m), 0) / n);
      const [meanA, meanB] = [mean(a), mean(b)];
      const [invA, invB] = [inv(a, meanA), inv(b, meanB)];
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const x = (a[i]! - meanA) * invA;
        const y = (b[i]! - meanB) * invB;
        const th = x * Math.tanh(y) - Math.tanh(x) * y;
        sum += th;
        squares += th * th;
      }
      return { mean: sum / n, variance: Math.max(0, squares / n - (sum / n) ** 2) };
    };
    const models = [1, 2, 3].map((seed) => laplace(2048, seed).map((v, i) => v + 0.01 * i));
    const prepared = models.map((values) => standardizeLayer(values)!);
    for (const [i, j] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      expect(standardizedPairEvidence(prepared[i]!, prepared[j]!)!.tanh).toEqual(perPair(models[i]!, models[j]!));
      expect(standardizedPairEvidence(prepared[i]!, prepared[j]!)).toEqual(pairLayerEvidence(models[i]!, models[j]!)!);
    }
  });

  test("a constant or one-value layer is not prepared, and a pair of different lengths gives no evidence", () => {
    expect(standardizeLayer(Float64Array.of(2, 2, 2))).toBeUndefined();
    expect(standardizeLayer(Float64Array.of(1))).toBeUndefined();
    expect(standardizedPairEvidence(standardizeLayer(Float64Array.of(1, 2, 3))!, standardizeLayer(Float64Array.of(1, 2))!)).toBeUndefined();
  });
});
