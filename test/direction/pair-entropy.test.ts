import { describe, expect, test } from "bun:test";
import { ENTROPY_BLOCKS, entropyRatio, negentropy } from "../../src/direction/pair-entropy.ts";
import { pairLayerEvidence } from "../../src/direction/pair-evidence.ts";
import { makeGaussian, makeUniform } from "../../src/recover/seeded-random.ts";

/** Laplace draws (inverse CDF): super-Gaussian, excess kurtosis 3. */
function laplace(count: number, seed: number): Float64Array {
  return makeUniform(count, seed).map((u) => (u < 0.5 ? Math.log(2 * u) : -Math.log(2 * (1 - u))));
}

/** Mean and population standard deviation, computed here independently of the module. */
function moments(values: ArrayLike<number>): { mean: number; sd: number } {
  const list = Array.from(values);
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  return { mean, sd: Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length) };
}

/** J(x) + J(r_y) − J(y) − J(r_x) by brute force from the formula in Hyvärinen (1998) and Hyvärinen & Smith (2013). */
function bruteRatio(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = moments(a);
  const mb = moments(b);
  const x = Array.from(a, (v) => (v - ma.mean) / ma.sd);
  const y = Array.from(b, (v) => (v - mb.mean) / mb.sd);
  const rho = x.reduce((s, v, i) => s + v * y[i]!, 0) / x.length;
  const scale = Math.sqrt(1 - rho * rho);
  const j = (u: number[]) => {
    const logCosh = u.reduce((s, v) => s + Math.log(Math.cosh(v)), 0) / u.length;
    const gauss = u.reduce((s, v) => s + v * Math.exp((-v * v) / 2), 0) / u.length;
    return 79.047 * (logCosh - 0.37457) ** 2 + 7.4129 * gauss ** 2;
  };
  const ry = y.map((v, i) => (v - rho * x[i]!) / scale);
  const rx = x.map((v, i) => (v - rho * y[i]!) / scale);
  return j(x) + j(ry) - j(y) - j(rx);
}

describe("negentropy", () => {
  test("is about 0 for Gaussian draws and positive for Laplace draws", () => {
    const term = (u: Float64Array) => [
      u.reduce((s, v) => s + Math.log(Math.cosh(v)), 0) / u.length,
      u.reduce((s, v) => s + v * Math.exp((-v * v) / 2), 0) / u.length,
    ];
    const [g1, g2] = term(makeGaussian(100_000, 1));
    expect(negentropy(g1!, g2!)).toBeLessThan(1e-3);
    const draws = laplace(100_000, 2);
    const sd = moments(draws).sd;
    const [l1, l2] = term(draws.map((v) => v / sd));
    // Laplace's negentropy is 0.5·log(πe) − (1 + log 2)·… ≈ 0.07; the approximation gives the same order.
    expect(negentropy(l1!, l2!)).toBeGreaterThan(0.02);
  });
});

describe("entropyRatio", () => {
  test("matches the formula computed by brute force, and is antisymmetric", () => {
    const a = laplace(4000, 3);
    const b = a.map((v, i) => 0.8 * v + 0.5 * Math.sin(i * 1.7));
    const evidence = pairLayerEvidence(a, b)!;
    expect(evidence.entropy!.ratio).toBeCloseTo(bruteRatio(a, b), 9);
    expect(pairLayerEvidence(b, a)!.entropy!.ratio).toBeCloseTo(-evidence.entropy!.ratio, 9);
  });

  test("the standard error is the spread of the blocks' ratios over √blocks", () => {
    const a = laplace(ENTROPY_BLOCKS * 100, 4);
    const b = a.map((v, i) => v + 0.3 * Math.cos(i));
    const { mean, sd } = moments(a);
    const mb = moments(b);
    const rho = Array.from(a).reduce((s, v, i) => s + ((v - mean) / sd) * ((b[i]! - mb.mean) / mb.sd), 0) / a.length;
    const result = entropyRatio(a, b, { meanA: mean, invA: 1 / sd, meanB: mb.mean, invB: 1 / mb.sd, rho })!;
    // Each block's ratio with the layer's standardization and ρ (not the block's own).
    const blockRatio = (start: number, end: number) => {
      const x = Array.from(a.subarray(start, end), (v) => (v - mean) / sd);
      const y = Array.from(b.subarray(start, end), (v) => (v - mb.mean) / mb.sd);
      const s = Math.sqrt(1 - rho * rho);
      const j = (u: number[]) =>
        negentropy(u.reduce((t, v) => t + Math.log(Math.cosh(v)), 0) / u.length, u.reduce((t, v) => t + v * Math.exp((-v * v) / 2), 0) / u.length);
      return j(x) + j(y.map((v, i) => (v - rho * x[i]!) / s)) - j(y) - j(x.map((v, i) => (v - rho * y[i]!) / s));
    };
    const ratios = Array.from({ length: ENTROPY_BLOCKS }, (_, k) => blockRatio(k * 100, (k + 1) * 100));
    const m = ratios.reduce((s, v) => s + v, 0) / ratios.length;
    const se = Math.sqrt(ratios.reduce((s, v) => s + (v - m) ** 2, 0) / (ratios.length - 1) / ratios.length);
    expect(result.standardError).toBeCloseTo(se, 9);
  });

  test("a Laplace parent plus an independent Gaussian update points parent → child", () => {
    const parent = laplace(50_000, 5);
    const noise = makeGaussian(50_000, 6);
    const evidence = pairLayerEvidence(
      parent,
      parent.map((v, i) => v + 0.4 * noise[i]!),
    )!;
    expect(evidence.entropy!.ratio / evidence.entropy!.standardError).toBeGreaterThan(3);
  });

  test("no ratio without a residual (identical layers) or with too few values for two blocks", () => {
    const a = laplace(1000, 7);
    expect(pairLayerEvidence(a, a)!.entropy).toBeUndefined();
    expect(pairLayerEvidence(Float64Array.of(1, 2, 4, 3, 5), Float64Array.of(1, 3, 4, 2, 5))!.entropy).toBeUndefined();
  });
});
