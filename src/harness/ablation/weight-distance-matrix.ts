/**
 * The recovery distance D between every pair of a set of models — the matrix the MDST
 * sees (paper Eq. 1–2), computed by recovery's own layer pass and `treeDistance`, so Fig. 2
 * and the sibling check measure exactly what recovery uses. ℓ_FT is min-max normalised
 * over the models passed in (pass one tree's models, as recovery does per tree).
 */
import type { ModelSource } from "../../types.ts";
import { groupByArchitecture, planLayers } from "../../recover/plan-layers.ts";
import { runLayerJobs } from "../../recover/layer-pool.ts";
import { treeDistance, type DistanceChoice } from "../../recover/tree-distance.ts";
import { siblingGeometryDistance } from "../../distance/scale-free.ts";
import { hasEmbeddingMatrix } from "../../distance/obtuse-siblings.ts";
import { DEFAULT_RECOVER_OPTIONS, resolveFtDistance, type RecoverOptions } from "../../recover/options.ts";
import { bug } from "../../errors.ts";

/** k×k distances (row-major, models' order) and which ℓ produced them, with what recovery's placement rules read. */
export interface WeightDistances {
  readonly ids: readonly string[];
  readonly matrix: Float64Array;
  readonly choice: DistanceChoice;
  /** k×k distance the sibling-angle rule reads (siblingGeometryDistance: distanceEuclidean by default), and whether the models are language models. */
  readonly euclidean: Float64Array;
  readonly languageModel: boolean;
  /** A mixed tree's pairs measured by rank (k×k, 1 = by rank; recover-cluster.ts's rankMask), else undefined. */
  readonly rankMask: Float64Array | undefined;
}

/** D over `models` (one architecture) with recovery's options (distance ft | lora | auto). */
export async function weightDistanceMatrix(models: readonly ModelSource[], overrides: Partial<RecoverOptions> = {}): Promise<WeightDistances> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  if (groupByArchitecture(models, options).length !== 1) {
    bug(`weight distances need models of one architecture (${models.length} models from ${models[0]?.path ?? "nowhere"})`);
  }
  const jobs = planLayers(models, options);
  const pass = await runLayerJobs(jobs, { workers: 0 });
  const members = models.map((_, i) => i);
  const languageModel = hasEmbeddingMatrix(models[0]?.tensors ?? []);
  const { matrix, choice, rankPairs } = await treeDistance(members, jobs, pass, {
    ...options,
    ftDistance: resolveFtDistance(options.ftDistance, languageModel),
  });
  return {
    ids: models.map((m) => m.id),
    matrix,
    choice,
    euclidean: siblingGeometryDistance(options.siblingGeometry, members, jobs, pass),
    languageModel,
    rankMask: choice === "mixed" && rankPairs ? Float64Array.from(rankPairs.byRank) : undefined,
  };
}
