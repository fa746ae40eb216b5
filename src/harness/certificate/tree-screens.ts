/**
 * Screens on a tree's fingerprints (issue #15): which models or pairs the seeded samples cannot
 * clear of being typed other than `finetune` by the exact recovery — a tree may be decided
 * without it only when every screen clears everything (tree-certificate.ts decides the rest):
 *
 *   storage twins   a pair is cleared when some sample differs by more than storage rounding can
 *                   (storage-twins.ts sameUpToRounding): deterministic, a sample is a real weight;
 *   pruned copies   a model is cleared when none of its samples is an exact 0: a PRUNED_ZEROS share
 *                   (20 %) leaves none in 128 samples of a layer with probability 0.8¹²⁸ ≈ 4·10⁻¹³;
 *   TIES / DARE     a child is cleared when, over the layers it moved from a member, at most
 *                   SHARED_SAMPLE_BAR of the samples are bit-identical to that member's (a sparse
 *                   merge keeps MIN_UNCHANGED_SHARE, 5 %, of every moved layer);
 *   linear merges   a child is cleared when recovery's greedy least-squares search (detect-merges.ts:
 *                   c ∈ span S, S grown from its nearest model up to MAX_PARENTS), run on the samples
 *                   over every member instead of its 10 nearest by D, leaves more than
 *                   MERGE_SCREEN_BAR · r₁: a statistical screen with a margin, not a proof.
 *
 * Quantised (grid) copies and adapter pairs are not seen by the samples: the first needs each
 * row's range, the second a rank (docs/scale.md, "Deciding a tree from its fingerprints").
 */
import type { Dtype } from "../../types.ts";
import { UNIT_ROUNDOFF } from "../../distance/storage-noise.ts";
import { MAX_PARENTS, MERGE_RESIDUAL } from "../../recover/detect-merges.ts";
import { SAMPLES_PER_LAYER, type Fingerprint } from "../../index/fingerprint.ts";

/**
 * A linear-merge fit on the samples must leave at least this share of r₁ (1.5 × MERGE_RESIDUAL).
 * The ratio from ~2,300 samples (18 layers × 128) has a relative standard error of ~2 % (a sum of
 * 2,300 squared residuals: √(2/2300) ≈ 3 % on its square): the margin is some 20 standard errors.
 */
export const MERGE_SCREEN_BAR = 1.5 * MERGE_RESIDUAL;

/**
 * Share of a child's samples in moved layers that may be bit-identical to a member's. A sparse
 * merge needs ≥ 5 % in every moved layer: over 2,300 samples ≥ 115 expected, ≤ 23 allowed (~9 SD).
 */
export const SHARED_SAMPLE_BAR = 0.01;

/** Slack on a rounding bound, as storage-twins.ts. */
const ROUNDING_SLACK = 1.001;

/** What the screens could not clear, by index into the tree. */
export interface TreeScreens {
  /** Pairs [i, j] that may be storage twins. */
  readonly twinPairs: readonly (readonly [number, number])[];
  /** Models with an exact zero among their samples (maybe pruned). */
  readonly zeroModels: readonly number[];
  /** Models sharing too many bit-identical samples with a member (maybe TIES/DARE). */
  readonly sharingModels: readonly number[];
  /** Children whose fit from other members falls to MERGE_SCREEN_BAR · r₁ or below (maybe linear merges). */
  readonly mergeChildren: readonly number[];
  /** The lowest fit ratio seen (how far the tree is from the bar). */
  readonly lowestMergeRatio: number;
}

/** Whether every screen cleared everything. */
export function screensClear(screens: TreeScreens): boolean {
  return screens.twinPairs.length + screens.zeroModels.length + screens.sharingModels.length + screens.mergeChildren.length === 0;
}

/** Runs every screen on the fingerprints of one tree; `dtypes[m][d]` is model m's stored dtype of its d-th distance layer. */
export function screenTree(tree: readonly Fingerprint[], dtypes: readonly (readonly Dtype[])[]): TreeScreens {
  const k = tree.length;
  const distanceLayers = tree[0]!.layers.flatMap((layer, l) => (layer.distance ? [l] : []));
  const twinPairs: [number, number][] = [];
  const sharing = new Set<number>();
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      let identical = 0;
      let moved = 0;
      let beyondRounding = false;
      distanceLayers.forEach((l, d) => {
        const [a, b] = [dtypes[i]![d]!, dtypes[j]![d]!];
        const [sa, sb] = [tree[i]!.stats[l]!, tree[j]!.stats[l]!];
        const largest = Math.max(Math.abs(sa.min), Math.abs(sa.max), Math.abs(sb.min), Math.abs(sb.max));
        const tolerance = a === b ? 0 : ROUNDING_SLACK * Math.max(UNIT_ROUNDOFF[a], UNIT_ROUNDOFF[b]) * largest;
        let same = 0;
        for (let s = d * SAMPLES_PER_LAYER; s < (d + 1) * SAMPLES_PER_LAYER; s++) {
          const difference = Math.abs(tree[i]!.samples[s]! - tree[j]!.samples[s]!);
          if (difference === 0) same++;
          if (difference > tolerance) beyondRounding = true;
        }
        if (same === SAMPLES_PER_LAYER) return; // a layer neither moved is no evidence either way
        identical += same;
        moved += SAMPLES_PER_LAYER;
      });
      if (!beyondRounding) twinPairs.push([i, j]);
      if (moved > 0 && identical > SHARED_SAMPLE_BAR * moved) sharing.add(i).add(j);
    }
  const zeroModels = tree.flatMap((f, m) => (f.samples.some((v) => v === 0) ? [m] : []));
  const { children, lowest } = mergeScreen(tree);
  return { twinPairs, zeroModels, sharingModels: [...sharing].sort((a, b) => a - b), mergeChildren: children, lowestMergeRatio: lowest };
}

