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
 *
 * Pairs at rank 0 — a layer stored again unchanged, or below the rounding-noise floor — say
 * nothing about how a tree was trained (auto's own rule ignores them too: tree-distance.ts,
 * measurableNeighbourRanks). A probe layer in which every pair is rank 0 leaves the question
 * open, and the next sketched layer is probed: counting rank 0 as low rank made ten identical
 * all-zero models sketch every LoRA layer (511 MB and 30 s against 69 MB and 7.5 s with
 * --distance ft), while an adapter that leaves the first probe layer untouched still shows in
 * the next.
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

/** The layers the probe may read, in order: the sketched distance matrices. */
export function probeJobs(jobs: readonly LayerJob[]): LayerJob[] {
  return jobs.filter((job) => job.roles.sketch && job.roles.distance && job.shape.length === 2);
}

/**
 * What one probe layer says: "low" when some model is within low rank (but not rank 0) of one
 * of its nearest neighbours, "high" when its measurable neighbours are all of high rank, and
 * "undecided" when no neighbour differs measurably (identical layers, re-saved copies).
 */
export type ProbeVerdict = "low" | "high" | "undecided";

/** The verdict of one probe layer's result (see ProbeVerdict); exact copies are not ranked at all. */
export async function probeVerdict(job: LayerJob, result: LayerResult, epsilon: number, ranks: RankRunner = rankInProcess): Promise<ProbeVerdict> {
  const n = job.tensors.length;
  const highRank = highRankOf(job);
  // Unordered pairs, once each: mutual neighbours would otherwise be ranked twice.
  const unique = new Set<number>();
  for (let i = 0; i < n; i++) for (const j of nearestOf(result.meanAbsDiff, n, i)) unique.add(Math.min(i, j) * n + Math.max(i, j));
  const pairs = [...unique].flatMap((pair) => [Math.floor(pair / n), pair % n]);
  if (pairs.length === 0) return "undecided";
  // Two jobs, so both workers rank. Only "below highRank or not" is asked: a rank proven ≥ highRank need not be known.
  const half = 2 * Math.ceil(pairs.length / 4);
  const atLeast = Math.ceil(highRank);
  const jobs = [pairs.slice(0, half), pairs.slice(half)]
    .filter((p) => p.length > 0)
    .map((p) => ({ sketches: result.sketches, pairs: Int32Array.from(p), epsilon, ...(atLeast >= 1 ? { atLeast } : {}) }));
  const found = (await ranks(jobs)).flatMap((r) => [...r]).filter((rank) => rank > 0);
  if (found.length === 0) return "undecided";
  return found.some((rank) => rank < highRank) ? "low" : "high";
}

/**
 * Model i's NEIGHBOURS nearest others by mean |Δ| (row i of the n × n `meanAbsDiff`), nearest
 * first, those at 0 (or NaN) left out: the head of a stable sort of them by distance — ties,
 * +∞ among them, in index order — found in one pass instead of a filtered, sorted copy a model.
 */
export function nearestOf(meanAbsDiff: Float64Array, n: number, i: number): number[] {
  const nearest: number[] = [];
  for (let j = 0; j < n; j++) {
    const d = meanAbsDiff[i * n + j]!;
    if (j === i || !(d > 0)) continue;
    let at = nearest.length;
    while (at > 0 && d < meanAbsDiff[i * n + nearest[at - 1]!]!) at--;
    if (at < NEIGHBOURS) {
      nearest.splice(at, 0, j);
      if (nearest.length > NEIGHBOURS) nearest.pop();
    }
  }
  return nearest;
}

/** The jobs, in order, with their sketches dropped; jobs left with nothing to do are not read at all. */
export function withoutSketches(jobs: readonly LayerJob[]): LayerJob[] {
  return jobs.map((job) => ({ ...job, roles: { ...job.roles, sketch: false } })).filter((job) => job.roles.distance || job.roles.score);
}
