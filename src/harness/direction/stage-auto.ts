/**
 * `--stage auto` against the labelled truth: with no stage given, recovery tries both global
 * orientations per tree and keeps the cheaper arborescence (recover-tree.ts). On VTHR every
 * model is a specialization step, so the check is how often auto picks specialization and
 * what accuracy it reaches, per tree (cluster known) and for the clustered Model Graph.
 */
import type { ModelGraph, ModelSource, Stage, TruthGraph } from "../../types.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import type { LayerStatsRow } from "../../stats/stats-table.ts";
import { pickModels, recoverScored } from "../ablation/recover-scored.ts";
import { accuracyOnTrees } from "./candidate-recovery.ts";
import { sourceOptions, sourceScores, type ScoreSource } from "./score-source.ts";
import type { PreparedTree } from "./prepared-tree.ts";

export interface StageAutoResult {
  /** Per true tree: the stage auto chose and the edge accuracy it reached. */
  readonly perTree: readonly { root: string; picked: Stage; accuracy: number }[];
  /** Edges right over all trees / all edges. */
  readonly treesPooled: number;
  /** Clustered Model Graph: accuracy and the stage picked per recovered tree. */
  readonly graph: { readonly accuracy: number; readonly picked: readonly Stage[] };
}

/** The stage of each recovered tree (auto gives one stage to a whole tree; the majority otherwise). */
export function stagesPerTree(graph: ModelGraph): Stage[] {
  const stageOf = new Map(graph.models.map((m) => [m.id, m.stage]));
  return graph.trees.map((tree) => {
    const specialization = tree.filter((id) => stageOf.get(id) === "specialization").length;
    return specialization * 2 >= tree.length ? "specialization" : "generalization";
  });
}

/**
 * Recovers every true tree (prepared, cluster known) and the Model Graph (clustered, tree
 * count known) with `stage: "auto"` and `candidate` as the directional score.
 */
export async function evaluateStageAuto(
  models: readonly ModelSource[],
  truth: TruthGraph,
  trees: readonly { root: string; tree: PreparedTree }[],
  rows: readonly LayerStatsRow[],
  candidate: ScoreSource,
): Promise<StageAutoResult> {
  const { perTree, treesPooled, stages } = accuracyOnTrees(trees, sourceScores(candidate, rows, trees), "auto", DEFAULT_RECOVER_OPTIONS.lambda);
  const treeCount = new Set(truth.models.map((m) => m.tree)).size;
  const graph = await recoverScored(
    pickModels(
      models,
      truth.models.map((m) => m.id),
    ),
    truth,
    { ...sourceOptions(candidate, { stage: "auto" }), trees: treeCount },
  );
  return {
    perTree: [...perTree].map(([root, accuracy]) => ({ root, picked: stages.get(root)!, accuracy })),
    treesPooled,
    graph: { accuracy: graph.scores.edges.accuracy, picked: stagesPerTree(graph.graph) },
  };
}
