/**
 * Merges (SPEC §8): a model made by combining two or more parents — a linear average, task
 * arithmetic (base + Σ λ_i (model_i − base)), SLERP (per tensor, a combination of two models
 * with coefficients set by their angle). Each of these is, layer by layer, a linear combination
 * of models in the set, which no fine-tune is. So for every model c, from its weights alone:
 *
 *   1. r₁ = ‖c − p‖ for its nearest model p on the sample (what a single parent explains)
 *   2. grow a set S ∋ p₁ (its nearest candidate by D) of up to MAX_PARENTS greedily, each step adding the model
 *      that most lowers the residual of the least-squares fit c_l ≈ Σ_{p∈S} w_{p,l} p_l, per layer l
 *   3. c is a merge when the smallest S whose residual is below MERGE_RESIDUAL · r₁ has at
 *      least two members with a clearly positive weight: those are its parents, and the weights
 *      (averaged over the layers where the parents differ) its coefficients
 *
 * A fine-tune c = p + Δ is not a combination: Δ is new, so no set of other models explains
 * it, and the residual stays near r₁ (siblings trained on the same data share part of their
 * drift, which leaves at least ~0.7 r₁: a shared drift is no more than half of Δ's energy in
 * the seed-sibling study). A negative weight (the base in task arithmetic with λ ≥ ½,
 * c = a + b − base) is part of the fit, not a parent.
 *
 * TIES and DARE keep only part of each task vector, so they are no linear combination; when the
 * fit fails, detect-sparse-merges.ts looks for their traces instead.
 *
 * The fit runs on a sample of each distance layer (the layer's first values, read by
 * merge-samples.ts), centred on p₁ so that models that differ by 1 % are not collinear in f64:
 * c − p₁ ≈ v·p₁ + Σ_{p∈S∖p₁} w_p (p − p₁), i.e. weight 1 + v − Σ w_p on p₁ (merge-least-squares.ts).
 * How the merges found then shape the tree: anchor-merges.ts.
 */

import { type LayerProducts, MergeScreen, SCREEN_SLACK, type ScreenSearch } from "./detect-merges-screen.ts";
import { fitSparseMerge } from "./detect-sparse-merges.ts";
import { centredGrams, fitLayer, residualOf, solveScratch, totalResidual } from "./merge-least-squares.ts";

/** Most parents a merge is searched with (mergekit configs combine 2–4 models as a rule). */
export const MAX_PARENTS = 4;

/**
 * A fit this far below the nearest model's distance is a merge. Crafted linear, task-arithmetic
 * and SLERP merges fit to storage rounding (≤ 1e-3 in f32); ordinary fine-tunes stay above
 * ~0.7 (see above): 0.25 sits well between.
 */
export const MERGE_RESIDUAL = 0.25;

/** A parent's weight must be at least this share of the positive weights (a parent is a real contributor, not a rounding). */
const MIN_SHARE = 0.05;

/** Candidate parents per model: its nearest models by the tree's distance. */
export const MERGE_CANDIDATES = 10;

/** One detected merge, in the indices the caller passed. */
export interface DetectedMerge {
  readonly child: number;
  readonly parents: readonly number[];
  /** Each parent's weight, averaged over the layers (a linear merge's mixing weights). */
  readonly coefficients: readonly number[];
  /** Residual of the fit relative to the nearest model's distance (0 for an exact combination). */
  readonly residual: number;
  /** Every model of the fit, negative weights included (the linear relation the merge is part of). */
  readonly fitSet: readonly number[];
  /**
   * Which member of a linear relation is the merge (resolveMerges: lower wins). A linear fit:
   * Σ |weight|, 1 for a convex combination and more the further from one. A sparse merge: how
   * far its parents are from the base relative to the child (below 1 when the base is their
   * common origin, as it is for the true merge).
   */
  readonly preference: number;
}

/**
 * The merges among `samples` (one per linear relation, resolveMerges) (samples[m][l]: model m's sample of layer l, the same positions
 * for every model). `distance` (k × k) picks each model's candidate parents; `allowed(c)`
 * says which models may be tested as children (e.g. not storage copies).
 */
