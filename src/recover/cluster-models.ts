/**
 * Step 4 of recovery: split each architecture group into Model Trees.
 *
 * - `--trees N`: hierarchical clustering (Ward) on the mean |Δ| between models (paper §5.2
 *   "pairwise L1 distance"), taken per layer and combined by the lower quartile over the
 *   distance layers. The count is shared across groups: every group is at least one tree, and
 *   N trees undo the N − G highest merges across all the groups' dendrograms together — the
 *   same cut a single dendrogram would make if groups were infinitely far apart.
 * - `--trees auto`: models are in one tree when a chain of pairs links them whose mean |Δ|,
 *   relative to the layers' own RMS, is below RELATED_BELOW (see relativeDistance): models that
 *   share no ancestor differ by about as much as their weights are large.
 */
import type { ModelSource } from "../types.ts";
import { cutTree, hierarchicalClustering, type LinkageMatrix } from "../tree/hierarchical-clustering.ts";
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import { bug } from "../errors.ts";
import { cannotMakeTrees } from "../messages.ts";

/** What clustering needs of one architecture group: its models and the layer pass over them (pass[l] for plan[l]). */
export interface ClusterInput {
  readonly models: readonly ModelSource[];
  readonly plan: readonly LayerJob[];
  readonly pass: readonly LayerResult[];
}

/** One recovered tree: its architecture group and its members (indices into `group.models`). */
export interface Cluster<Group extends ClusterInput = ClusterInput> {
  readonly group: Group;
  readonly members: number[];
}

/** Which quantile of the per-layer distances a pair is clustered on (see clusteringDistance). */
export const CLUSTERING_QUANTILE = 0.25;

/** Linear-interpolated quantile of ascending `sorted` (numpy's default rule). */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
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
  return lowerQuartileOverLayers(n, jobs, pass, (layer, i, j) => layer.meanAbsDiff[i * n + j]!);
}

/** Per pair, the CLUSTERING_QUANTILE over the distance layers of `term(layer, i, j)` (n × n, symmetric). */
function lowerQuartileOverLayers(
  n: number,
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  term: (layer: LayerResult, i: number, j: number) => number,
): Float64Array {
  const layers = jobs.flatMap((job, l) => (job.roles.distance ? [pass[l]!] : []));
  const out = new Float64Array(n * n);
  if (layers.length === 0) return out;
  const values = new Float64Array(layers.length);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      layers.forEach((layer, l) => (values[l] = term(layer, i, j)));
      values.sort();
      out[i * n + j] = out[j * n + i] = quantileOfSorted(values, CLUSTERING_QUANTILE);
    }
  }
  return out;
}

/**
 * Relative distance below which two models are related (`--trees auto`). Weights that share
 * no ancestor are independent draws: E|u − v| / RMS is 2/√π ≈ 1.13 for Gaussian weights, 1.15
 * for uniform ones (torch's default init), 1.06 for Laplace ones, however long each model was
 * trained. Measured between trees: 1.03–1.14 on VTHR, 1.13–1.22 on PyTorch-trained trees
 * (experiments/foreign-trees.ts); within trees at most 0.58 on VTHR FT (parent–child at most
 * 0.37; fine-tunes of large pre-trained models move far less), 0 on LoRA (the lower quartile
 * sees untouched layers), at most 0.34 on the PyTorch trees. 0.8 sits in the gap with room on
 * both sides, and unlike a gap in the dendrogram it needs no other trees to compare against.
 */
export const RELATED_BELOW = 0.8;

/**
 * Relative clustering distance of one group: per pair, the lower quartile over distance layers
 * of mean |u_l − v_l| / ((rms(u_l) + rms(v_l)) / 2), the RMS coming from the layer statistics.
 */
export function relativeDistance(n: number, jobs: readonly LayerJob[], pass: readonly LayerResult[]): Float64Array {
  return lowerQuartileOverLayers(n, jobs, pass, (layer, i, j) => {
    const scale = (rootMeanSquareOf(layer.stats[i]!) + rootMeanSquareOf(layer.stats[j]!)) / 2;
    return scale > 0 ? layer.meanAbsDiff[i * n + j]! / scale : 0;
  });
}

/** Connected components of the graph linking pairs closer than `below`: one label per model, 0, 1, … in first-seen order. */
export function relatedComponents(distance: Float64Array, n: number, below = RELATED_BELOW): Int32Array {
  const label = new Int32Array(n).fill(-1);
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (label[start]! >= 0) continue;
    label[start] = next;
    const stack = [start];
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (let j = 0; j < n; j++) {
        if (label[j]! < 0 && distance[i * n + j]! < below) {
          label[j] = next;
          stack.push(j);
        }
      }
    }
    next++;
  }
  return label;
}

/**
 * Clusters every group; `trees` is the total tree count (Ward) or "auto" (related components).
 * Each cluster carries the group it came from, so callers pass their own group records through.
 */
export function clusterGroups<Group extends ClusterInput>(groups: readonly Group[], trees: number | "auto"): Cluster<Group>[] {
  const labelled =
    trees === "auto"
      ? groups.map((group) => ({ group, labels: relatedComponents(relativeDistance(group.models.length, group.plan, group.pass), group.models.length) }))
      : wardLabels(groups, trees);
  return labelled.flatMap(({ group, labels }) => {
    const byLabel = new Map<number, number[]>();
    labels.forEach((label, i) => {
      const members = byLabel.get(label);
      if (members) members.push(i);
      else byLabel.set(label, [i]);
    });
    return [...byLabel.values()].map((members) => ({ group, members }));
  });
}

/** One group's Ward dendrogram (none for a single model). */
interface Dendrogram<Group extends ClusterInput> {
  readonly group: Group;
  readonly linkage: LinkageMatrix | undefined;
}

/** Ward clustering of every group, `trees` clusters in all. */
function wardLabels<Group extends ClusterInput>(groups: readonly Group[], trees: number): { group: Group; labels: Int32Array }[] {
  const dendrograms: Dendrogram<Group>[] = groups.map((group) => {
    const n = group.models.length;
    return { group, linkage: n > 1 ? hierarchicalClustering(clusteringDistance(n, group.plan, group.pass), n, "ward") : undefined };
  });
  const counts = allocateTrees(dendrograms, trees);
  return dendrograms.map((dendrogram) => {
    const { group, linkage } = dendrogram;
    return { group, labels: linkage ? cutTree(linkage, counts.get(dendrogram) ?? 1) : new Int32Array(group.models.length) };
  });
}

/** Splits a total tree count over groups (one each at least) by undoing the highest merges across all dendrograms. */
function allocateTrees<Group extends ClusterInput>(dendrograms: readonly Dendrogram<Group>[], trees: number): Map<Dendrogram<Group>, number> {
  const groups = dendrograms.length;
  const models = dendrograms.reduce((sum, { group }) => sum + group.models.length, 0);
  if (trees < groups || trees > models) {
    throw cannotMakeTrees(trees, groups, models);
  }
  const merges = dendrograms.flatMap((dendrogram) => {
    const { linkage } = dendrogram;
    return linkage
      ? Array.from({ length: linkage.observations - 1 }, (_, row) => ({ dendrogram, height: linkage.rows[row * 4 + 2] ?? bug("linkage row in range") }))
      : [];
  });
  merges.sort((a, b) => b.height - a.height);
  const counts = new Map(dendrograms.map((dendrogram) => [dendrogram, 1]));
  for (const { dendrogram } of merges.slice(0, trees - groups)) counts.set(dendrogram, (counts.get(dendrogram) ?? 1) + 1);
  return counts;
}