/**
 * The greedy least-squares search of detect-merges.ts on the samples, every member a candidate.
 * Per layer the Gram matrix of the members' samples is formed once; adding a member p to the set
 * lowers the child's residual by ⟨c⊥, p⊥⟩² / ‖p⊥‖² (⊥: orthogonal to the set so far), and the
 * Gram matrix of the ⊥ parts follows by one rank-one update per step (a Schur complement), so a
 * step costs O(k) per layer and candidate instead of a least-squares solve.
 */
function mergeScreen(tree: readonly Fingerprint[]): { children: number[]; lowest: number } {
  const k = tree.length;
  if (k < 3) return { children: [], lowest: Number.POSITIVE_INFINITY };
  const layers = tree[0]!.samples.length / SAMPLES_PER_LAYER;
  const grams = Array.from({ length: layers }, (_, l) => {
    const gram = new Float64Array(k * k);
    for (let a = 0; a < k; a++)
      for (let b = a; b < k; b++) {
        let dot = 0;
        const [x, y] = [tree[a]!.samples, tree[b]!.samples];
        for (let s = l * SAMPLES_PER_LAYER; s < (l + 1) * SAMPLES_PER_LAYER; s++) dot += x[s]! * y[s]!;
        gram[a * k + b] = gram[b * k + a] = dot;
      }
    return gram;
  });
  const children: number[] = [];
  let lowest = Number.POSITIVE_INFINITY;
  for (let child = 0; child < k; child++) {
    const others = Array.from({ length: k }, (_, m) => m).filter((m) => m !== child);
    // r₁ = ‖c − p₁‖² summed over layers, p₁ the nearest on the samples.
    const squared = (p: number) => grams.reduce((sum, g) => sum + g[child * k + child]! - 2 * g[child * k + p]! + g[p * k + p]!, 0);
    const nearest = others.reduce((best, p) => (squared(p) < squared(best) ? p : best));
    // The ⊥ Gram matrices, updated as the set grows (copies: the originals serve the next child).
    const residualGrams = grams.map((g) => Float64Array.from(g));
    const chosen = new Set<number>();
    let current = grams.reduce((sum, g) => sum + g[child * k + child]!, 0);
    let next = nearest;
    for (let step = 0; step < MAX_PARENTS && next >= 0; step++) {
      current -= addToSet(residualGrams, k, child, next);
      chosen.add(next);
      let best = { gain: 0, candidate: -1 };
      for (const p of others) {
        if (chosen.has(p)) continue;
        const gain = residualGrams.reduce((sum, g) => sum + gainOf(g, k, child, p), 0);
        if (gain > best.gain) best = { gain, candidate: p };
      }
      next = step + 1 < MAX_PARENTS ? best.candidate : -1;
    }
    const ratio = Math.sqrt(Math.max(0, current) / squared(nearest));
    lowest = Math.min(lowest, ratio);
    if (!(ratio > MERGE_SCREEN_BAR)) children.push(child);
  }
  return { children, lowest };
}

/** How much adding member p lowers the child's squared residual in one layer: ⟨c⊥, p⊥⟩² / ‖p⊥‖² (0 when p⊥ vanishes). */
function gainOf(gram: Float64Array, k: number, child: number, p: number): number {
  const norm = gram[p * k + p]!;
  return norm > 1e-12 * Math.abs(gram[child * k + child]!) && norm > 0 ? gram[p * k + child]! ** 2 / norm : 0;
}

/** Adds member p to the set in every layer (G ← G − g_p g_pᵀ / G_pp); returns the child's residual drop. */
function addToSet(grams: Float64Array[], k: number, child: number, p: number): number {
  let drop = 0;
  for (const gram of grams) {
    const norm = gram[p * k + p]!;
    drop += gainOf(gram, k, child, p);
    if (!(norm > 0)) continue;
    const column = Float64Array.from({ length: k }, (_, a) => gram[a * k + p]!);
    for (let a = 0; a < k; a++) {
      const factor = column[a]! / norm;
      if (factor === 0) continue;
      for (let b = 0; b < k; b++) gram[a * k + b] = gram[a * k + b]! - factor * column[b]!;
    }
  }
  return drop;
}
