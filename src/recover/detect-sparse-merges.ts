/**
 * TIES and DARE merges (SPEC §8), which are not linear combinations: each keeps only part of
 * every parent's task vector τ_i = p_i − base (TIES: the largest values, then the entries
 * whose sign agrees with the elected one; DARE: a random share, rescaled) and combines what is
 * left per weight. Two traces of that survive in the child c, and this file looks for both:
 *
 *   1. where no parent kept anything, c equals the base exactly: within every layer where c
 *      differs from the base at all, a share of its weights is bit-identical to it (a fine-tune
 *      moves every weight, and a LoRA child moves whole layers or none);
 *   2. elsewhere τ_c = c − base is, weight by weight, λ times the mean (TIES, DARE-TIES) or the
 *      sum (DARE-linear) of the task vectors of some subset of the parents — with one λ for the
 *      whole model. So with the right parents nearly every weight of τ_c is explained exactly
 *      (to storage rounding), while for any other model the ratios τ_c / Σ τ_i scatter and
 *      almost none lands on one common λ.
 *
 * Exact zeros are no evidence either way: pruned copies share them (pruning removes the smallest
 * weights, and those stay small across fine-tunes), which made pruned relatives look like sparse
 * merges of each other (experiments/derived-copies.ts, 7 of 20 pruned copies), so weights that
 * are 0 in the child or the base are left out of both traces.
 *
 * The parents are grown greedily (each step adds the candidate that explains the most weights),
 * up to MAX_SPARSE_PARENTS; the merge is accepted when at least two parents explain
 * EXPLAINED_SHARE of the weights that moved. Merges with unequal weights per parent are not
 * found this way (one λ), nor are merges stored at a lower precision than the base (no weight
 * stays bit-identical).
 */

import { loadedNativeKernels, type NativeKernels } from "../kernels/native-kernels.ts";

/** Most parents searched (each adds 2^n subsets per weight). */
const MAX_SPARSE_PARENTS = 3;

/** Share of a differing layer's weights bit-identical to the base from which c may be a sparse merge of it. */
export const MIN_UNCHANGED_SHARE = 0.05;

/** Share of the moved weights the parents must explain. */
export const EXPLAINED_SHARE = 0.9;

/**
 * Relative tolerance of "explained": τ_c is rounded once when c is stored (f32: 6e-8 of |c|,
 * i.e. ~1e-6 of τ_c where τ is 5 % of the weight); 1e-4 leaves room and still puts a random
 * ratio on λ only ~1e-4 of the time.
 */
const RELATIVE_TOLERANCE = 1e-4;

/** A sparse merge of `parents` onto `base` (indices into the samples), λ the common scale. */
export interface SparseMerge {
  readonly base: number;
  readonly parents: readonly number[];
  readonly scale: number;
  /** Share of the moved weights explained. */
  readonly explained: number;
  /** Mean over the parents of ‖parent − base‖ / ‖parent − child‖ (resolveMerges' preference). */
  readonly baseNearness: number;
}

/** The TIES/DARE merge `child` is of `candidates`, if any (samples as in detect-merges.ts). */
export function fitSparseMerge(samples: readonly (readonly Float64Array[])[], child: number, candidates: readonly number[]): SparseMerge | undefined {
  // With λ = 1 a weight only one parent kept equals that parent's, so a parent can share as many
  // weights with c as the base does: each candidate base is tried, most shared weights first.
  const shares = new Map(candidates.map((b) => [b, unchangedShare(samples[child]!, samples[b]!)]));
  const bases = candidates.filter((b) => shares.get(b)! >= MIN_UNCHANGED_SHARE).sort((a, b) => shares.get(b)! - shares.get(a)!);
  for (const base of bases.slice(0, MAX_BASES)) {
    const merge = sparseMergeOnto(samples, child, base, candidates);
    if (merge) return merge;
  }
  return undefined;
}

/** Bases tried per child: the base and, with λ = 1, the parents themselves share the most weights with c. */
const MAX_BASES = MAX_SPARSE_PARENTS + 1;

/** Steps 2 and the greedy growth for one candidate base. */
function sparseMergeOnto(samples: readonly (readonly Float64Array[])[], child: number, base: number, candidates: readonly number[]): SparseMerge | undefined {
  // The moved weights, flattened over layers: τ_c and each candidate's τ_i there.
  const moved: { layer: number; at: number }[] = [];
  samples[child]!.forEach((layer, l) => {
    const baseLayer = samples[base]![l]!;
    for (let at = 0; at < layer.length; at++) if (layer[at] !== baseLayer[at] && layer[at] !== 0 && baseLayer[at] !== 0) moved.push({ layer: l, at });
  });
  if (moved.length === 0) return undefined;
  const tauOf = (m: number) => Float64Array.from(moved, ({ layer, at }) => samples[m]![layer]![at]! - samples[base]![layer]![at]!);
  const tauChild = tauOf(child);
  const taus = new Map(candidates.filter((m) => m !== base).map((m) => [m, tauOf(m)]));
  let parents: number[] = [];
  let best = { scale: Number.NaN, explained: 0 };
  while (parents.length < MAX_SPARSE_PARENTS) {
    let pick = -1;
    for (const m of taus.keys()) {
      if (parents.includes(m)) continue;
      const trial = explainedBy(
        tauChild,
        [...parents, m].map((p) => taus.get(p)!),
      );
      if (trial.explained > best.explained + 0.05) {
        best = trial;
        pick = m;
      }
    }
    if (pick < 0) break;
    parents = [...parents, pick];
    if (best.explained >= EXPLAINED_SHARE) break;
  }
  if (parents.length < 2 || best.explained < EXPLAINED_SHARE) return undefined;
  const distance = (a: number, b: number) =>
    Math.sqrt(samples[a]!.reduce((sum, layer, l) => sum + layer.reduce((s, v, at) => s + (v - samples[b]![l]![at]!) ** 2, 0), 0));
  const baseNearness = parents.reduce((sum, p) => sum + distance(p, base) / distance(p, child), 0) / parents.length;
  return { base, parents, scale: best.scale, explained: best.explained, baseNearness };
}

