/**
 * Recovery of the mixed collection under several option settings, scored as a user would see
 * it (the whole collection, no flags: trees found automatically) and per true tree (cluster
 * known), plus a leave-one-root-out check: a setting chosen on four roots' trees is scored on
 * the fifth, so that a rule picked here is not judged on the trees that picked it.
 */
import type { ModelGraph, ModelSource } from "../../types.ts";
import { clusteringAccuracy, edgeAccuracy } from "../../recover/evaluate.ts";
import type { OptionVariant } from "../ablation/option-sweep.ts";
import { pickModels, recoverScored } from "../ablation/recover-scored.ts";
import { truthOfTrees, type MixedTruth } from "./mixed-truth.ts";
import { typedScores, type TypedScores } from "../../recover/evaluate-typed.ts";

/** One setting's results on the mixed collection. */
export interface MixedVariantResult {
  readonly label: string;
  /** The whole collection with `--trees auto`. */
  readonly graph: {
    readonly accuracy: number;
    readonly clustering: number;
    readonly trees: number;
    readonly typed: TypedScores;
    /** Models recovered as merges (the collection has none: each is a false positive). */
    readonly merges: number;
  };
  /** Directed accuracy per true tree (cluster known), by root. */
  readonly perTree: ReadonlyMap<string, number>;
  /** The recovered whole-collection graph (saved beside the report). */
  readonly recovered: ModelGraph;
}

/** Runs every variant on the whole collection and on each true tree alone. */
export async function mixedStudy(
  models: readonly ModelSource[],
  truth: MixedTruth,
  variants: readonly OptionVariant[],
  onStep: () => void = () => {},
): Promise<MixedVariantResult[]> {
  const roots = [...new Set(truth.models.map((m) => m.tree))];
  const results: MixedVariantResult[] = [];
  for (const variant of variants) {
    const whole = await recoverScored(models, truth, { ...variant.overrides, trees: "auto" });
    onStep();
    const perTree = new Map<string, number>();
    for (const root of roots) {
      const treeTruth = truthOfTrees(truth, new Set([root]));
      const scored = await recoverScored(
        pickModels(
          models,
          treeTruth.models.map((m) => m.id),
        ),
        treeTruth,
        { ...variant.overrides, trees: 1 },
      );
      perTree.set(root, scored.scores.edges.accuracy);
      onStep();
    }
    results.push({
      label: variant.label,
      graph: {
        accuracy: edgeAccuracy(whole.graph, truth).accuracy,
        clustering: clusteringAccuracy(whole.graph.trees, truth),
        trees: whole.graph.trees.length,
        typed: typedScores(whole.graph.edges, truth.edges),
        merges: new Set(whole.graph.edges.filter((e) => e.type === "merge").map((e) => e.child)).size,
      },
      perTree,
      recovered: whole.graph,
    });
  }
  return results;
}

/** One fold of leave-one-root-out: the variant chosen on the other roots, and its score on `heldOut`. */
export interface HeldOutFold {
  readonly heldOut: string;
  readonly chosen: string;
  readonly accuracy: number;
}

/**
 * For each root: the variant with the best mean per-tree accuracy on the other roots (ties to
 * the earlier variant), scored on the held-out root's tree.
 */
export function leaveOneRootOut(results: readonly MixedVariantResult[]): HeldOutFold[] {
  const roots = [...(results[0]?.perTree.keys() ?? [])];
  return roots.map((heldOut) => {
    const others = roots.filter((r) => r !== heldOut);
    const meanOnOthers = (result: MixedVariantResult) => others.reduce((sum, r) => sum + (result.perTree.get(r) ?? 0), 0) / Math.max(1, others.length);
    const chosen = results.reduce((best, result) => (meanOnOthers(result) > meanOnOthers(best) ? result : best));
    return { heldOut, chosen: chosen.label, accuracy: chosen.perTree.get(heldOut) ?? Number.NaN };
  });
}
