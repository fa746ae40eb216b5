/**
 * The family an adapter was trained in, from its weights alone, for an adapter whose config
 * names no base: the fitting model whose layers its update aligns with most
 * (subspace-alignment.ts). On VTHR this finds the right tree for 200 of 200 LoRA children and
 * the right model within it for 0 of 40 (bench/adapter-base-signal.ts), so the answer is used
 * to name a tree in a note, never to attach the adapter to the model found.
 *
 * Every fitting model is scored (~0.5 ms each for the small models of docs/scale.md), unless the
 * caller knows the set's trees: then the search is shortlisted by tree (bestAlignedInTrees).
 */
import type { TensorInfo } from "../../types.ts";
import { readTensor } from "../read-safetensors.ts";
import { subspaceAlignment } from "./subspace-alignment.ts";

/** Adapted layers compared per candidate: enough to settle the family, bounded for 100-layer models. */
const LAYERS_COMPARED = 8;

/**
 * Trees scored whole before the shortlist may stop, and the factor the largest within-tree spread
 * seen is widened by before a tree is skipped. Chosen on the mixed sets of docs/scale.md with
 * their adapter without a named base and 40 random ones (all 41 over 50 trees, 13 of them over
 * 500): with 16 and 2 the shortlist named the full search's model in all 54 searches (4 and 2:
 * 2 of the 41 at 50 trees differed; 8 and 2: 1), scoring, over 500 trees, 772 of the 9,000
 * models for the set's own adapter and 3,113 on average (a random update's scores spread more).
 */
const TREES_SCORED_FIRST = 16;
const SPREAD_MARGIN = 2;

/** A model the adapter fits: its id and the adapter applied to it, as adapterTensors gives. */
export interface AlignmentCandidate {
  readonly id: string;
  readonly tensors: readonly TensorInfo[];
}

/** Of `candidates`, the id whose weights the adapter's update aligns with most, or undefined when there is none. */
export async function bestAlignedModel(candidates: readonly AlignmentCandidate[]): Promise<string | undefined> {
  const factors = new FactorCache();
  let best: { id: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = await alignmentScore(candidate, factors);
    if (!best || score > best.score) best = { id: candidate.id, score };
  }
  return best?.id;
}

/**
 * bestAlignedModel's answer, shortlisted by `trees` (model ids, as recovery groups them): a base
 * and its fine-tunes share their dominant subspaces, so a tree's members score alike
 * (bestInTrees). Candidates of no tree are scored as trees of one.
 */
export async function bestAlignedInTrees(candidates: readonly AlignmentCandidate[], trees: readonly (readonly string[])[]): Promise<string | undefined> {
  const order = new Map(candidates.map((candidate, c) => [candidate.id, c]));
  const grouped = new Set<number>();
  const groups: number[][] = [];
  for (const tree of trees) {
    const members = tree.flatMap((id) => (order.has(id) ? [order.get(id)!] : []));
    for (const c of members) grouped.add(c);
    if (members.length > 0) groups.push(members);
  }
  for (const c of candidates.keys()) if (!grouped.has(c)) groups.push([c]);
  const factors = new FactorCache();
  const best = await bestInTrees(groups, (c) => alignmentScore(candidates[c]!, factors));
  return best === undefined ? undefined : candidates[best]!.id;
}

/**
 * The index with the highest score among those scored, searched tree by tree (`trees`: disjoint
 * lists of indices): each tree's first member (lowest index) is scored; then whole trees, best
 * first member first, until the next tree's first member, plus SPREAD_MARGIN × the largest spread
 * (best member − first member) of a tree scored whole, falls below the best score found. Ties go
 * to the lowest index, as a scan in index order gives. Not a bound: a tree whose members spread
 * more than the margin allows can hide a better one (docs/scale.md measures the equality).
 */
export async function bestInTrees(trees: readonly (readonly number[])[], score: (index: number) => Promise<number>): Promise<number | undefined> {
  const groups = trees.filter((tree) => tree.length > 0).map((tree) => [...tree].sort((a, b) => a - b));
  const scores = new Map<number, number>();
  const scoreOf = async (c: number) => scores.get(c) ?? scores.set(c, await score(c)).get(c)!;
  const first: number[] = [];
  for (const members of groups) first.push(await scoreOf(members[0]!));
  const ranked = groups.map((_, g) => g).sort((a, b) => first[b]! - first[a]! || groups[a]![0]! - groups[b]![0]!);
  let best = Number.NEGATIVE_INFINITY;
  let spread = 0;
  for (const [wholeSoFar, g] of ranked.entries()) {
    if (wholeSoFar >= TREES_SCORED_FIRST && first[g]! + SPREAD_MARGIN * spread < best) break;
    for (const c of groups[g]!) {
      const value = await scoreOf(c);
      best = Math.max(best, value);
      spread = Math.max(spread, value - first[g]!);
    }
  }
  let winner: number | undefined;
  for (const [c, value] of scores) if (winner === undefined || value > scores.get(winner)! || (value === scores.get(winner) && c < winner)) winner = c;
  return winner;
}

/** An adapter's factors as read, by tensor: the same for every candidate, so read once per search. */
class FactorCache {
  readonly #values = new Map<TensorInfo, Promise<Float32Array | Float64Array>>();

  read(tensor: TensorInfo): Promise<Float32Array | Float64Array> {
    let values = this.#values.get(tensor);
    if (!values) this.#values.set(tensor, (values = readTensor(tensor)));
    return values;
  }
}

/** The alignment of the adapter's update with the candidate's weights, summed over its first LAYERS_COMPARED adapted layers. */
async function alignmentScore(candidate: AlignmentCandidate, factors: FactorCache): Promise<number> {
  const updated = candidate.tensors.filter((tensor) => tensor.lowRank).slice(0, LAYERS_COMPARED);
  let score = 0;
  for (const { lowRank } of updated) {
    if (!lowRank) continue;
    const [weight, a, b] = await Promise.all([readTensor(lowRank.base), factors.read(lowRank.a), factors.read(lowRank.b)]);
    const [rows, cols] = lowRank.base.shape as [number, number];
    const rank = lowRank.a.shape[0]!;
    // Stored [in, out] (fan_in_fan_out): the stored update is (B·A)ᵀ = Aᵀ·Bᵀ, so Aᵀ plays B and Bᵀ plays A.
    const [left, right] = lowRank.transposed ? [transpose(a, rank, rows), transpose(b, cols, rank)] : [b, a];
    score += subspaceAlignment({ rows, cols, values: weight }, right, left, rank, Math.min(rank, rows, cols));
  }
  return score;
}

/** Xᵀ of X (n × m, row-major). */
function transpose(x: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = x[i * m + j]!;
  return out;
}
