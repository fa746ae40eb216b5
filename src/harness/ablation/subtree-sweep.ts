/**
 * Paper Table 4: accuracy on random connected sub-trees of each true tree, by size.
 *
 *   per root tree, per fraction f of its models:
 *     1. draw `samples` connected sub-trees of round(f·n) models (one when f = 1: the tree)
 *     2. recover each with the cluster known (trees = 1), score its edges against the
 *        truth restricted to the sample
 */
import type { ModelSource, ModelGraph, TruthGraph } from "../../types.ts";
import { deriveSeed, Rng } from "../../rng.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import { pickModels, recoverScored } from "./recover-scored.ts";
import { restrictTruth, sampleConnectedSubtree, subtreeSize } from "./sample-subtree.ts";

export interface SubtreeSweepSettings {
  /** Fractions of each tree's models, e.g. [0.2, 0.4, 0.6, 0.8, 1]. */
  readonly fractions: readonly number[];
  /** Sub-trees drawn per fraction and root (the whole tree is drawn once). */
  readonly samples: number;
  readonly rootClosed: boolean;
  readonly seed: number;
  readonly recover?: Partial<RecoverOptions>;
}

/** One recovered sub-tree: what was drawn, what recovery returned, how it scored. */
export interface SubtreeSample {
  readonly root: string;
  readonly fraction: number;
  readonly size: number;
  readonly sample: number;
  readonly ids: readonly string[];
  readonly graph: ModelGraph;
  readonly accuracy: number;
}

/** Runs the sweep over every tree of `truth`; `onSample` reports progress. */
export async function subtreeSweep(
  models: readonly ModelSource[],
  truth: TruthGraph,
  settings: SubtreeSweepSettings,
  onSample: () => void = () => {},
): Promise<SubtreeSample[]> {
  const out: SubtreeSample[] = [];
  for (const root of [...new Set(truth.models.map((m) => m.tree))]) {
    const tree = restrictTruth(
      truth,
      truth.models.filter((m) => m.tree === root).map((m) => m.id),
    );
    for (const fraction of settings.fractions) {
      const size = subtreeSize(fraction, tree.models.length);
      const draws = size === tree.models.length ? 1 : settings.samples;
      const rng = new Rng(deriveSeed(settings.seed, "subtree", root, fraction));
      for (let sample = 0; sample < draws; sample++) {
        const ids = sampleConnectedSubtree(tree, size, rng, { rootClosed: settings.rootClosed });
        const recovered = await recoverScored(pickModels(models, ids), restrictTruth(tree, ids), { ...settings.recover, trees: 1 });
        out.push({ root, fraction, size, sample, ids, graph: recovered.graph, accuracy: recovered.scores.edges.accuracy });
        onSample();
      }
    }
  }
  return out;
}

/** How many recoveries the sweep will run (for a progress bar). */
export function subtreeSweepCount(truth: TruthGraph, settings: Pick<SubtreeSweepSettings, "fractions" | "samples">): number {
  let count = 0;
  for (const root of new Set(truth.models.map((m) => m.tree))) {
    const n = truth.models.filter((m) => m.tree === root).length;
    for (const f of settings.fractions) count += subtreeSize(f, n) === n ? 1 : settings.samples;
  }
  return count;
}
