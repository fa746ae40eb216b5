/**
 * Paper Fig. 2 as numbers: how well weight distance tracks the number of tree edges
 * between two models of the same tree.
 *
 *   within-tree pairs (edge distance, weight distance)
 *     ├─ Spearman and Pearson ρ over all pairs
 *     ├─ mean ± std of the weight distance per edge distance, and Pearson ρ of those means
 *     │   (the paper plots one point per edge distance; its ρ may be over either)
 *     └─ nearest-neighbour rate: how often a model's closest model is its parent or child
 */
import { pearsonCorrelation, spearmanCorrelation } from "../../stats/correlation.ts";
import { meanAndStd, type MeanAndStd } from "./mean-and-std.ts";

/** One within-tree pair. */
export interface DistancePair {
  readonly edgeDistance: number;
  readonly weightDistance: number;
}

export interface DistanceCorrelation {
  readonly pairs: number;
  readonly spearman: number;
  readonly pearson: number;
  /** Weight distance per edge distance, in increasing edge distance. */
  readonly byEdgeDistance: readonly ({ edgeDistance: number } & MeanAndStd)[];
  /** Pearson ρ between edge distance and the per-distance mean weight distance. */
  readonly pearsonOfMeans: number;
}

/** Correlations of a set of pairs (NaN when either side is constant). */
export function distanceCorrelation(pairs: readonly DistancePair[]): DistanceCorrelation {
  const edge = Float64Array.from(pairs, (p) => p.edgeDistance);
  const weight = Float64Array.from(pairs, (p) => p.weightDistance);
  const distances = [...new Set(edge)].sort((a, b) => a - b);
  const byEdgeDistance = distances.map((d) => ({ edgeDistance: d, ...meanAndStd(pairs.filter((p) => p.edgeDistance === d).map((p) => p.weightDistance)) }));
  return {
    pairs: pairs.length,
    spearman: pairs.length > 1 ? spearmanCorrelation(edge, weight) : Number.NaN,
    pearson: pairs.length > 1 ? pearsonCorrelation(edge, weight) : Number.NaN,
    byEdgeDistance,
    pearsonOfMeans:
      distances.length > 1
        ? pearsonCorrelation(
            distances,
            byEdgeDistance.map((b) => b.mean),
          )
        : Number.NaN,
  };
}

/** The within-tree pairs (row i < column j) of an n×n weight matrix and an n×n hop matrix (−1 = other tree). */
export function withinTreePairs(weights: Float64Array, hops: Int32Array, n: number): (DistancePair & { i: number; j: number })[] {
  const pairs: (DistancePair & { i: number; j: number })[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const edgeDistance = hops[i * n + j]!;
      if (edgeDistance > 0) pairs.push({ i, j, edgeDistance, weightDistance: weights[i * n + j]! });
    }
  }
  return pairs;
}

/**
 * Mean over models of "the model nearest by weight distance is a tree neighbour (parent or
 * child)". Ties (common for the integer ℓ_LoRA) get fractional credit: the share of the tied
 * nearest models that are neighbours, i.e. the chance a random tie-break picks one.
 * Only models of the same tree (hops > 0) are candidates.
 */
export function nearestNeighbourIsTreeNeighbour(weights: Float64Array, hops: Int32Array, n: number): number {
  let credit = 0;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) if (hops[i * n + j]! > 0) best = Math.min(best, weights[i * n + j]!);
    if (best === Infinity) continue;
    let tied = 0;
    let neighbours = 0;
    for (let j = 0; j < n; j++) {
      if (hops[i * n + j]! > 0 && weights[i * n + j] === best) {
        tied++;
        if (hops[i * n + j] === 1) neighbours++;
      }
    }
    credit += neighbours / tied;
    counted++;
  }
  return counted > 0 ? credit / counted : Number.NaN;
}