export function detectMerges(
  samples: readonly (readonly Float64Array[])[],
  distance: Float64Array,
  allowed: (m: number) => boolean = () => true,
): DetectedMerge[] {
  const k = samples.length;
  const merges: DetectedMerge[] = [];
  // Most children are fine-tunes whose search ends at its first step: screened from shared products (detect-merges-screen.ts).
  const screen = new MergeScreen(samples);
  try {
    const children = Array.from({ length: k }, (_, c) => c).filter((c) => allowed(c));
    const candidates = children.map((c) =>
      Array.from({ length: k }, (_, p) => p)
        .filter((p) => p !== c)
        .sort((a, b) => distance[c * k + a]! - distance[c * k + b]!)
        .slice(0, MERGE_CANDIDATES),
    );
    // Every child's screen at every start in one native call; the search resumes at the first start the screen does not reject.
    const first = screen.firstStarts(children, candidates, MERGE_STARTS, SCREEN_SLACK, SCREEN_SEARCH);
    for (const [q, c] of children.entries()) {
      const merge = linearMergeOf(screen, samples, c, candidates[q]!, first?.[q] ?? 0) ?? sparseMergeOf(samples, c, candidates[q]!);
      if (merge) merges.push(merge);
    }
  } finally {
    screen.release();
  }
  return resolveMerges(merges);
}

/**
 * A distance bar of the greedy fit: the number, or how to compute it. The bar is read only once
 * a step has passed, which most fine-tunes never do, so the search passes the sample distances
 * behind it uncomputed (each is a sum over every sample value, one add after the other).
 */
export type DistanceBar = number | (() => number);

/** The screen's verdict for one child: false when fitMerge(samples, child, candidates, nearer) finds no merge (detect-merges-screen.ts). */
export function mayBeLinearMerge(screen: MergeScreen, child: number, candidates: readonly number[], nearer: DistanceBar = Number.POSITIVE_INFINITY): boolean {
  if (candidates.length < 2) return false;
  // Natively where the kernels are (the same search, operation for operation); in TypeScript where they cannot tell.
  const native = screen.fits(child, candidates, SCREEN_SLACK, typeof nearer === "number" ? nearer : undefined, SCREEN_SEARCH);
  return native ?? greedyFit(screen.layers(child, candidates), SCREEN_SLACK, nearer) !== undefined;
}

/**
 * Starts of the greedy fit: from the nearest candidate, then without it, then without the next.
 * A merge's own fine-tune can be nearer to it than any parent (a short fine-tune of a merge: the
 * Llama-like zoo's SFT of a linear merge); started there, the first parent explains too little
 * of the fine-tune's new direction to be taken, and the merge was missed.
 */
export const MERGE_STARTS = 3;

/**
 * fitMerge from each start from `first` on (the starts before it are known to be rejected by the
 * screen: MergeScreen.firstStarts); the bar stays MERGE_RESIDUAL of the distance to the nearest candidate,
 * skipped ones included, so leaving out a near model never makes a fit easier to accept.
 */
function linearMergeOf(
  screen: MergeScreen,
  samples: readonly (readonly Float64Array[])[],
  child: number,
  candidates: readonly number[],
  first = 0,
): DetectedMerge | undefined {
  // The distance to each skipped candidate, computed when a bar first needs it.
  const distances = new Map<number, number>();
  const distanceTo = (p: number) => distances.get(p) ?? distances.set(p, sampleDistance(samples, child, p)).get(p)!;
  for (let start = first; start < MERGE_STARTS && start < candidates.length - 1; start++) {
    const from = candidates.slice(start);
    const skipped = candidates.slice(0, start);
    const nearest: DistanceBar =
      skipped.length === 0 ? Number.POSITIVE_INFINITY : () => skipped.reduce((bar, p) => Math.min(bar, distanceTo(p)), Number.POSITIVE_INFINITY);
    const merge = mayBeLinearMerge(screen, child, from, nearest) ? fitMerge(samples, child, from, nearest) : undefined;
    if (merge) return merge;
  }
  return undefined;
}

