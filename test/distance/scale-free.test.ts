import { describe, expect, test } from "bun:test";
import { distanceCorrelation, distanceScaleFree, GAUSSIAN_SQUARE_PER_ABS, siblingGeometryDistance } from "../../src/distance/scale-free.ts";
import { pairLayerEvidence } from "../../src/direction/pair-evidence.ts";
import { obtuseShadows } from "../../src/distance/obtuse-siblings.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { layerStats } from "../../src/stats/layer-stats.ts";
import { distanceEuclidean } from "../../src/recover/tree-distance.ts";
import type { LayerJob, LayerResult } from "../../src/recover/layer-pass.ts";

/** One distance layer holding `models` (flat weights), reduced the way the layer pass reduces it (stats, mean |Δ|). */
function layer(models: readonly Float64Array[]): { job: LayerJob; result: LayerResult } {
  const n = models.length;
  const meanAbsDiff = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let x = 0; x < models[i]!.length; x++) sum += Math.abs(models[i]![x]! - models[j]![x]!);
      meanAbsDiff[i * n + j] = sum / models[i]!.length;
    }
  }
  const job = { roles: { distance: true, score: false, sketch: false }, tensors: models.map(() => ({})) } as unknown as LayerJob;
  const result = { stats: models.map((values) => layerStats(values)), meanAbsDiff, maxAbsDiff: new Float64Array(n * n) } as unknown as LayerResult;
  return { job, result };
}

const scaled = (values: Float64Array, by: number) => values.map((x) => x * by);
const plus = (a: Float64Array, b: Float64Array, by = 1) => a.map((x, i) => x + by * b[i]!);
const SIZE = 100_000;

describe("distanceScaleFree", () => {
  test("hand-computed: √((π/2)·mean|Δ|² − (r_u − r_v)²) / √(r_u·r_v) for one layer of two models", () => {
    const u = Float64Array.of(1, -1, 1, -1);
    const v = Float64Array.of(2, -2, 0, 0);
    const { job, result } = layer([u, v]);
    // mean |Δ| = (1 + 1 + 1 + 1) / 4 = 1; r_u = 1, r_v = √2.
    const expected = Math.sqrt(Math.max(0, GAUSSIAN_SQUARE_PER_ABS * 1 - (1 - Math.SQRT2) ** 2) / Math.SQRT2);
    const d = distanceScaleFree([0, 1], [job], [result]);
    expect(d[1]).toBeCloseTo(expected, 12);
    expect(d[2]).toBeCloseTo(expected, 12);
    expect(d[0]).toBe(0);
  });

  test("a uniform rescaling (a pure weight-decay shrink) is almost no distance; the plain Euclidean distance sees it in full", () => {
    const w = makeGaussian(SIZE, 1);
    const { job, result } = layer([w, scaled(w, 0.7)]);
    const free = distanceScaleFree([0, 1], [job], [result])[1]!;
    const euclidean = distanceEuclidean([0, 1], [job], [result])[1]!;
    expect(euclidean).toBeGreaterThan(0.2);
    expect(free).toBeLessThan(0.02);
  });

  test("Gaussian layers: the estimate from mean |Δ| matches the exact chord between the unit-norm layers within 2 %", () => {
    const w = makeGaussian(SIZE, 2);
    const v = plus(scaled(w, 0.9), makeGaussian(SIZE, 3), 0.3);
    const { job, result } = layer([w, v]);
    const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
    const [nw, nv] = [norm(w), norm(v)];
    const exact = Math.sqrt(w.reduce((s, x, i) => s + (x / nw - v[i]! / nv) ** 2, 0));
    expect(distanceScaleFree([0, 1], [job], [result])[1]! / exact).toBeCloseTo(1, 1);
  });

  test("siblings that share only a shrink: obtuse at the short one by the plain distance, a right angle once scale is removed", () => {
    // Parent w; both children decay (×0.9, ×0.6: the long run decays more) and add independent updates.
    const w = makeGaussian(SIZE, 4);
    const short = plus(scaled(w, 0.9), makeGaussian(SIZE, 5), 0.1);
    const long = plus(scaled(w, 0.6), makeGaussian(SIZE, 6), 0.3);
    const { job, result } = layer([w, short, long]);
    const plain = obtuseShadows(distanceEuclidean([0, 1, 2], [job], [result]), 3, true);
    const free = obtuseShadows(distanceScaleFree([0, 1, 2], [job], [result]), 3, true);
    // Row = parent, column = child: the plain angles rule out short → long (the shared shrink lines them up), the scale-free ones nothing.
    expect(plain[1 * 3 + 2]).toBe(1);
    expect([...free].every((x) => x === 0)).toBe(true);
  });

  test("siblingGeometryDistance: euclidean is distanceEuclidean, scale-free is distanceScaleFree", () => {
    const w = makeGaussian(1000, 7);
    const { job, result } = layer([w, scaled(w, 0.5), plus(w, makeGaussian(1000, 8))]);
    expect([...siblingGeometryDistance("euclidean", [0, 1, 2], [job], [result])]).toEqual([...distanceEuclidean([0, 1, 2], [job], [result])]);
    expect([...siblingGeometryDistance("scale-free", [0, 1, 2], [job], [result])]).toEqual([...distanceScaleFree([0, 1, 2], [job], [result])]);
  });

  test("siblingGeometryDistance: correlation (no pair read here) is scale-free", () => {
    const w = makeGaussian(1000, 7);
    const { job, result } = layer([w, scaled(w, 0.5), plus(w, makeGaussian(1000, 8))]);
    expect([...siblingGeometryDistance("correlation", [0, 1, 2], [job], [result])]).toEqual([...distanceScaleFree([0, 1, 2], [job], [result])]);
  });
});

describe("distanceCorrelation", () => {
  test("hand-computed: √Σ 2(1 − ρ) over layers; a layer without evidence adds nothing", () => {
    // u and v centred, |u| = |v| = 2: ρ = ⟨u, v⟩ / 4 = 0 for layer one; layer two identical up to scale (ρ = 1).
    const u = Float64Array.of(1, -1, 1, -1);
    const v = Float64Array.of(1, 1, -1, -1);
    const layersOf = () => [pairLayerEvidence(u, v), pairLayerEvidence(u, scaled(u, 3)), undefined];
    const d = distanceCorrelation(2, layersOf);
    expect(d[1]).toBeCloseTo(Math.sqrt(2), 12);
    expect(d[2]).toBeCloseTo(Math.sqrt(2), 12);
    expect(d[0]).toBe(0);
  });

  test("Gaussian layers: matches distanceScaleFree's estimate within 2 % (both measure the chord between unit-norm layers)", () => {
    const w = makeGaussian(SIZE, 9);
    const child = plus(scaled(w, 0.8), makeGaussian(SIZE, 10), 0.2);
    const { job, result } = layer([w, child]);
    const exact = distanceCorrelation(2, () => [pairLayerEvidence(w, child)])[1]!;
    const estimate = distanceScaleFree([0, 1], [job], [result])[1]!;
    expect(Math.abs(exact / estimate - 1)).toBeLessThan(0.02);
  });

  test("a uniform rescaling (a pure weight-decay shrink) is no distance at all", () => {
    const w = makeGaussian(SIZE, 11);
    expect(distanceCorrelation(2, () => [pairLayerEvidence(w, scaled(w, 0.7))])[1]).toBeLessThan(1e-6);
  });
});
