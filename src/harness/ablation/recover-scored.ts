/**
 * One recovery scored against its truth: recoverModels with recovery's defaults plus
 * overrides, then evaluateGraph. The unit every sample of every sweep runs.
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import { recoverModels } from "../../recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import { evaluateGraph } from "../../recover/evaluate-graph.ts";
import type { ScoredRecovery } from "../vthr/recover-vthr.ts";

/** Recovers `models` (every model of `truth`, in any order) and scores the graph. */
export async function recoverScored(models: readonly ModelSource[], truth: TruthGraph, overrides: Partial<RecoverOptions> = {}): Promise<ScoredRecovery> {
  const result = await recoverModels(models, { ...DEFAULT_RECOVER_OPTIONS, ...overrides });
  return { graph: result.graph, scores: evaluateGraph(result.graph, truth), distances: result.distances };
}

/** The models of `all` named by `ids`, in `ids` order. */
export function pickModels(all: readonly ModelSource[], ids: Iterable<string>): ModelSource[] {
  const byId = new Map(all.map((m) => [m.id, m]));
  return [...ids].map((id) => byId.get(id)!);
}
