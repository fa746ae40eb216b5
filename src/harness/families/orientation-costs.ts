/**
 * What `--stage auto` weighs (recover-tree.ts): the cheapest arborescence of M when every
 * model is labelled specialization, and when every model is labelled generalization. On a
 * chain the two orientations are mirror images with the same D and the same number of
 * direction-prior penalties, so they tie and auto falls back to specialization; the report
 * shows both costs so a reader sees whether auto had anything to go on.
 */
import { recoverTree } from "../../recover/recover-tree.ts";
import { scoreRule } from "../../direction/registry.ts";
import { evaluateGraph } from "../../recover/evaluate-graph.ts";
import type { Stage, TruthGraph } from "../../types.ts";
import type { FamilyMatrices } from "./family-matrices.ts";

/** One global orientation: its arborescence cost and how right its tree is. */
export interface OrientationCost {
  readonly stage: Stage;
  readonly cost: number;
  readonly correct: number;
  readonly total: number;
}

/** Both orientations of the family's tree under ℓ_FT, with recovery's λ = c · mean(D). */
export function orientationCosts(matrices: FamilyMatrices, truth: TruthGraph, lambda: number): OrientationCost[] {
  const oriented = matrices.scores.map((value) => -scoreRule(matrices.statistic).trend * value);
  return (["specialization", "generalization"] as const).map((stage) => {
    const tree = recoverTree({
      distance: matrices.distance,
      scores: oriented,
      stages: matrices.ids.map(() => stage),
      lambda,
    });
    const edges = [...tree.parent].flatMap((p, i) => (p < 0 ? [] : [{ parent: matrices.ids[p]!, child: matrices.ids[i]! }]));
    const { correct, total } = evaluateGraph({ edges, trees: [[...matrices.ids]] }, truth).edges;
    return { stage, cost: tree.cost, correct, total };
  });
}
