/**
 * MoTHer on one released family, the way the product runs it (recoverModels, the path
 * `mother recover` takes), once per recovery setting, each scored against the truth.
 */
import type { ModelGraph, ModelSource, TruthGraph } from "../../types.ts";
import { recoverModels } from "../../recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import { evaluateGraph, type GraphScores } from "../../recover/evaluate-graph.ts";
import type { DistanceChoice } from "../../recover/tree-distance.ts";

/** A named recovery setting: overrides of the tool's defaults. */
export interface RecoveryVariant {
  readonly name: string;
  readonly overrides: Partial<RecoverOptions>;
}

/** One setting's recovered graph and its scores against the truth. */
export interface FamilyRecovery {
  readonly variant: RecoveryVariant;
  readonly graph: ModelGraph;
  readonly scores: GraphScores;
  readonly distances: readonly DistanceChoice[];
}

/** Recovers the family once per variant (in order); `models` must hold every model of `truth`. */
export async function recoverFamily(models: readonly ModelSource[], truth: TruthGraph, variants: readonly RecoveryVariant[]): Promise<FamilyRecovery[]> {
  const results: FamilyRecovery[] = [];
  for (const variant of variants) {
    const result = await recoverModels(models, { ...DEFAULT_RECOVER_OPTIONS, ...variant.overrides });
    results.push({ variant, graph: result.graph, scores: evaluateGraph(result.graph, truth), distances: result.distances });
  }
  return results;
}
