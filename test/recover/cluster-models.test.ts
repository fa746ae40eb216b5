import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { RELATED_BELOW, relatedComponents, relativeDistance } from "../../src/recover/cluster-models.ts";
import type { LayerJob, LayerResult } from "../../src/recover/layer-pass.ts";
import { absoluteDifference } from "../../src/distance/elementwise-distance.ts";
import { layerStats } from "../../src/stats/layer-stats.ts";
import { makeGaussian, makeUniform } from "../../src/recover/seeded-random.ts";
import { samePartition } from "../fixtures/same-partition.ts";

/** The pass's view of `models` (each a list of layers), every layer a distance layer. */
function passOf(models: readonly Float64Array[][]): { jobs: LayerJob[]; pass: LayerResult[] } {
  const n = models.length;
  const layers = models[0]!.length;
  const jobs: LayerJob[] = [];
  const pass: LayerResult[] = [];
  for (let l = 0; l < layers; l++) {
    const meanAbsDiff = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) meanAbsDiff[i * n + j] = i === j ? 0 : absoluteDifference(models[i]![l]!, models[j]![l]!).mean;
    jobs.push({
      name: `layer${l}`,
      kind: "query",
      shape: [models[0]![l]!.length],
      tensors: [],
      roles: { distance: true, score: true, sketch: false },
      sketchSize: 0,
      histogramBins: 0,
    });
    pass.push({
      name: `layer${l}`,
      stats: models.map((m) => layerStats(m[l]!, 0)),
      maxAbsDiff: new Float64Array(n * n),
      meanAbsDiff,
      sketches: [],
      zeroFraction: models.map(() => 0),
      gridLevels: models.map(() => 0),
    });
  }
  return { jobs, pass };
}

/**
 * A forest of random-walk model trees: independent roots (Gaussian or uniform weights at a
 * per-tree scale), children and grandchildren one fine-tuning step away, steps varied 20×
 * (0.5 % to 10 % of the weights' RMS), and none at all in one layer of six (a frozen layer).
 */
function forest(trees: number, children: number, grandchildren: number, seed: number): { models: Float64Array[][]; truth: number[] } {
  const layers = 6;
  const size = 300;
  const uniform = makeUniform(10_000, seed);
  let next = 0;
  const draw = () => uniform[next++ % uniform.length]!;
  const models: Float64Array[][] = [];
  const truth: number[] = [];
  const step = (from: Float64Array[]) => {
    const stepSize = 0.005 + 0.095 * draw();
    return from.map((layer, l) => {
      if (l === 0) return layer.slice(); // a frozen layer
      const rms = Math.sqrt(layer.reduce((sum, y) => sum + y * y, 0) / layer.length);
      const noise = makeGaussian(size, seed + 7 * next + l);
      return layer.map((x, k) => x + stepSize * rms * noise[k]!);
    });
  };
  for (let t = 0; t < trees; t++) {
    const scale = 0.01 + draw();
    const gaussianRoot = draw() < 0.5;
    const root = Array.from({ length: layers }, (_, l) => {
      const noise = gaussianRoot ? makeGaussian(size, seed * 101 + t * 13 + l) : makeUniform(size, seed * 101 + t * 13 + l).map((u) => 2 * u - 1);
      return noise.map((x) => scale * x);
    });
    models.push(root);
    truth.push(t);
    for (let c = 0; c < children; c++) {
      const child = step(root);
      models.push(child);
      truth.push(t);
      for (let g = 0; g < grandchildren; g++) {
        models.push(step(child));
        truth.push(t);
      }
    }
  }
  return { models, truth };
}

describe("relativeDistance", () => {
  test("independent weights sit near 2/√π ≈ 1.13 of their RMS, whatever their scale", () => {
    for (const scale of [1e-3, 0.05, 30]) {
      const { jobs, pass } = passOf([0, 1].map((m) => [Float64Array.from(makeGaussian(20_000, 3 + m), (x) => scale * x)]));
      expect(relativeDistance(2, jobs, pass)[1]).toBeCloseTo(2 / Math.sqrt(Math.PI), 1);
    }
  });

  test("is the lower quartile over layers, so layers a LoRA fine-tune left untouched keep a pair at 0", () => {
    const base = Array.from({ length: 4 }, (_, l) => makeGaussian(500, 10 + l));
    const lora = base.map((layer, l) => (l === 0 ? makeGaussian(500, 99) : layer.slice()));
    const { jobs, pass } = passOf([base, lora]);
    expect(relativeDistance(2, jobs, pass)[1]).toBe(0);
  });
});

describe("relatedComponents", () => {
  test("links chains: a–b and b–c below the threshold put a, b, c in one tree even when a–c is not", () => {
    const d = Float64Array.from([0, 0.5, 0.9, 1.1, 0.5, 0, 0.5, 1.1, 0.9, 0.5, 0, 1.1, 1.1, 1.1, 1.1, 0]);
    expect([...relatedComponents(d, 4)]).toEqual([0, 0, 0, 1]);
    expect([...relatedComponents(d, 4, 0.4)]).toEqual([0, 1, 2, 3]);
  });

  test("recovers every random forest exactly, from any sample of its models — two models or many", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 2, max: 40 }),
        (trees, children, grandchildren, seed, sample) => {
          const { models, truth } = forest(trees, children, grandchildren, seed);
          // A sample that keeps only some models of a tree still has them related: they share the root's weights.
          const keep = Array.from({ length: models.length }, (_, i) => i).filter((i) => (i * 7919 + seed) % models.length < sample);
          if (keep.length < 2) return;
          const { jobs, pass } = passOf(keep.map((i) => models[i]!));
          const labels = relatedComponents(relativeDistance(keep.length, jobs, pass), keep.length);
          expect(
            samePartition(
              labels,
              keep.map((i) => truth[i]!),
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("the threshold sits between what fine-tuning and independent training give", () => {
    expect(RELATED_BELOW).toBeGreaterThan(0.58);
    expect(RELATED_BELOW).toBeLessThan(1.03);
  });
});
