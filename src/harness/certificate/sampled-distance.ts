/**
 * ℓ_FT of a tree's pairs as far as the fingerprints' seeded samples tell (issue #15):
 *
 * - the mean part, Σ over distance layers of mean |Δw| / the layer's RMS over the tree
 *   (tree-distance.ts "mean"), is estimated without bias by the mean |u − v| over a layer's
 *   samples, with a standard error from their spread (layers are sampled independently, so
 *   their errors add in quadrature);
 * - the max part, max over layers of max |Δw| / the layer's range over the tree, is only bounded
 *   from below: the largest sampled |u − v| is at most the layer's. Nothing in a sample bounds
 *   it from above (an L∞ difference has no sublinear sketch), so the default geometric ℓ_FT
 *   √(mean · max) gets a lower bound and no upper one from fingerprints alone.
 */
import { rootMeanSquareOf } from "../../stats/layer-stats.ts";
import { SAMPLES_PER_LAYER, type Fingerprint } from "../../index/fingerprint.ts";

/** Per pair (k × k, row-major) of one tree: the mean part's estimate and standard error, and the max part's lower bound. */
export interface SampledDistances {
  readonly mean: Float64Array;
  readonly meanError: Float64Array;
  readonly maxLow: Float64Array;
}

/** The sampled parts of ℓ_FT for the models of one tree (one architecture). */
export function sampledDistances(tree: readonly Fingerprint[]): SampledDistances {
  const k = tree.length;
  const first = tree[0]!;
  const distanceLayers = first.layers.flatMap((layer, l) => (layer.distance ? [l] : []));
  const mean = new Float64Array(k * k);
  const variance = new Float64Array(k * k);
  const maxLow = new Float64Array(k * k);
  distanceLayers.forEach((l, d) => {
    const rms = tree.reduce((sum, f) => sum + rootMeanSquareOf(f.stats[l]!), 0) / k;
    const range = Math.max(...tree.map((f) => f.stats[l]!.max)) - Math.min(...tree.map((f) => f.stats[l]!.min));
    if (!(rms > 0) || !(range > 0)) return; // as tree-distance.ts: a constant layer tells nothing
    const from = d * SAMPLES_PER_LAYER;
    for (let i = 0; i < k; i++) {
      const a = tree[i]!.samples;
      for (let j = i + 1; j < k; j++) {
        const b = tree[j]!.samples;
        let sum = 0;
        let squares = 0;
        let largest = 0;
        for (let s = from; s < from + SAMPLES_PER_LAYER; s++) {
          const diff = Math.abs(a[s]! - b[s]!);
          sum += diff;
          squares += diff * diff;
          if (diff > largest) largest = diff;
        }
        const m = sum / SAMPLES_PER_LAYER;
        const spread = Math.max(0, squares / SAMPLES_PER_LAYER - m * m) * (SAMPLES_PER_LAYER / (SAMPLES_PER_LAYER - 1));
        const at = i * k + j;
        mean[at] = mean[at]! + m / rms;
        variance[at] = variance[at]! + spread / SAMPLES_PER_LAYER / (rms * rms);
        maxLow[at] = Math.max(maxLow[at]!, largest / range);
      }
    }
  });
  const meanError = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      mean[j * k + i] = mean[i * k + j]!;
      meanError[i * k + j] = meanError[j * k + i] = Math.sqrt(variance[i * k + j]!);
      maxLow[j * k + i] = maxLow[i * k + j]!;
    }
  return { mean, meanError, maxLow };
}
