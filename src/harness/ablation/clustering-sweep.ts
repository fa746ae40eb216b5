/**
 * Paper Fig. 7: clustering accuracy of small Model Graphs.
 *
 *   per size n (capped at the split's model count):
 *     1. draw `samples` uniform random sets of n models from the whole split (all trees mixed)
 *     2. recover each set as a Model Graph, with the tree count known (the number of true
 *        trees the set touches, as the paper assumes) and chosen automatically
 *     3. score clustering (best matching of clusters to true trees) and edges against the
 *        truth restricted to the set
 */
import type { ModelGraph, ModelSource, TruthGraph } from "../../types.ts";
import { deriveSeed, Rng } from "../../rng.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import { pickModels, recoverScored } from "./recover-scored.ts";
import { restrictTruth } from "./sample-subtree.ts";

/** How the number of trees is given to recovery. */
export type TreeCountMode = "known" | "auto";

export interface ClusteringSweepSettings {
  readonly sizes: readonly number[];
  /** Random sets per size (the whole split is drawn once). */
  readonly samples: number;
  readonly modes: readonly TreeCountMode[];
  readonly seed: number;
  readonly recover?: Partial<RecoverOptions>;
}

export interface ClusteringSample {
  readonly size: number;
  readonly sample: number;
  readonly mode: TreeCountMode;
  readonly ids: readonly string[];
  readonly graph: ModelGraph;
  readonly clustering: number;
  readonly edgeAccuracy: number;
}

/** Runs the sweep on one split; `onSample` is called after each recovery. */
export async function clusteringSweep(
  models: readonly ModelSource[],
  truth: TruthGraph,
  settings: ClusteringSweepSettings,
  onSample: () => void = () => {},
): Promise<ClusteringSample[]> {
  const all = truth.models.map((m) => m.id);
  const out: ClusteringSample[] = [];
  for (const requested of settings.sizes) {
    const size = Math.min(requested, all.length);
    const rng = new Rng(deriveSeed(settings.seed, "clustering", size));
    const draws = size === all.length ? 1 : settings.samples;
    for (let sample = 0; sample < draws; sample++) {
      const order = rng.permutation(all.length);
      const ids = all.filter((_, i) => order[i]! < size);
      const sampleTruth = restrictTruth(truth, ids);
      for (const mode of settings.modes) {
        const trees = mode === "known" ? new Set(sampleTruth.models.map((m) => m.tree)).size : "auto";
        const recovered = await recoverScored(pickModels(models, ids), sampleTruth, { ...settings.recover, trees });
        out.push({ size, sample, mode, ids, graph: recovered.graph, clustering: recovered.scores.clustering, edgeAccuracy: recovered.scores.edges.accuracy });
        onSample();
      }
    }
  }
  return out;
}

/** How many recoveries the sweep will run. */
export function clusteringSweepCount(models: number, settings: Pick<ClusteringSweepSettings, "sizes" | "samples" | "modes">): number {
  return settings.sizes.reduce((sum, n) => sum + (Math.min(n, models) === models ? 1 : settings.samples) * settings.modes.length, 0);
}
