/**
 * Which pairs of a tree are measured by rank (issue #12: full and LoRA children of one base in
 * one arborescence). A merged LoRA child differs from its parent by a low-rank update on the
 * adapted layers and by nothing elsewhere; a full fine-tune moves every layer at full rank. So
 * a pair is measured by rank when the rank of its difference (max over the sketched, LoRA
 * layers) is above 0 and either
 *
 *   - low: below LOW_RANK_FRACTION of what the sketches measure (an adapter edge, or close
 *     adapter relatives such as siblings: rank r₁ + r₂), or
 *   - the other distance layers are the same up to storage rounding (adapter relatives
 *     whose ranks add up past the low range: cousins in a deep LoRA tree).
 *
 * Every other pair — any pair with a full fine-tune between them — is measured by ℓ_FT. A pair
 * of rank 0 is a storage twin or a change outside the sketched layers, also ℓ_FT's.
 *
 * Ranks are counted in the first sketched layer for every pair, then in the other sketched
 * layers only for pairs that can still be measured by rank: full fine-tunes drop out after one
 * layer.
 */
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import { LOW_RANK_FRACTION } from "./options.ts";
import type { RankJob, RankRunner } from "./pair-ranks.ts";
import { sameUpToRounding } from "./storage-twins.ts";

/** The pairs of one tree measured by rank, with their ranks. */
export interface RankMeasuredPairs {
  /** k × k: 1 where the pair is measured by rank. */
  readonly byRank: Uint8Array;
  /** k × k: max rank over the sketched layers where counted (NaN where not). */
  readonly rank: Float64Array;
  /** A rank from this up counts as high (LOW_RANK_FRACTION of the measurable rank). */
  readonly highRank: number;
  /** The largest rank the sketches can report. */
  readonly measurableRank: number;
}

/** Whether the pair i, j (tree indices) is a low-rank one: an adapter edge when it is an edge. */
export function isLowRankPair(pairs: RankMeasuredPairs, k: number, i: number, j: number): boolean {
  const rank = pairs.rank[i * k + j]!;
  return rank > 0 && rank < pairs.highRank;
}

/** Neighbours per model the pre-check ranks (a LoRA child's nearest may be its f16 re-save, rank 0). */
const CHECKED_NEIGHBOURS = 2;

/**
 * Whether any pair of the tree can be measured by rank, at k ranks instead of k²/2: some pair's
 * other distance layers are the same up to rounding, or a model is at a low rank (above 0) from
 * one of its CHECKED_NEIGHBOURS ℓ_FT-nearest models in the first sketched layer. An adapter
 * child is within low rank of its parent, which is among its nearest. A set of full fine-tunes
 * whose probe found low rank only because of storage twins (rank 0) stops here.
 */
export async function mayHaveRankPairs(
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  sketched: readonly number[],
  ft: Float64Array,
  epsilon: number,
  ranks: RankRunner,
): Promise<boolean> {
  const k = members.length;
  const others = jobs.flatMap((job, l) => (job.roles.distance && !sketched.includes(l) ? [l] : []));
  for (let i = 0; i < k && others.length > 0; i++) {
    for (let j = i + 1; j < k; j++) if (others.every((l) => sameUpToRounding(jobs[l]!, pass[l]!, members[i]!, members[j]!))) return true;
  }
  const unique = new Set<number>();
  for (let i = 0; i < k; i++) {
    const nearest = Array.from({ length: k }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => ft[i * k + a]! - ft[i * k + b]!);
    for (const j of nearest.slice(0, CHECKED_NEIGHBOURS)) unique.add(Math.min(i, j) * k + Math.max(i, j));
  }
  const pairs = Int32Array.from([...unique].flatMap((pair) => [Math.floor(pair / k), pair % k]));
  const l = sketched[0]!;
  const [found] = await ranks([{ sketches: members.map((m) => pass[l]!.sketches[m]!), pairs, epsilon }]);
  const highRank = LOW_RANK_FRACTION * measurableRankOf(jobs, sketched);
  return found!.some((rank) => rank > 0 && rank < highRank);
}

