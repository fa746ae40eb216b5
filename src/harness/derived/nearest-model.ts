/**
 * Which model a copy is closest to, by the two weight distances recovery uses: ℓ_FT (max
 * |Δw| per layer, min-max normalised per layer over the tree, max over layers — SPEC §2) and
 * the clustering's mean |Δw| (here normalised the same way, mean over layers). If a copy's
 * nearest model is its source, "attach every recognised copy as a leaf under its nearest
 * model" would place it right without touching the tree.
 */

/** One model's distance layers, in the same order for every model. */
export interface LayeredModel {
  readonly id: string;
  readonly layers: readonly (Float32Array | Float64Array)[];
}

/** Per layer, max − min over every value of every model (0 guarded to 1). */
export function layerRanges(models: readonly LayeredModel[]): number[] {
  const count = models[0]?.layers.length ?? 0;
  return Array.from({ length: count }, (_, l) => {
    let min = Infinity;
    let max = -Infinity;
    for (const model of models)
      for (const v of model.layers[l]!) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    return max > min ? max - min : 1;
  });
}

/** Normalised ℓ_FT (max over layers of max |Δ| / range) and mean over layers of mean |Δ| / range. */
export function normalisedDistances(a: LayeredModel, b: LayeredModel, ranges: readonly number[]): { max: number; mean: number } {
  let worst = 0;
  let meanSum = 0;
  a.layers.forEach((layer, l) => {
    const other = b.layers[l]!;
    if (other.length !== layer.length) throw new RangeError(`layer ${l}: ${a.id} has ${layer.length} values, ${b.id} ${other.length}`);
    let layerMax = 0;
    let layerSum = 0;
    for (let i = 0; i < layer.length; i++) {
      const d = Math.abs(layer[i]! - other[i]!);
      if (d > layerMax) layerMax = d;
      layerSum += d;
    }
    worst = Math.max(worst, layerMax / ranges[l]!);
    meanSum += layerSum / layer.length / ranges[l]!;
  });
  return { max: worst, mean: a.layers.length === 0 ? 0 : meanSum / a.layers.length };
}

/** The candidate nearest to `copy` by each distance (first in order on a tie). */
export function nearestModel(copy: LayeredModel, candidates: readonly LayeredModel[], ranges: readonly number[]): { byMax: string; byMean: string } {
  let byMax = { id: "", d: Infinity };
  let byMean = { id: "", d: Infinity };
  for (const candidate of candidates) {
    const d = normalisedDistances(copy, candidate, ranges);
    if (d.max < byMax.d) byMax = { id: candidate.id, d: d.max };
    if (d.mean < byMean.d) byMean = { id: candidate.id, d: d.mean };
  }
  return { byMax: byMax.id, byMean: byMean.id };
}
