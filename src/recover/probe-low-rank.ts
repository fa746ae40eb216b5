/**
 * `--distance auto` spends most of its extra time sketching (and ranking) LoRA layers that a
 * set of full fine-tunes does not need. So the pass reads the first sketched layer first (the
 * probe) and looks at each model's two nearest neighbours in it (by mean |Δ|): if none of them
 * is within low rank, the remaining layers are read without sketches and the set is recovered
 * with ℓ_FT. Auto's own rule needs half of a tree's models to sit at low rank from their
 * ℓ_FT-nearest neighbour, and a pair of low rank overall is of low rank in every layer, so the
 * probe decides as full sketching would whenever that neighbour is among a model's two nearest
 * in the probe layer.
 *
 * The probe only has to tell ranks below LOW_RANK_FRACTION of the measurable rank from the
 * others, so it sketches a row sample just wider than that (makeRowSampleSketcher): a copy of
 * ~100 rows and ranks of ~104 × 96 cores instead of a pass of sparse sums over the layer and
 * 168 × 160 ones (on 6 × 1024² f32 layers, about 85 → 15 ms of CPU). When the probe finds low
 * rank, its row-sample sketches cannot serve ℓ_LoRA and the probe layer is read once more with
 * the full sketch (one layer, on sets that then sketch every LoRA layer anyway); otherwise
 * every byte is read once.
 */
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import { LOW_RANK_FRACTION } from "./options.ts";
import { rankInProcess, type RankRunner } from "./pair-ranks.ts";

/** Columns the probe's row sample keeps beyond the highest rank that still counts as low. */
const PROBE_MARGIN = 16;

/**
 * The probe's version of the probe layer: a row-sample sketch wide enough to tell low rank
 * (below LOW_RANK_FRACTION of what the ℓ_LoRA sketch measures) from high. Unchanged when the
 * layer is small enough to be kept whole either way; then its result also serves ℓ_LoRA.
 */
export function probeLayerJob(job: LayerJob): LayerJob {
  const width = Math.ceil(highRankOf(job)) + PROBE_MARGIN;
  return Math.min(job.shape[0]!, job.shape[1]!) > width ? { ...job, probeWidth: width } : job;
}

/** The rank from which a difference counts as high in this layer. */
function highRankOf(job: LayerJob): number {
  return LOW_RANK_FRACTION * Math.min(job.shape[0]!, job.shape[1]!, job.sketchSize);
}

/** Neighbours checked per model: a LoRA child's nearest may be a full fine-tune of another tree. */
const NEIGHBOURS = 2;

/** The job to probe first: the first sketched layer that is also a distance layer (undefined: none). */
export function probeJob(jobs: readonly LayerJob[]): LayerJob | undefined {
  return jobs.find((job) => job.roles.sketch && job.roles.distance && job.shape.length === 2);
}

/** True when some model is within low rank of one of its nearest neighbours in the probe layer. */
export async function probeFindsLowRank(job: LayerJob, result: LayerResult, epsilon: number, ranks: RankRunner = rankInProcess): Promise<boolean> {
  const n = job.tensors.length;
  const highRank = highRankOf(job);
  // Unordered pairs, once each: mutual neighbours would otherwise be ranked twice.
  const unique = new Set<number>();
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    others.sort((a, b) => result.meanAbsDiff[i * n + a]! - result.meanAbsDiff[i * n + b]!);
    for (const j of others.slice(0, NEIGHBOURS)) unique.add(Math.min(i, j) * n + Math.max(i, j));
  }
  const pairs = [...unique].flatMap((pair) => [Math.floor(pair / n), pair % n]);
  // Two jobs, so both workers rank.
  const half = 2 * Math.ceil(pairs.length / 4);
  const jobs = [pairs.slice(0, half), pairs.slice(half)]
    .filter((p) => p.length > 0)
    .map((p) => ({ sketches: result.sketches, pairs: Int32Array.from(p), epsilon }));
  return (await ranks(jobs)).some((found) => found.some((rank) => rank < highRank));
}

/** The jobs, in order, with their sketches dropped; jobs left with nothing to do are not read at all. */
export function withoutSketches(jobs: readonly LayerJob[]): LayerJob[] {
  return jobs.map((job) => ({ ...job, roles: { ...job.roles, sketch: false } })).filter((job) => job.roles.distance || job.roles.score);
}