/** Ranks and classifies every pair of `members` (group indices); `sketched` are the sketched layers. */
export async function rankMeasuredPairs(
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  sketched: readonly number[],
  epsilon: number,
  ranks: RankRunner,
): Promise<RankMeasuredPairs> {
  const k = members.length;
  const measurableRank = measurableRankOf(jobs, sketched);
  const highRank = LOW_RANK_FRACTION * measurableRank;
  const others = jobs.flatMap((job, l) => (job.roles.distance && !sketched.includes(l) ? [l] : []));
  // With no other distance layer nothing says "unchanged elsewhere": only low ranks count.
  const unchanged = (i: number, j: number) => others.length > 0 && others.every((l) => sameUpToRounding(jobs[l]!, pass[l]!, members[i]!, members[j]!));
  const rankJob = (l: number, pairs: Int32Array): RankJob => ({ sketches: members.map((m) => pass[l]!.sketches[m]!), pairs, epsilon });
  const rank = new Float64Array(k * k).fill(Number.NaN);
  let pairs = Int32Array.from(Array.from({ length: k }, (_, i) => Array.from({ length: k - i - 1 }, (_, d) => [i, i + 1 + d])).flat(2));
  const stillRanked = new Uint8Array(k * k);
  for (const [position, l] of sketched.entries()) {
    const [layerRanks] = await ranks([rankJob(l, pairs)]);
    const next: number[] = [];
    layerRanks!.forEach((r, p) => {
      const i = pairs[2 * p]!;
      const j = pairs[2 * p + 1]!;
      const current = position === 0 ? r : Math.max(rank[i * k + j]!, r);
      rank[i * k + j] = rank[j * k + i] = current;
      if (current < highRank || unchanged(i, j)) {
        stillRanked[i * k + j] = stillRanked[j * k + i] = 1;
        next.push(i, j);
      } else stillRanked[i * k + j] = stillRanked[j * k + i] = 0;
    });
    pairs = Int32Array.from(next);
    if (pairs.length === 0) break;
  }
  const byRank = new Uint8Array(k * k);
  for (let at = 0; at < k * k; at++) byRank[at] = stillRanked[at]! && rank[at]! > 0 ? 1 : 0;
  return { byRank, rank, highRank, measurableRank };
}

/**
 * One distance on ℓ_FT's scale: pairs measured by ℓ_FT keep it; a pair measured by rank reads
 * δ · rank / measurableRank, δ the smallest ℓ_FT between models with a full fine-tune between
 * them. So every adapter relation is nearer than any full fine-tune (an adapter child always
 * finds its adapter parent when it is in the set), adapter relatives are ordered by rank as
 * ℓ_LoRA orders them, and full fine-tunes compete among themselves by ℓ_FT. When every pair
 * is measured by rank the result is ℓ_LoRA itself (δ = 1 per measurable rank).
 */
export function combinedDistance(ft: Float64Array, pairs: RankMeasuredPairs, k: number): Float64Array {
  let delta = Infinity;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const at = i * k + j;
      if (i !== j && !pairs.byRank[at] && ft[at]! > 0 && ft[at]! < delta) delta = ft[at]!;
    }
  }
  const unit = Number.isFinite(delta) ? delta / pairs.measurableRank : 1;
  return ft.map((value, at) => (pairs.byRank[at] ? unit * pairs.rank[at]! : value));
}

/** The largest rank the sketches can report: the smallest sketch side over the sketched layers. */
export function measurableRankOf(jobs: readonly LayerJob[], sketched: readonly number[]): number {
  return Math.min(...sketched.map((l) => Math.min(jobs[l]!.shape[0]!, jobs[l]!.shape[1]!, jobs[l]!.sketchSize)));
}