/**
 * Smallest share, over the layers where c differs from b at all, of c's weights equal to b's.
 * Counted natively where the kernels are (the same comparisons; `native` null: in TypeScript): ten
 * candidates for every child of a tree, each a whole layer's sample, were ~5 % of a small tree's time in TypeScript.
 */
export function unchangedShare(
  child: readonly Float64Array[],
  base: readonly Float64Array[],
  native: NativeKernels | null = loadedNativeKernels() ?? null,
): number {
  let smallest = Infinity;
  for (let l = 0; l < child.length; l++) {
    const [layer, other] = [child[l]!, base[l]!];
    const same = native && layer.length > 0 ? native.unchangedCount(layer, other, layer.length) : unchangedCount(layer, other);
    if (same < layer.length) smallest = Math.min(smallest, same / layer.length);
    // A minimum: one layer below the bar settles it (a fine-tune shares no weight in its first layer).
    if (smallest < MIN_UNCHANGED_SHARE) break;
  }
  return smallest === Infinity ? 0 : smallest;
}

/** How many weights of `layer` equal `other`'s and are not zero (the native kernel's twin). */
export function unchangedCount(layer: Float64Array, other: Float64Array): number {
  let same = 0;
  for (let at = 0; at < layer.length; at++) if (layer[at] === other[at] && layer[at] !== 0) same++;
  return same;
}

/**
 * The common λ (the densest value of τ_c / v over the first SCALE_SAMPLE weights and every mean
 * or sum v of a non-empty subset of the parents' τ there) and the share of all the weights some
 * subset explains at it.
 */
function explainedBy(tauChild: Float64Array, taus: readonly Float64Array[]): { scale: number; explained: number } {
  // Per weight, the values of every subset: sums, and means of the subsets of two or more.
  const masks = Array.from({ length: (1 << taus.length) - 1 }, (_, s) => s + 1);
  const perWeight = masks.reduce((count, mask) => count + (popCount(mask) === 1 ? 1 : 2), 0);
  const values = new Float64Array(tauChild.length * perWeight);
  for (let j = 0; j < tauChild.length; j++) {
    let at = j * perWeight;
    for (const mask of masks) {
      let sum = 0;
      taus.forEach((tau, i) => {
        if (mask & (1 << i)) sum += tau[j]!;
      });
      values[at++] = sum;
      const size = popCount(mask);
      if (size > 1) values[at++] = sum / size;
    }
  }
  const sampled = Math.min(tauChild.length, SCALE_SAMPLE);
  const ratios = new Float64Array(sampled * perWeight);
  let count = 0;
  for (let j = 0; j < sampled; j++) {
    for (let v = 0; v < perWeight; v++) {
      const ratio = tauChild[j]! / values[j * perWeight + v]!;
      if (Number.isFinite(ratio) && ratio > 0) ratios[count++] = ratio;
    }
  }
  const scale = densest(ratios.subarray(0, count).sort());
  if (!Number.isFinite(scale)) return { scale: Number.NaN, explained: 0 };
  let explained = 0;
  for (let j = 0; j < tauChild.length; j++) {
    const tolerance = RELATIVE_TOLERANCE * Math.abs(tauChild[j]!);
    for (let v = 0; v < perWeight; v++) {
      if (Math.abs(tauChild[j]! - scale * values[j * perWeight + v]!) <= tolerance) {
        explained++;
        break;
      }
    }
  }
  return { scale, explained: explained / tauChild.length };
}

/** Weights whose ratios place λ: thousands of explained weights put it on one value. */
const SCALE_SAMPLE = 2048;

function popCount(mask: number): number {
  let count = 0;
  for (let m = mask; m > 0; m >>= 1) count += m & 1;
  return count;
}

/** The value of sorted positive `values` with the most others within RELATIVE_TOLERANCE of it, NaN for none. */
function densest(sorted: Float64Array): number {
  let best = Number.NaN;
  let bestCount = 0;
  let low = 0;
  for (let high = 0; high < sorted.length; high++) {
    while (sorted[high]! - sorted[low]! > 2 * RELATIVE_TOLERANCE * sorted[high]!) low++;
    if (high - low + 1 > bestCount) {
      bestCount = high - low + 1;
      best = sorted[(low + high) >> 1]!;
    }
  }
  return best;
}
