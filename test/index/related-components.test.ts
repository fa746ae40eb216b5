import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { discoverModels } from "../../src/io/discover-models.ts";
import { readTensor } from "../../src/io/read-safetensors.ts";
import { layerStats, rootMeanSquareOf } from "../../src/stats/layer-stats.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { RELATED_BELOW, quantileOfSorted } from "../../src/recover/cluster-models.ts";
import { fingerprintLayers, fingerprintModel, SAMPLES_PER_LAYER } from "../../src/index/fingerprint.ts";
import {
  comparableOf,
  estimatedRelativeDistance,
  exactNeighbours,
  nearestNeighbours,
  relatedComponentsOf,
  relatedComponentsYielding,
  type Comparable,
} from "../../src/index/related-components.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-related-");

/** Exact relative distance from whole layers, by brute force (the rule of cluster-models.ts). */
async function exactRelative(a: Parameters<typeof fingerprintLayers>[0], b: Parameters<typeof fingerprintLayers>[0]): Promise<number> {
  const [la, lb] = [fingerprintLayers(a).filter((p) => p.layer.distance), fingerprintLayers(b).filter((p) => p.layer.distance)];
  const values = new Float64Array(la.length);
  for (let l = 0; l < la.length; l++) {
    const [u, v] = [await readTensor(la[l]!.tensor), await readTensor(lb[l]!.tensor)];
    let sum = 0;
    for (let i = 0; i < u.length; i++) sum += Math.abs(u[i]! - v[i]!);
    values[l] = sum / u.length / ((rootMeanSquareOf(layerStats(u, 0)) + rootMeanSquareOf(layerStats(v, 0))) / 2);
  }
  return quantileOfSorted(values.sort(), 0.25);
}

/**
 * `clusters` trees of `size` models each: a Gaussian centre per tree (seed centreSeed + tree) plus `spread` times
 * Gaussian noise per model (seed noiseSeed + tree · size + model), in tree order; `interleaved` deals them out one
 * per tree in turn, so that neighbours are not neighbours in index order.
 */
function clusteredModels(
  clusters: number,
  size: number,
  layers: number,
  spread: number,
  centreSeed: number,
  noiseSeed: number,
  interleaved: boolean,
): Comparable[] {
  const models: Comparable[] = [];
  for (let c = 0; c < clusters; c++) {
    const centre = makeGaussian(layers * SAMPLES_PER_LAYER, centreSeed + c);
    for (let m = 0; m < size; m++) {
      const noise = makeGaussian(layers * SAMPLES_PER_LAYER, noiseSeed + c * size + m);
      models.push({ samples: Float32Array.from(centre, (x, i) => x + spread * noise[i]!), rms: new Float64Array(layers).fill(1) });
    }
  }
  if (!interleaved) return models;
  return Array.from({ length: models.length }, (_, i) => models[(i % clusters) * size + Math.floor(i / clusters)]!);
}

