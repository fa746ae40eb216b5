/**
 * Elementwise layer distances between two models (paper §4.1 and §6 setup), in one pass:
 *
 * - ℓ_FT's per-layer term is max |u_l − v_l| after min-max normalising layer l with its min and
 *   max over the models of the tree. Normalisation is the same affine map for every model, so
 *   max |norm(a) − norm(b)| = max |a − b| / (max − min): recovery keeps the raw max and divides
 *   per tree (src/recover/tree-distance.ts), no normalised copy is ever made.
 * - The clustering distance's per-layer term is mean |u_l − v_l| (paper: L1 distance).
 */
import { assert } from "../errors.ts";

type Weights = Float32Array | Float64Array;

/** max |a − b| and mean |a − b| in one pass over both arrays (f64 accumulation). */
export function absoluteDifference(a: Weights, b: Weights): { max: number; mean: number } {
  // Models with different shapes are in different architecture groups, never compared.
  assert(a.length === b.length, `elementwise distance: layers differ in size (${a.length} vs ${b.length})`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: a.length === 0 ? 0 : sum / a.length };
}
