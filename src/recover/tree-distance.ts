/**
 * The distance matrix D of one tree (paper Eq. 1–2), from what the layer pass kept:
 *
 * - ℓ_FT(u, v) = max_l max |u_l − v_l| / (max_l − min_l), the range taken over the models of
 *   this tree (paper §6: min-max normalise each layer by the tree's min and max). The pass
 *   kept raw max |Δ| per layer and per-model min/max, so normalising per tree costs nothing.
 * - ℓ_LoRA(u, v) = max_l rank(u_l − v_l), from the per-model low-rank sketches.
 * - auto: ℓ_LoRA when most models differ from their ℓ_FT-nearest neighbour by a low-rank Δ.
 */
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import { sketchDifferenceRank } from "./low-rank-sketch.ts";
import { LOW_RANK_FRACTION, type RecoverOptions } from "./options.ts";

/** The distance a tree was built with. */
export type DistanceChoice = "ft" | "lora";

/** D for the models `members` (indices into the group), k×k row-major, and which ℓ it is. */
export function treeDistance(
  members: readonly number[],
  jobs: readonly LayerJob[],
  pass: readonly LayerResult[],
  options: Pick<RecoverOptions, "distance" | "rankEpsilon">,
): { matrix: Float64Array; choice: DistanceChoice } {
  const ft = distanceFt(members, jobs, pass);
  if (options.distance === "ft") return { matrix: ft, choice: "ft" };
  const sketched = jobs.map((job, l) => (job.roles.sketch && pass[l]!.sketches.length > 0 ? l : -1)).filter((l) => l >= 0);
  if (sketched.length === 0) return { matrix: ft, choice: "ft" };
  // auto decides on nearest-neighbour pairs only (k ranks, not k²/2): most sets are full fine-tunes.
  if (options.distance === "auto" && !isLowRank(members, ft, pass, sketched, measurableRank(jobs, sketched), options.rankEpsilon)) {
    return { matrix: ft, choice: "ft" };
  }
  return { matrix: distanceLora(members, pass, sketched, options.rankEpsilon), choice: "lora" };
}

/** ℓ_FT with per-tree min-max normalisation. */
export function distanceFt(members: readonly number[], jobs: readonly LayerJob[], pass: readonly LayerResult[]): Float64Array {
  const k = members.length;
  const out = new Float64Array(k * k);
  jobs.forEach((job, l) => {
    if (!job.roles.distance) return;
    const result = pass[l]!;
    const n = job.tensors.length;
    let min = Infinity;
    let max = -Infinity;
    for (const m of members) {
      min = Math.min(min, result.stats[m]!.min);
      max = Math.max(max, result.stats[m]!.max);
    }
    const range = max - min;
    if (!(range > 0)) return; // every model holds the same constant: no information
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const d = result.maxAbsDiff[members[i]! * n + members[j]!]! / range;
        if (d > out[i * k + j]!) out[i * k + j] = out[j * k + i] = d;
      }
    }
  });
  return out;
}

/** ℓ_LoRA: the largest rank of the difference over the sketched layers. */
export function distanceLora(members: readonly number[], pass: readonly LayerResult[], sketched: readonly number[], epsilon: number): Float64Array {
  const k = members.length;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) out[i * k + j] = out[j * k + i] = pairRank(members[i]!, members[j]!, pass, sketched, epsilon);
  }
  return out;
}

/**
 * max over the sketched layers of rank(u_l − v_l) for models u, v (group indices). With
 * `enough`, stops at the first layer reaching it (a full fine-tune shows its high rank in the
 * first layer; each rank costs a bidiagonalisation).
 */
function pairRank(u: number, v: number, pass: readonly LayerResult[], sketched: readonly number[], epsilon: number, enough = Infinity): number {
  let rank = 0;
  for (const l of sketched) {
    rank = Math.max(rank, sketchDifferenceRank(pass[l]!.sketches[u]!, pass[l]!.sketches[v]!, epsilon));
    if (rank >= enough) break;
  }
  return rank;
}

/** The largest rank the sketches can report: the smallest sketch side over the sketched layers. */
function measurableRank(jobs: readonly LayerJob[], sketched: readonly number[]): number {
  return Math.min(...sketched.map((l) => Math.min(jobs[l]!.shape[0]!, jobs[l]!.shape[1]!, jobs[l]!.sketchSize)));
}

/** True when at least half the models sit at a low-rank Δ from their ℓ_FT-nearest neighbour. */
function isLowRank(members: readonly number[], ft: Float64Array, pass: readonly LayerResult[], sketched: readonly number[], maxRank: number, epsilon: number): boolean {
  const k = members.length;
  let lowRank = 0;
  for (let i = 0; i < k; i++) {
    let nearest = -1;
    for (let j = 0; j < k; j++) if (j !== i && (nearest < 0 || ft[i * k + j]! < ft[i * k + nearest]!)) nearest = j;
    const highRank = LOW_RANK_FRACTION * maxRank;
    if (nearest >= 0 && pairRank(members[i]!, members[nearest]!, pass, sketched, epsilon, highRank) < highRank) lowRank++;
  }
  return lowRank * 2 >= k;
}