describe("related components from fingerprints", () => {
  test("the estimate follows the exact relative distance, and the components are the exact rule's", async () => {
    const set = join(dir, "trees");
    await writeSyntheticTrees(
      set,
      ["a", "b", "c"].map((root) => ({ root, children: 2, grandchildren: 2 })),
      { hidden: 48, blocks: 2 },
    );
    const models = await discoverModels([set]);
    const comparables = await Promise.all(models.map(async (m) => comparableOf(await fingerprintModel(m))));
    for (let i = 0; i < models.length; i++) {
      for (let j = i + 1; j < models.length; j++) {
        const exact = await exactRelative(models[i]!, models[j]!);
        const estimate = estimatedRelativeDistance(comparables[i]!, comparables[j]!);
        expect(Math.abs(estimate - exact)).toBeLessThan(0.15);
        expect(estimate < RELATED_BELOW).toBe(exact < RELATED_BELOW);
      }
    }
    const { components, search } = relatedComponentsOf(comparables);
    expect(search).toBe("every pair");
    expect(components.map((c) => c.map((m) => models[m]!.id[0]))).toEqual([
      ["a", "a", "a", "a", "a", "a", "a"],
      ["b", "b", "b", "b", "b", "b", "b"],
      ["c", "c", "c", "c", "c", "c", "c"],
    ]);
    expect(relatedComponentsOf(comparables, { everyPairUpTo: 0 })).toEqual({ components, search: "nearest neighbours" });
  });

  test("nearest neighbours find the same components as every pair on 25 clusters of 20", () => {
    const shuffled = clusteredModels(25, 20, 4, 0.3, 1000, 50_000, true);
    const every = relatedComponentsOf(shuffled, { everyPairUpTo: Infinity });
    const nearest = relatedComponentsOf(shuffled, { everyPairUpTo: 0 });
    const hnsw = relatedComponentsOf(shuffled, { everyPairUpTo: 0, exactNeighboursUpTo: 0 });
    expect(every.components).toHaveLength(25);
    expect(nearest.components).toEqual(every.components);
    expect(hnsw.components).toEqual(every.components);
  });

  test("the exact search finds each model's k nearest by squared L2 over the search vectors (a scan of every pair as the oracle)", () => {
    const layers = 3;
    const models: Comparable[] = Array.from({ length: 90 }, (_, i) => ({
      samples: Float32Array.from(makeGaussian(layers * SAMPLES_PER_LAYER, 400 + (i % 30)), (x, s) => x + 0.05 * Math.sin(i * 7 + s)),
      rms: Float64Array.of(1, 2, 0.5),
    }));
    const k = 5;
    const found = nearestNeighbours(models, k);
    // The search vectors: the first floor(128 / layers) samples of each layer over its RMS.
    const perLayer = Math.floor(128 / layers);
    const vector = (m: Comparable) =>
      Array.from(
        { length: layers * perLayer },
        (_, d) => m.samples[Math.floor(d / perLayer) * SAMPLES_PER_LAYER + (d % perLayer)]! / m.rms[Math.floor(d / perLayer)]!,
      );
    const vectors = models.map(vector);
    for (let i = 0; i < models.length; i++) {
      const distances = vectors.map((v) => v.reduce((sum, x, d) => sum + Math.fround(x - vectors[i]![d]!) ** 2, 0));
      const kth = [...distances].sort((a, b) => a - b)[k]!;
      const row = [...found.subarray(i * (k + 1), (i + 1) * (k + 1))];
      expect(row).toContain(i);
      // Every neighbour found is among the k + 1 nearest (ties at the k-th distance either way), within f32 rounding.
      for (const j of row) expect(distances[j]!).toBeLessThanOrEqual(kth * (1 + 1e-4) + 1e-9);
    }
  });

  test("tight, far-apart trees inserted tree after tree are all found (no HNSW island is left out)", () => {
    // The 3,000-model benchmark set once left one tree of 20 unreachable to the graph's greedy search.
    const models = clusteredModels(150, 20, 4, 0.1, 7000, 90_000, false);
    const { components } = relatedComponentsOf(models, { everyPairUpTo: 0, exactNeighboursUpTo: 0 });
    expect(components).toEqual(Array.from({ length: 150 }, (_, c) => Array.from({ length: 20 }, (_, m) => c * 20 + m)));
  });

  test("each model is its own nearest neighbour and the list has k + 1 entries", () => {
    const models: Comparable[] = Array.from({ length: 30 }, (_, i) => ({
      samples: Float32Array.from(makeGaussian(2 * SAMPLES_PER_LAYER, i)),
      rms: Float64Array.of(1, 1),
    }));
    for (const exactUpTo of [Infinity, 0]) {
      const found = nearestNeighbours(models, 4, exactUpTo);
      expect(found.length).toBe(30 * 5);
      for (let i = 0; i < 30; i++) expect(found[i * 5]).toBe(i);
    }
  });

  test("found in slices between turns of the event loop, the components are those of one pass (513 models: a last slice of one)", async () => {
    const shuffled = clusteredModels(27, 19, 3, 0.3, 3000, 70_000, true);
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const yielding = await relatedComponentsYielding(shuffled, { everyPairUpTo: 0, exactNeighboursUpTo: 0 });
    clearInterval(ticking);
    expect(yielding.search).toBe("nearest neighbours");
    expect(yielding.components).toEqual(relatedComponentsOf(shuffled, { everyPairUpTo: Infinity }).components);
    expect(yielding.components).toHaveLength(27);
    expect(turns).toBeGreaterThan(0); // other work ran in between
    for (const exactUpTo of [Infinity, 0]) {
      const neighbours = nearestNeighbours(shuffled, 4, exactUpTo);
      for (let i = 0; i < 513; i++) expect(neighbours[i * 5]).toBe(i);
    }
    expect((await relatedComponentsYielding(shuffled, { everyPairUpTo: 0 })).components).toEqual(yielding.components);
  });
});

describe("exactNeighbours", () => {
  test("gives the first `count` of every vector sorted by squared L2 to vector i, ties in index order, itself first", () => {
    const dimensions = 6;
    for (const seed of [1, 2, 3]) {
      // Values on a coarse grid, so that many distances tie exactly.
      const vectors = Float32Array.from(makeGaussian(300 * dimensions, seed), (x) => Math.round(x * 2) / 2);
      for (const i of [0, 7, 150, 299]) {
        const distances = Array.from({ length: 300 }, (_, j) => {
          let sum = 0;
          for (let d = 0; d < dimensions; d++) sum += (vectors[i * dimensions + d]! - vectors[j * dimensions + d]!) ** 2;
          return j === i ? -1 : sum;
        });
        const sorted = Array.from({ length: 300 }, (_, j) => j).sort((a, b) => distances[a]! - distances[b]! || a - b);
        expect(new Set(distances).size).toBeLessThan(250); // ties there are
        for (const count of [1, 17, 300, 400]) expect([...exactNeighbours(vectors, dimensions, i, count)]).toEqual(sorted.slice(0, count));
      }
    }
  });
});
