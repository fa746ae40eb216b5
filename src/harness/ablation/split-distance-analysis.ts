/**
 * Fig. 2 measurement on one split:
 *
 *   per true tree: 1. D over its models (recovery's own ℓ, normalised over the tree)
 *                  2. hop counts in the true tree
 *                  3. within-tree pairs → correlations, nearest-neighbour rate
 *   pooled:        the pairs of all trees together
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";
import type { SplitName } from "../vthr/vthr-settings.ts";
import { distanceCorrelation, nearestNeighbourIsTreeNeighbour, withinTreePairs } from "./distance-correlation.ts";
import type { SplitDistanceResult, TreeDistanceResult } from "./fig2-distance-report.ts";
import { pickModels } from "./recover-scored.ts";
import { treeEdgeDistances } from "./tree-edge-distance.ts";
import { weightDistanceMatrix } from "./weight-distance-matrix.ts";

/** Measures every tree of `truth` with `distance`. */
export async function splitDistanceAnalysis(
  split: SplitName,
  models: readonly ModelSource[],
  truth: TruthGraph,
  distance: DistanceChoice,
): Promise<SplitDistanceResult> {
  const trees: TreeDistanceResult[] = [];
  let nearestCredit = 0;
  for (const root of [...new Set(truth.models.map((m) => m.tree))]) {
    const ids = truth.models.filter((m) => m.tree === root).map((m) => m.id);
    const weights = await weightDistanceMatrix(pickModels(models, ids), { distance: distance === "mixed" ? "auto" : distance });
    const hops = treeEdgeDistances(truth, ids);
    const n = ids.length;
    const pairs = withinTreePairs(weights.matrix, hops, n).map(({ i, j, edgeDistance, weightDistance }) => ({
      a: ids[i]!,
      b: ids[j]!,
      edgeDistance,
      weightDistance,
    }));
    const nearestIsNeighbour = nearestNeighbourIsTreeNeighbour(weights.matrix, hops, n);
    nearestCredit += nearestIsNeighbour * n;
    trees.push({ root, pairs, correlation: distanceCorrelation(pairs), nearestIsNeighbour });
  }
  return {
    split,
    distance,
    trees,
    pooled: distanceCorrelation(trees.flatMap((t) => t.pairs)),
    nearestIsNeighbour: nearestCredit / truth.models.length,
  };
}
