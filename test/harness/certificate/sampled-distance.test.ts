import { expect, test } from "bun:test";
import type { Fingerprint } from "../../../src/index/fingerprint.ts";
import { SAMPLES_PER_LAYER } from "../../../src/index/fingerprint.ts";
import { sampledDistances } from "../../../src/harness/certificate/sampled-distance.ts";
import { layerStats, rootMeanSquareOf } from "../../../src/stats/layer-stats.ts";

/** A fingerprint of one distance layer whose whole weights are `weights` and whose samples are `samples`. */
function fingerprint(id: string, weights: Float32Array, samples: Float32Array): Fingerprint {
  return {
    id,
    path: `/${id}`,
    files: [],
    checksum: "",
    format: "safetensors",
    version: 0,
    architecture: "a",
    layers: [
      { name: "w", kind: "query", shape: [weights.length], distance: true, score: true },
      { name: "b", kind: "norm", shape: [2], distance: false, score: false },
    ],
    stats: [layerStats(weights, 0), layerStats(Float32Array.of(1, 2), 0)],
    samples,
  };
}

test("the mean part, its standard error and the max part's lower bound, by hand", () => {
  const a = new Float32Array(SAMPLES_PER_LAYER);
  const b = new Float32Array(SAMPLES_PER_LAYER);
  // |a − b| is 1 on half the samples and 3 on the other half: mean 2, sample variance 1·128/127.
  for (let s = 0; s < SAMPLES_PER_LAYER; s++) b[s] = s % 2 ? 1 : 3;
  const wa = Float32Array.of(-4, 0, 4, 0);
  const wb = Float32Array.of(-2, 0, 6, 0);
  const tree = [fingerprint("a", wa, a), fingerprint("b", wb, b)];
  const { mean, meanError, maxLow } = sampledDistances(tree);
  const rms = (rootMeanSquareOf(tree[0]!.stats[0]!) + rootMeanSquareOf(tree[1]!.stats[0]!)) / 2;
  expect(mean[1]).toBeCloseTo(2 / rms, 12);
  expect(mean[2]).toBe(mean[1]!);
  expect(meanError[1]).toBeCloseTo(Math.sqrt(SAMPLES_PER_LAYER / (SAMPLES_PER_LAYER - 1) / SAMPLES_PER_LAYER) / rms, 12);
  // Range over the tree: −4 … 6.
  expect(maxLow[1]).toBeCloseTo(3 / 10, 12);
  expect(mean[0]).toBe(0);
});

test("a constant layer tells nothing, as in the exact distance", () => {
  const w = Float32Array.of(1, 1, 1);
  const tree = [fingerprint("a", w, new Float32Array(SAMPLES_PER_LAYER).fill(1)), fingerprint("b", w, new Float32Array(SAMPLES_PER_LAYER).fill(1))];
  const { mean, maxLow } = sampledDistances(tree);
  expect(mean[1]).toBe(0);
  expect(maxLow[1]).toBe(0);
});
