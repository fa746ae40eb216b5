/**
 * `--stage auto` against the labelled truth: with no stage given, recovery tries both global
 * orientations per tree and keeps the cheaper arborescence (recover-tree.ts). On VTHR every
 * model is a specialization step, so the check is how often auto picks specialization and
 * what accuracy it reaches, per tree (cluster known) and for the clustered Model Graph.
 */
import type { ModelGraph, ModelSource, Stage, TruthGraph } from "../../types.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import { pickModels, recoverScored } from "../ablation/recover-scored.ts";
import { trueTrees } from "./candidate-recovery.ts";

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

/** Recovers every true tree and the Model Graph with `stage: "auto"` (plus `base`). */
export async function evaluateStageAuto(models: readonly ModelSource[], truth: TruthGraph, base: Partial<RecoverOptions> = {}): Promise<StageAutoResult> {
  const perTree = [];
  let correct = 0;
  let total = 0;
  for (const tree of trueTrees(truth)) {
    const scored = await recoverScored(pickModels(models, tree.truth.models.map((m) => m.id)), tree.truth, { ...base, stage: "auto", trees: 1 });
    perTree.push({ root: tree.root, picked: stagesPerTree(scored.graph)[0]!, accuracy: scored.scores.edges.accuracy });
    correct += scored.scores.edges.correct;
    total += scored.scores.edges.total;
  }
  const trees = new Set(truth.models.map((m) => m.tree)).size;
  const graph = await recoverScored(pickModels(models, truth.models.map((m) => m.id)), truth, { ...base, stage: "auto", trees });
  return { perTree, treesPooled: total === 0 ? Number.NaN : correct / total, graph: { accuracy: graph.scores.edges.accuracy, picked: stagesPerTree(graph.graph) } };
}
