/**
 * The matrices recovery decides a family's tree from, kept for the report (paper §6.2
 * explains its Stable Diffusion mistake by them: "the estimated weight distance was
 * incorrect but the direction was correct"):
 *
 *   models ─1─► layer pass (recovery's own planLayers + analyseLayer)
 *          ─2─► D = ℓ_FT over the whole family (per-layer min-max over its models)
 *          ─3─► directional statistic of every model (the direction registry's rule for an ℓ_FT
 *               tree: the given score, or the default policy's first rule under "auto"), and the
 *               distance from a synthetic init (src/direction/init-distance.ts)
 */
import type { ModelSource } from "../../types.ts";
import { planLayers } from "../../recover/plan-layers.ts";
import { runLayerJobs } from "../../recover/layer-pool.ts";
import { distanceFt } from "../../recover/tree-distance.ts";
import type { LayerKind, ScoreName } from "../../types.ts";
import { bug } from "../../errors.ts";
import { defaultRules } from "../../direction/default-rule.ts";
import { INIT_DISTANCE } from "../../direction/init-distance.ts";
import { ruleScore } from "../../direction/statistic-rule.ts";
import { DEFAULT_RECOVER_OPTIONS, resolveFtDistance, type RecoverOptions } from "../../recover/options.ts";
import { hasEmbeddingMatrix } from "../../distance/obtuse-siblings.ts";
import { assert } from "../../errors.ts";

/** Pairwise ℓ_FT and per-model directional statistics, in `ids` order. */
export interface FamilyMatrices {
  readonly ids: readonly string[];
  /** n×n row-major ℓ_FT (0 on the diagonal). */
  readonly distance: Float64Array;
  /** The statistic summed over the score layers (as recovery reports it in `models[].score`). */
  readonly scores: Float64Array;
  readonly statistic: ScoreName;
  /** Each model's expected per-weight distance from a synthetic init (INIT_DISTANCE), summed over the score layers. */
  readonly initDistance: Float64Array;
  /** Layer kinds the statistic is summed over. */
  readonly scoreKinds: readonly LayerKind[];
}

/** Reads the family's selected layers once (in-process: families are small) and returns D and k. */
export async function familyMatrices(models: readonly ModelSource[], overrides: Partial<RecoverOptions> = {}): Promise<FamilyMatrices> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides, distance: "ft" };
  const rule = defaultRules("ft", false, options).first;
  const statistic: ScoreName = rule.scoreName ?? bug(`the default rule ${rule.name} is a LayerStats statistic`);
  // 1. one architecture is assumed: a family shares every selected layer's name and shape
  const jobs = planLayers(models, options);
  for (const job of jobs) {
    const shapes = new Set(job.tensors.map((t) => t.shape.join("x")));
    assert(shapes.size <= 1, `${job.name}: family members differ in shape (${[...shapes].join(" vs ")})`);
  }
  const pass = await runLayerJobs(jobs, { workers: 0 });
  // 2. ℓ_FT
  const members = models.map((_, i) => i);
  const distance = distanceFt(members, jobs, pass, resolveFtDistance(options.ftDistance, hasEmbeddingMatrix(models[0]?.tensors ?? [])));
  // 3. directional scores
  const group = { plan: jobs, pass };
  const scores = Float64Array.from(members, (m) => ruleScore(rule, group, m));
  const initDistance = Float64Array.from(members, (m) => ruleScore(INIT_DISTANCE, group, m));
  return { ids: models.map((m) => m.id), distance, scores, statistic, initDistance, scoreKinds: options.scoreKinds };
}