/** ‖c − p‖ over every layer's sample. */
function sampleDistance(samples: readonly (readonly Float64Array[])[], c: number, p: number): number {
  let sum = 0;
  const [from, to] = [samples[c]!, samples[p]!];
  for (let l = 0; l < from.length; l++) {
    const [layer, other] = [from[l]!, to[l]!];
    for (let i = 0; i < layer.length; i++) sum += (layer[i]! - other[i]!) ** 2;
  }
  return Math.sqrt(sum);
}

/**
 * A TIES/DARE merge (detect-sparse-merges.ts) as a DetectedMerge: its parents are the models
 * whose task vectors it merged, each with the common scale λ as coefficient; the base stays in
 * the relation but is not a parent (it contributes no task vector).
 */
function sparseMergeOf(samples: readonly (readonly Float64Array[])[], child: number, candidates: readonly number[]): DetectedMerge | undefined {
  const sparse = fitSparseMerge(samples, child, candidates);
  if (!sparse) return undefined;
  return {
    child,
    parents: sparse.parents,
    coefficients: sparse.parents.map(() => sparse.scale),
    residual: 1 - sparse.explained,
    fitSet: [sparse.base, ...sparse.parents],
    preference: sparse.baseNearness,
  };
}

/**
 * Steps 1–3 for one child; undefined when it is no merge. `nearer`: the distance to a model left
 * out of `candidates` that is nearer than all of them (the acceptance bar is relative to it).
 */
export function fitMerge(
  samples: readonly (readonly Float64Array[])[],
  child: number,
  candidates: readonly number[],
  nearer: DistanceBar = Number.POSITIVE_INFINITY,
): DetectedMerge | undefined {
  if (candidates.length < 2) return undefined;
  // Regressors: 0 is the first candidate (the scale v), 1… the others minus it. Centring on any
  // member of the set spans the same fits; the nearest by D keeps the differences small.
  const set = [...candidates];
  const grams = centredGrams(samples, child, set);
  const found = greedyFit(grams, 0, nearer);
  return found && mergeOf(grams, found.chosen, set, child, found.single);
}

/** Whether the TypeScript greedy search finds a fit on `grams` (the reference of MergeScreen.fits). */
export function greedySearchFits(grams: readonly LayerProducts[], slack: number, nearer: DistanceBar = Number.POSITIVE_INFINITY): boolean {
  return greedyFit(grams, slack, nearer) !== undefined;
}

/**
 * Steps 1–2 on one child's products (regressor 0 = p₁): the regressors of the smallest set
 * whose residual is below MERGE_RESIDUAL · min(r₁, nearer), and r₁; undefined when there is none. `slack`
 * loosens both bars (the screen's shared products round differently, detect-merges-screen.ts).
 */
function greedyFit(
  grams: readonly LayerProducts[],
  slack: number,
  nearer: DistanceBar = Number.POSITIVE_INFINITY,
): { chosen: number[]; single: number } | undefined {
  const m = grams[0]?.count ?? 0;
  // ‖c − q‖² = ‖y − v_q‖² from the same products the first step needs.
  const squared = (at: number) => grams.reduce((sum, g) => sum + (at === 0 ? g.target : g.target - 2 * g.right(at) + g.gram(at, at)), 0);
  let single = Infinity;
  for (let at = 0; at < m; at++) single = Math.min(single, squared(at));
  single = Math.sqrt(single);
  if (!(single > 0)) return slack > 0 ? { chosen: [], single } : undefined; // a duplicate: storage twins say so
  let chosen = [0];
  let residual = single;
  while (chosen.length < MAX_PARENTS) {
    let best: { at: number; residual: number } | undefined;
    for (let at = 1; at < m; at++) {
      if (chosen.includes(at)) continue;
      const trial = residualOf(grams, [...chosen, at], SCRATCH);
      if (!best || trial < best.residual) best = { at, residual: trial };
    }
    // A step that explains little more is a fine-tune's new direction, not another parent.
    if (!best || best.residual > (1 - MIN_STEP_GAIN) * (1 + slack) * residual) return undefined;
    chosen = [...chosen, best.at];
    residual = best.residual;
    if (residual <= MERGE_RESIDUAL * (1 + slack) * Math.min(single, typeof nearer === "number" ? nearer : nearer())) return { chosen, single };
  }
  return undefined;
}

