/**
 * Step 4 of recovery: split each architecture group into Model Trees by hierarchical
 * clustering (Ward) on the mean |Δ| between models (paper §5.2 "pairwise L1 distance"),
 * taken per layer and combined by the median over the distance layers.
 *
 * The tree count is shared across groups: every group is at least one tree, and asking for
 * N trees undoes the N − G highest merges across all the groups' dendrograms together —
 * the same cut a single dendrogram would make if groups were infinitely far apart.
 */
import type { ModelSource } from "../types.ts";
import { MotherError } from "../errors.ts";
import { chooseClusterCount, cutTree, hierarchicalClustering, type LinkageMatrix } from "../tree/hierarchical-clustering.ts";
import type { LayerJob, LayerResult } from "./layer-pass.ts";

/** One recovered tree: indices into its architecture group. */
export interface Cluster {
  readonly group: number;
  readonly members: number[];
}

/** Which quantile of the per-layer distances a pair is clustered on (see clusteringDistance). */
export const CLUSTERING_QUANTILE = 0.25;

/** Linear-interpolated quantile of ascending `sorted` (numpy's default rule). */
function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/**
 * Clustering distance of one group: per pair, the lower quartile over distance layers of the
 * layer's mean |Δ|. Not the mean, because partial fine-tuning (LoRA on query and value, frozen
 * blocks) moves some layers a lot and leaves the rest bit-identical: on the VTHR LoRA splits
 * the mean let within-tree LoRA updates approach between-root differences (Ward gap ratio 2.6,
 * one tree found instead of 5). A low quantile keeps same-tree pairs at 0 while up to three
 * quarters of their layers changed, and between independently pre-trained roots every layer
 * differs anyway; on full fine-tuning, where every layer moves, it behaves like the mean.
 */
export function clusteringDistance(n: number, jobs: readonly LayerJob[], pass: readonly LayerResult[]): Float64Array {
  const layers = jobs.flatMap((job, l) => (job.roles.distance ? [pass[l]!.meanAbsDiff] : []));
  const out = new Float64Array(n * n);
  if (layers.length === 0) return out;
  const values = new Float64Array(layers.length);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      layers.forEach((meanAbs, l) => (values[l] = meanAbs[i * n + j]!));
      values.sort();
      out[i * n + j] = out[j * n + i] = quantileOfSorted(values, CLUSTERING_QUANTILE);
    }
  }
  return out;
}

/** Clusters every group; `trees` is the total tree count or "auto" (per group, see chooseClusterCount). */
export function clusterGroups(
  groups: readonly (readonly ModelSource[])[],
  plans: readonly (readonly LayerJob[])[],
  passes: readonly (readonly LayerResult[])[],
  trees: number | "auto",
): Cluster[] {
  const linkages: (LinkageMatrix | undefined)[] = groups.map((group, g) =>
    group.length > 1 ? hierarchicalClustering(clusteringDistance(group.length, plans[g]!, passes[g]!), group.length, "ward") : undefined,
  );
  const counts = trees === "auto" ? linkages.map((l) => (l ? chooseClusterCount(l) : 1)) : allocateTrees(groups, linkages, trees);
  const clusters: Cluster[] = [];
  groups.forEach((group, g) => {
    const labels = linkages[g] ? cutTree(linkages[g]!, counts[g]!) : new Int32Array(group.length);
    const byLabel = new Map<number, number[]>();
    labels.forEach((label, i) => {
      const members = byLabel.get(label);
      if (members) members.push(i);
      else byLabel.set(label, [i]);
    });
    for (const members of byLabel.values()) clusters.push({ group: g, members });
  });
  return clusters;
}

/** Splits a total tree count over groups by undoing the highest merges across all dendrograms. */
function allocateTrees(groups: readonly (readonly ModelSource[])[], linkages: readonly (LinkageMatrix | undefined)[], trees: number): number[] {
  const models = groups.reduce((sum, g) => sum + g.length, 0);
  if (trees < groups.length || trees > models) {
    const reason = trees < groups.length ? `the models span ${groups.length} architectures, so at least ${groups.length} trees` : `only ${models} models`;
    throw new MotherError("--trees", `cannot make ${trees} trees: ${reason}`, { value: trees });
  }
  const merges = linkages.flatMap((linkage, g) =>
    linkage ? Array.from({ length: linkage.observations - 1 }, (_, row) => ({ g, height: linkage.rows[row * 4 + 2]! })) : [],
  );
  merges.sort((a, b) => b.height - a.height);
  const counts = groups.map(() => 1);
  for (const merge of merges.slice(0, trees - groups.length)) counts[merge.g]!++;
  return counts;
}
