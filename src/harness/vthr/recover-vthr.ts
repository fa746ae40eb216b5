/**
 * MoTHer on the VTHR splits, scored against the recorded truth (paper Table 1):
 *
 *   1. open the split's checkpoints (roots + fine-tunes) under their readable ids
 *   2. per tree: recover with the cluster known (trees = 1), score its edges
 *   3. whole Model Graph: cluster first (trees = number of roots, as the paper assumes
 *      known), then recover; score edges and clustering; also with trees = auto
 */
import type { ModelGraph, ModelSource, TruthGraph } from "../../types.ts";
import { discoverModels } from "../../io/discover-models.ts";
import { recoverModels } from "../../recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import { evaluateGraph, type GraphScores } from "../../recover/evaluate-graph.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";

/** One recovered tree or graph with its scores. */
export interface ScoredRecovery {
  readonly graph: ModelGraph;
  readonly scores: GraphScores;
  readonly distances: readonly DistanceChoice[];
}

export interface SplitRecovery {
  /** Per true tree (cluster known), keyed by root id. */
  readonly perTree: ReadonlyMap<string, ScoredRecovery>;
  /** The whole Model Graph with the true number of trees. */
  readonly graph: ScoredRecovery;
  /** The whole Model Graph with `--trees auto`. */
  readonly graphAutoTrees: ScoredRecovery;
}

/** Opens checkpoints (id → folder) as model sources named by their readable ids. */
export async function openModels(paths: ReadonlyMap<string, string>): Promise<ModelSource[]> {
  const ids = [...paths.keys()];
  const sources = await Promise.all(ids.map((id) => discoverModels([paths.get(id)!])));
  return sources.map(([source], i) => ({ ...source!, id: ids[i]! }));
}

/** Runs recovery on one split and scores it. `models` must hold every model of `truth`. */
export async function recoverSplit(models: readonly ModelSource[], truth: TruthGraph, overrides: Partial<RecoverOptions> = {}): Promise<SplitRecovery> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  const byId = new Map(models.map((m) => [m.id, m]));
  const trees = [...new Set(truth.models.map((m) => m.tree))];
  const scored = async (members: readonly ModelSource[], memberTruth: TruthGraph, trees: number | "auto"): Promise<ScoredRecovery> => {
    const result = await recoverModels(members, { ...options, trees });
    return { graph: result.graph, scores: evaluateGraph(result.graph, memberTruth), distances: result.distances };
  };

  const perTree = new Map<string, ScoredRecovery>();
  for (const tree of trees) {
    const ids = new Set(truth.models.filter((m) => m.tree === tree).map((m) => m.id));
    const treeTruth: TruthGraph = { models: truth.models.filter((m) => ids.has(m.id)), edges: truth.edges.filter((e) => ids.has(e.child)) };
    perTree.set(
      tree,
      await scored(
        [...ids].map((id) => byId.get(id)!),
        treeTruth,
        1,
      ),
    );
  }
  const all = truth.models.map((m) => byId.get(m.id)!);
  return { perTree, graph: await scored(all, truth, trees.length), graphAutoTrees: await scored(all, truth, "auto") };
}
