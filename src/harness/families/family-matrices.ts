/**
 * The matrices recovery decides a family's tree from, kept for the report (paper §6.2
 * explains its Stable Diffusion mistake by them: "the estimated weight distance was
 * incorrect but the direction was correct"):
 *
 *   models ─1─► layer pass (recovery's own planLayers + analyseLayer)
 *          ─2─► D = ℓ_FT over the whole family (per-layer min-max over its models)
 *          ─3─► directional statistic of every model (recovery's score layers; the statistic
 *               recovery uses on ℓ_FT trees: the given one, or kurtosis under "auto")
 */
import type { ModelSource } from "../../types.ts";
import { planLayers } from "../../recover/plan-layers.ts";
import { runLayerJobs } from "../../recover/layer-pool.ts";
import { distanceFt } from "../../recover/tree-distance.ts";
import { directionalScore } from "../../stats/layer-stats.ts";
import type { LayerKind, LayerStats, ScoreName } from "../../types.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import { assert } from "../../errors.ts";

/** Pairwise ℓ_FT and per-model directional statistics, in `ids` order. */
export interface FamilyMatrices {
  readonly ids: readonly string[];
  /** n×n row-major ℓ_FT (0 on the diagonal). */
  readonly distance: Float64Array;
  /** The statistic summed over the score layers (as recovery reports it in `models[].score`). */
  readonly scores: Float64Array;
  readonly statistic: ScoreName;
  /** Layer kinds the statistic is summed over. */
  readonly scoreKinds: readonly LayerKind[];
}

/** Reads the family's selected layers once (in-process: families are small) and returns D and k. */
export async function familyMatrices(models: readonly ModelSource[], overrides: Partial<RecoverOptions> = {}): Promise<FamilyMatrices> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides, distance: "ft" };
  const statistic: ScoreName = options.score === "auto" ? "kurtosis" : options.score;
  // 1. one architecture is assumed: a family shares every selected layer's name and shape
  const jobs = planLayers(models, options);
  for (const job of jobs) {
    const shapes = new Set(job.tensors.map((t) => t.shape.join("x")));
    assert(shapes.size <= 1, `${job.name}: family members differ in shape (${[...shapes].join(" vs ")})`);
  }
  const pass = await runLayerJobs(jobs, { workers: 0 });
  // 2. ℓ_FT
  const members = models.map((_, i) => i);
  const distance = distanceFt(members, jobs, pass, options.ftDistance);
  // 3. directional scores
  const scores = Float64Array.from(members, (m) => {
    const layers: LayerStats[] = [];
    jobs.forEach((job, l) => {
      if (job.roles.score) layers.push(pass[l]!.stats[m]!);
    });
    return directionalScore(layers, statistic);
  });
  return { ids: models.map((m) => m.id), distance, scores, statistic, scoreKinds: options.scoreKinds };
}