/** A parent must lower the fit's residual by this share at least (a merge's parents each explain a large part). */
const MIN_STEP_GAIN = 0.1;

/** The greedy search's solve buffers (residualOf: one search at a time per thread). */
const SCRATCH = solveScratch(MAX_PARENTS);

/** The greedy search's rules, for the screen's native search (detect-merges-screen.ts). */
export const SCREEN_SEARCH: ScreenSearch = { maxParents: MAX_PARENTS, minStepGain: MIN_STEP_GAIN, mergeResidual: MERGE_RESIDUAL };

/** The merge found with regressors `chosen` (0 = p₁), keeping clearly positive weights only. */
function mergeOf(grams: readonly LayerProducts[], chosen: readonly number[], set: readonly number[], child: number, single: number): DetectedMerge | undefined {
  const fits = grams.map((gram) => fitLayer(gram, chosen));
  // Layers weigh by how much the parents differ there: where they are all equal (a LoRA merge's
  // untouched layers) any split of the weights fits, and would only blur the real one.
  const spread = grams.map((gram) => chosen.reduce((sum, a) => sum + (a > 0 ? gram.gram(a, a) : 0), 0));
  const layerWeight = spread.some((x) => x > 0) ? spread : grams.map((gram) => gram.size);
  const total = layerWeight.reduce((sum, w) => sum + w, 0);
  const models = chosen.map((at) => set[at]!);
  const weights = chosen.map((_, s) => fits.reduce((sum, fit, l) => sum + fit.weights[s]! * layerWeight[l]!, 0) / total);
  const positive = weights.reduce((sum, w) => sum + Math.max(0, w), 0);
  const parents = models.filter((_, s) => weights[s]! > MIN_SHARE * positive);
  if (parents.length < 2) return undefined;
  return {
    child,
    parents,
    coefficients: parents.map((p) => weights[models.indexOf(p)]!),
    residual: totalResidual(fits) / single,
    fitSet: models,
    preference: weights.reduce((sum, w) => sum + Math.abs(w), 0),
  };
}

/**
 * One merge per linear relation. An exact combination c = Σ w_p p can be solved for any of its
 * members with a non-zero weight (task arithmetic c = a + b − base also reads base = a + b − c),
 * so each member of a relation tests as a merge. The member whose fit is nearest to a convex
 * combination (smallest Σ |w|: c above has 3, base = a + b − c has 3 as well, a = c + base − b
 * too; with λ = 0.7, c has 1.8 and the others 3 and 6) is taken as the merge, then the smaller
 * residual, then the earlier model; every other member of its relation is dropped. A relation
 * whose weights tie (λ = 1 on two models: a parallelogram, symmetric in its corners) cannot be
 * told from weights alone. A DARE merge with a large rescale also reads backwards (the base as
 * a sparse merge onto the child); there the merge is the member whose parents sit nearer its
 * base than itself (DetectedMerge.preference).
 */
export function resolveMerges(candidates: readonly DetectedMerge[]): DetectedMerge[] {
  const ordered = [...candidates].sort((a, b) => a.preference - b.preference || a.residual - b.residual || a.child - b.child);
  const accepted: DetectedMerge[] = [];
  for (const merge of ordered) {
    const sameRelation = accepted.some((other) => other.fitSet.includes(merge.child) && merge.fitSet.includes(other.child));
    if (!sameRelation) accepted.push(merge);
  }
  return accepted.sort((a, b) => a.child - b.child);
}
