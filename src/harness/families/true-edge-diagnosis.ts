/**
 * Why a true edge was or was not recovered (paper §6.2's reading of its Fig. 8 mistake):
 * did the directional score order parent and child the way the child's stage says, and was
 * the true parent the child's nearest model by ℓ_FT?
 */
import type { ModelGraph, Stage, TruthGraph } from "../../types.ts";
import { scoreRule } from "../../direction/registry.ts";
import type { FamilyMatrices } from "./family-matrices.ts";
import { bug } from "../../errors.ts";

/** What became of one true edge. */
export type EdgeOutcome = "recovered" | "reversed" | "other parent";

/** One true edge, diagnosed. */
export interface TrueEdgeDiagnosis {
  readonly parent: string;
  readonly child: string;
  readonly stage: Stage;
  readonly outcome: EdgeOutcome;
  /** The parent recovery gave the child (null: recovered as a root). */
  readonly recoveredParent: string | null;
  readonly parentScore: number;
  readonly childScore: number;
  /**
   * The statistic moves from parent to child the way the child's stage says: for kurtosis
   * (falls in specialization) the parent's is above the child's in specialization and below
   * in generalization; reversed for statistics that rise (the registry rule's trend). Ties: false.
   */
  readonly directionAgrees: boolean;
  /** The child sits farther from a synthetic init than its parent (src/direction/init-distance.ts; any stage). */
  readonly initDistanceGrows: boolean;
  /** ℓ_FT between true parent and child. */
  readonly distance: number;
  /** 1 when the true parent is the child's nearest model by ℓ_FT, 2 for second nearest, … */
  readonly parentRank: number;
}

/** Diagnoses every true edge against one recovered graph and the family's matrices. */
export function diagnoseTrueEdges(truth: TruthGraph, recovered: ModelGraph, matrices: FamilyMatrices): TrueEdgeDiagnosis[] {
  const index = new Map(matrices.ids.map((id, i) => [id, i]));
  const n = matrices.ids.length;
  const at = (id: string): number => {
    const i = index.get(id);
    if (i === undefined) bug(`true-edge-diagnosis: ${id} is not among the family's models`);
    return i;
  };
  const stageOf = new Map(truth.models.map((m) => [m.id, m.stage]));
  const recoveredParent = new Map(recovered.edges.map((e) => [e.child, e.parent]));
  const falls = scoreRule(matrices.statistic).trend === -1;
  return truth.edges.map(({ parent, child }) => {
    const p = at(parent);
    const c = at(child);
    const stage = stageOf.get(child) ?? "specialization";
    const parentScore = matrices.scores[p]!;
    const childScore = matrices.scores[c]!;
    const distance = matrices.distance[p * n + c]!;
    let parentRank = 1;
    for (let other = 0; other < n; other++) {
      if (other !== c && other !== p && matrices.distance[other * n + c]! < distance) parentRank++;
    }
    const given = recoveredParent.get(child) ?? null;
    const outcome: EdgeOutcome = given === parent ? "recovered" : recoveredParent.get(parent) === child ? "reversed" : "other parent";
    return {
      parent,
      child,
      stage,
      outcome,
      recoveredParent: given,
      parentScore,
      childScore,
      directionAgrees: (stage === "specialization") === falls ? parentScore > childScore : parentScore < childScore,
      initDistanceGrows: matrices.initDistance[c]! > matrices.initDistance[p]!,
      distance,
      parentRank,
    };
  });
}
