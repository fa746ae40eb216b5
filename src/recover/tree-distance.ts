/**
 * The distance matrix D of one tree (paper Eq. 1–2), from what the layer pass kept:
 *
 * - ℓ_FT(u, v) = max_l max |u_l − v_l| / (max_l − min_l), the range taken over the models of
 *   this tree (paper §6: min-max normalise each layer by the tree's min and max). The pass
 *   kept raw max |Δ| per layer and per-model min/max, so normalising per tree costs nothing.
 * - ℓ_LoRA(u, v) = max_l rank(u_l − v_l), from the per-model low-rank sketches.
 * - auto: per pair (rank-measured-pairs.ts) — adapter relatives by rank, every other pair by
 *   ℓ_FT, on ℓ_FT's scale; a tree of adapter relatives only is ℓ_LoRA's, one without any ℓ_FT's.
 */
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import { LOW_RANK_FRACTION, type RecoverOptions } from "./options.ts";
import { rankInProcess, type RankJob, type RankRunner } from "./pair-ranks.ts";
import { rootMeanSquareOf } from "../stats/layer-stats.ts";
import type { FtDistance } from "./options.ts";
import { bug } from "../errors.ts";
import { combinedDistance, mayHaveRankPairs, measurableRankOf, rankMeasuredPairs, type RankMeasuredPairs } from "./rank-measured-pairs.ts";

/**
 * The distance a tree was built with: ℓ_FT for every pair, ℓ_LoRA for every pair, or both
 * ("mixed": full fine-tunes and adapter children side by side, each pair measured its way).
 */
export type DistanceChoice = "ft" | "lora" | "mixed";

/** A tree's D, which distance it is, and (when ranks were counted) which pairs rank measures. */
export interface TreeDistance {
  readonly matrix: Float64Array;
  readonly choice: DistanceChoice;
  readonly rankPairs?: RankMeasuredPairs;
}

/**
 * D for the models `members` (indices into the group), k×k row-major, and which ℓ it is.
 * Rank jobs go to `ranks` (the worker pool in recovery; in-process by default).
 */
export async function treeDistance(
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  options: Pick<RecoverOptions, "distance" | "rankEpsilon" | "ftDistance">,
  ranks: RankRunner = rankInProcess,
): Promise<TreeDistance> {
  const ft = distanceFt(members, jobs, pass, options.ftDistance);
  if (options.distance === "ft") return { matrix: ft, choice: "ft" };
  const sketched = jobs.map((job, l) => (job.roles.sketch && pass[l]!.sketches.length > 0 ? l : -1)).filter((l) => l >= 0);
  if (sketched.length === 0) return { matrix: ft, choice: "ft" };
  const k = members.length;
  if (k < 2) return { matrix: ft, choice: options.distance === "lora" ? "lora" : "ft" }; // a lone model has no pairs
  if (options.distance === "auto") {
    if (!(await mayHaveRankPairs(members, jobs, pass, sketched, ft, options.rankEpsilon, ranks))) return { matrix: ft, choice: "ft" };
    const rankPairs = await rankMeasuredPairs(members, jobs, pass, sketched, options.rankEpsilon, ranks);
    let measured = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j && rankPairs.byRank[i * k + j]) measured++;
    if (measured === 0) return { matrix: ft, choice: "ft" };
    return { matrix: combinedDistance(ft, rankPairs, k), choice: measured === k * (k - 1) ? "lora" : "mixed", rankPairs };
  }
  const pairs = Int32Array.from(Array.from({ length: k }, (_, i) => Array.from({ length: k - i - 1 }, (_, d) => [i, i + 1 + d])).flat(2));
  const rankJob = (l: number, pairs: Int32Array): RankJob => ({ sketches: members.map((m) => pass[l]!.sketches[m]!), pairs, epsilon: options.rankEpsilon });
  const perLayer = await ranks(sketched.map((l) => rankJob(l, pairs)));
  // ℓ_LoRA(u, v) = max over the sketched layers of rank(u_l − v_l).
  const lora = new Float64Array(k * k);
  for (const layerRanks of perLayer) {
    layerRanks.forEach((rank, p) => {
      const i = pairs[2 * p]!;
      const j = pairs[2 * p + 1]!;
      if (rank > lora[i * k + j]!) lora[i * k + j] = lora[j * k + i] = rank;
    });
  }
  const measurableRank = measurableRankOf(jobs, sketched);
  const byRank = new Uint8Array(k * k).fill(1);
  for (let i = 0; i < k; i++) byRank[i * k + i] = 0;
  return { matrix: lora, choice: "lora", rankPairs: { byRank, rank: lora, highRank: LOW_RANK_FRACTION * measurableRank, measurableRank } };
}

/**
 * The full-fine-tuning distance of a tree, as `kind` says:
 *
 * - "max" (the paper's ℓ_FT): max over layers of max |Δ| / the layer's range over the tree;
 * - "mean": Σ over layers of mean |Δ| / the layer's RMS over the tree — every weight's change
 *   counts, not only the largest one's;
 * - "geometric" (the default): √(max · mean). The mean places edges the max gets wrong when a
 *   few outlying weights decide it (VTHR FT placement 145 → 164 of 164 true edges with the
 *   trees' own MST); the max keeps siblings fine-tuned on the same data apart, which the mean
 *   draws together along their shared drift (paper §6.3). docs/defaults.md has the numbers.
 * With "mean" and "geometric" a pruned member's pairs are measured by the max (prunedPairsByMax).
 */
