/**
 * Elementwise layer distances between two models (paper §4.1 and §6 setup):
 *
 * - ℓ_FT's per-layer term: max |u_l − v_l| after min-max normalising layer l with its min and
 *   max over all models of the set. Normalisation is the same affine map for every model, so
 *   max |norm(a) − norm(b)| = max |a − b| / (max − min): no normalised copy is ever made.
 * - The clustering distance's per-layer term: mean |u_l − v_l| (paper: L1 distance).
 *
 * All kernels read both arrays once, in f64.
 */
import { MotherError } from "../errors.ts";

type Weights = Float32Array | Float64Array;

/** Smallest and largest value of a layer; combine over models to normalise a layer set-wide. */
export function layerMinMax(values: Weights): { min: number; max: number } {
  if (values.length === 0) throw new MotherError("layerMinMax", "empty layer has no range");
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/** max |a − b| and mean |a − b| in one pass (both distance terms of a layer pair). */
export function absoluteDifference(a: Weights, b: Weights): { max: number; mean: number } {
  checkSameLength(a, b);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: a.length === 0 ? 0 : sum / a.length };
}

/**
 * max |norm(a) − norm(b)| under min-max normalisation to [0, 1] with the layer's `min`/`max`
 * over all models of the set, i.e. max |a − b| / (max − min). A layer constant across the whole
 * set (max = min) contributes 0.
 */
export function maxAbsDiffNormalized(a: Weights, b: Weights, min: number, max: number): number {
  const range = max - min;
  if (!(range >= 0)) throw new MotherError("maxAbsDiffNormalized", "layer range is negative or NaN", { value: `[${min}, ${max}]` });
  if (range === 0) return 0;
  return absoluteDifference(a, b).max / range;
}

/** mean |a − b| (L1 distance per weight), the clustering distance's layer term. */
export function meanAbsDiff(a: Weights, b: Weights): number {
  return absoluteDifference(a, b).mean;
}

function checkSameLength(a: Weights, b: Weights): void {
  if (a.length !== b.length) {
    throw new MotherError("elementwise distance", "layers differ in size", { value: `${a.length} vs ${b.length}`, help: "models with different shapes belong to different trees" });
  }
}
