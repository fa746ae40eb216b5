/**
 * A scale-free Euclidean distance for the sibling-angle rule (obtuse-siblings.ts): the
 * distance between two models' layers after each layer of each model is divided by its own
 * norm, i.e. the chord between their directions, √Σ_l |u_l/|u_l| − v_l/|v_l||².
 *
 * Why: a change of a layer's scale moves every fine-tune of one parent along the same
 * direction. Decoupled weight decay (AdamW) multiplies all weights by (1 − lr·wd) each step, so
 * every child of one parent shrinks along −w, whatever its data: two independent updates then
 * share a component, siblings lean toward each other and the steps of a chain look straight —
 * the obtuse angles the rule reads as "a short sibling drifting toward a long one". Removing
 * each layer's scale removes that shared radial component (exactly, for a uniform rescaling)
 * and keeps the direction of the update, which is what differs between independent fine-tunes.
 *
 * From what the layer pass keeps (no new pass over weights): per pair and layer mean |Δ|, per
 * model the layer's RMS. With n weights, |u − v|² = n·msd and |u|·|v| = n·r_u·r_v, so
 * |u/|u| − v/|v||² = (msd − (r_u − r_v)²) / (r_u·r_v). The pass keeps mean |Δ|, not msd: a
 * Gaussian Δ has msd = (π/2)·(mean |Δ|)², the estimate used here (heavier tails raise the factor;
 * on the language-model families of sets 0–3 any factor from 1 to 3 gives the same trees).
 */
import type { LayerJob, LayerResult } from "../recover/layer-pass.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import { distanceEuclidean } from "../recover/tree-distance.ts";
import type { SiblingGeometry } from "./obtuse-siblings.ts";
import type { PairLayers } from "../direction/read-pair-evidence.ts";

/** msd / (mean |Δ|)² of a Gaussian difference: E|Δ| = σ·√(2/π). */
export const GAUSSIAN_SQUARE_PER_ABS = Math.PI / 2;

/**
 * k×k (row-major over `members`, indices into the group) scale-free distance: √ of the sum over
 * the distance layers of the squared chord between the two models' unit-norm layers (clamped at
 * 0 where the estimate of msd falls below the change of scale). Layers where a model is all zeros are skipped.
 */
export function distanceScaleFree(
  members: readonly number[],
  jobs: readonly Pick<LayerJob, "roles" | "tensors">[],
  pass: readonly Pick<LayerResult, "stats" | "meanAbsDiff">[],
): Float64Array {
  const k = members.length;
  const squares = new Float64Array(k * k);
  jobs.forEach((job, l) => {
    if (!job.roles.distance) return;
    const result = pass[l]!;
    const n = job.tensors.length;
    const rms = members.map((m) => rootMeanSquareOf(result.stats[m]!));
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        if (!(rms[i]! > 0 && rms[j]! > 0)) continue;
        const meanAbs = result.meanAbsDiff[members[i]! * n + members[j]!]!;
        const chord = Math.max(0, GAUSSIAN_SQUARE_PER_ABS * meanAbs * meanAbs - (rms[i]! - rms[j]!) ** 2) / (rms[i]! * rms[j]!);
        squares[i * k + j] = squares[j * k + i] = squares[i * k + j]! + chord;
      }
    }
  });
  return squares.map(Math.sqrt);
}

/**
 * k×k scale-free distance from the pair read (read-pair-evidence.ts, made for a pair rule: every weight matrix the
 * score reads, MLP as well as attention): √Σ_l 2(1 − ρ_l), ρ_l the correlation of the two models' layer l. 2(1 − ρ)
 * is the squared chord between the layers centred and at unit norm — distanceScaleFree's quantity, measured (no
 * Gaussian estimate from mean |Δ|) and over the MLP too, where most of a fine-tune's update lies. Layers constant
 * in either model (no evidence) are skipped. `layersOf(i, j)`, i < j, as PairLayers gives it.
 */
export function distanceCorrelation(k: number, layersOf: PairLayers["layersOf"]): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      let squares = 0;
      for (const layer of layersOf(i, j)) if (layer) squares += 2 * Math.max(0, 1 - layer.rho);
      out[i * k + j] = out[j * k + i] = Math.sqrt(squares);
    }
  }
  return out;
}

/**
 * The k×k distance the sibling-angle rule reads for `geometry` (`--sibling-geometry`): distanceEuclidean, or
 * distanceScaleFree — for "correlation" too, which needs the pair read (recover-cluster.ts reads it off that, where a
 * pair rule runs; scale-free stands in elsewhere).
 */
export function siblingGeometryDistance(
  geometry: SiblingGeometry,
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
): Float64Array {
  return geometry === "euclidean" ? distanceEuclidean(members, jobs, pass) : distanceScaleFree(members, jobs, pass);
}