export function distanceFt(members: readonly number[], jobs: readonly LayerJob[], pass: readonly LayerResult[], kind: FtDistance): Float64Array {
  if (kind === "max") return layerwiseDistance(members, jobs, pass, "max");
  if (kind === "auto") bug("ℓ_FT auto is resolved per tree (resolveFtDistance) before D is built");
  if (kind === "euclidean") return prunedPairsByMax(distanceEuclidean(members, jobs, pass), members, jobs, pass);
  const mean = layerwiseDistance(members, jobs, pass, "mean");
  if (kind === "mean") return prunedPairsByMax(mean, members, jobs, pass);
  const max = layerwiseDistance(members, jobs, pass, "max");
  return prunedPairsByMax(
    mean.map((value, at) => Math.sqrt(value * max[at]!)),
    members,
    jobs,
    pass,
    max,
  );
}

/**
 * √(Σ over the distance layers of (mean |Δ| / RMS)²) per pair: a Euclidean distance on the
 * layers laid end to end, each scaled by its RMS (mean |Δ| stands for the RMS of Δ, which the
 * pass does not keep). Unlike ℓ_FT's sum of per-layer terms it obeys the law of cosines, so the
 * sibling-angle rule (src/distance/obtuse-siblings.ts) reads angles from it: a sum of
 * per-layer norms makes an update confined to a few layers (LoRA on query and value) look
 * obtuse to one spread over all of them.
 */
export function distanceEuclidean(members: readonly number[], jobs: readonly LayerJob[], pass: readonly LayerResult[]): Float64Array {
  return layerwiseDistance(members, jobs, pass, "squares").map(Math.sqrt);
}

/** Max over layers of max |Δ| / range ("max"), Σ over layers of mean |Δ| / RMS ("mean") or of its square ("squares"), per pair. */
function layerwiseDistance(
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  kind: "max" | "mean" | "squares",
): Float64Array {
  const k = members.length;
  const out = new Float64Array(k * k);
  jobs.forEach((job, l) => {
    if (!job.roles.distance) return;
    const result = pass[l]!;
    const n = job.tensors.length;
    const scale = kind === "max" ? layerRange(members, result) : layerRms(members, result);
    if (!(scale > 0)) return; // every model holds the same constant (or zeros): no information
    const differences = kind === "max" ? result.maxAbsDiff : result.meanAbsDiff;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const d = differences[members[i]! * n + members[j]!]! / scale;
        if (kind === "mean") out[i * k + j] = out[j * k + i] = out[i * k + j]! + d;
        else if (kind === "squares") out[i * k + j] = out[j * k + i] = out[i * k + j]! + d * d;
        else if (d > out[i * k + j]!) out[i * k + j] = out[j * k + i] = d;
      }
    }
  });
  return out;
}

/** A model is pruned when this share of its weights is exactly 0 (trained weights have next to none). */
export const PRUNED_ZEROS = 0.2;

/** Median over the score layers of `model`'s share of exact zeros (asked ~5 times per model and tree: kept per pass). */
export function zeroShare(jobs: readonly LayerJob[], pass: readonly LayerResult[], model: number): number {
  let known = zeroShares.get(pass);
  if (known?.jobs !== jobs) zeroShares.set(pass, (known = { jobs, shares: new Map() }));
  let share = known.shares.get(model);
  if (share === undefined) {
    const shares = jobs.flatMap((job, l) => (job.roles.score ? [pass[l]!.zeroFraction[model]!] : [])).sort((a, b) => a - b);
    share = shares.length === 0 ? 0 : shares[Math.floor(shares.length / 2)]!;
    known.shares.set(model, share);
  }
  return share;
}

/** zeroShare's answers per pass (its layers' results, read-only once made) and the plan they were asked with. */
const zeroShares = new WeakMap<readonly LayerResult[], { readonly jobs: readonly LayerJob[]; readonly shares: Map<number, number> }>();

/**
 * `distance` (mean or geometric ℓ_FT) with the pairs of a pruned member (PRUNED_ZEROS)
 * measured by max |Δw| instead, rescaled by the median ratio over the other pairs: pruning
 * moves a third of the weights a little, which the mean counts in full and the max hardly at
 * all, so the mean read pruned copies far from their source (experiments/derived-copies.ts:
 * under their source 45/52 with the geometric distance alone, 49/52 with this, as with the
 * paper's max). `max` is the max distance when already computed.
 */
function prunedPairsByMax(
  distance: Float64Array,
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  max?: Float64Array,
): Float64Array {
  const k = members.length;
  const pruned = members.map((m) => zeroShare(jobs, pass, m) >= PRUNED_ZEROS);
  if (!pruned.includes(true)) return distance;
  const byMax = max ?? layerwiseDistance(members, jobs, pass, "max");
  const ratios: number[] = [];
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) if (!pruned[i] && !pruned[j] && byMax[i * k + j]! > 0) ratios.push(distance[i * k + j]! / byMax[i * k + j]!);
  if (ratios.length === 0) return byMax;
  ratios.sort((a, b) => a - b);
  const scale = ratios[Math.floor(ratios.length / 2)]!;
  return distance.map((value, at) => (pruned[Math.floor(at / k)] || pruned[at % k] ? byMax[at]! * scale : value));
}

/** max − min of a layer over the tree's models. */
function layerRange(members: readonly number[], result: LayerResult): number {
  let min = Infinity;
  let max = -Infinity;
  for (const m of members) {
    min = Math.min(min, result.stats[m]!.min);
    max = Math.max(max, result.stats[m]!.max);
  }
  return max - min;
}

/** Root mean square of a layer's weights, averaged over the tree's models. */
function layerRms(members: readonly number[], result: LayerResult): number {
  return members.reduce((sum, m) => sum + rootMeanSquareOf(result.stats[m]!), 0) / members.length;
}
