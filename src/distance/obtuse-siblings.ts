/**
 * Sibling angles: a placement rule for language models (issue #13, docs/direction.md, "The
 * small sibling between its parent and a large sibling").
 *
 * Two fine-tunes of one parent on different data move its weights in nearly independent
 * directions, and independent directions in a space of millions of weights meet at ≈ 90°. On
 * the Llama-like families a short fine-tune (codellama-instruct) and a long one on related
 * data (codellama-python) share part of their drift, so the short one lies near the segment
 * between their parent and the long one: the angle at it, between the parent and the long
 * sibling, is obtuse — and every pairwise distance then prefers the chain parent → short →
 * long. A node whose neighbours meet at an obtuse angle is not between them in a tree of
 * independent updates, so the rule rules out the longer of the two pairs: for models a, m, b
 * with d(a, m) < d(m, b) and an obtuse angle at m (d(a,b)² > d(a,m)² + d(m,b)²), m and b are
 * not parent and child of each other. Angles come from the law of cosines on a Euclidean
 * distance the layer pass already has the terms of (tree-distance.ts, distanceEuclidean:
 * √Σ over the distance layers of (mean |Δw| / the layer's RMS)²): no new pass over weights.
 *
 * It assumes updates that do not continue each other: continued training on the same data (an
 * SD-like chain of checkpoints) also puts the middle model on the segment, so the rule is off
 * for trees with a generalization stage and, under `auto`, for models without a 2-D embedding
 * matrix (a token or position table: language models; vision models' patch projections are
 * 4-D and their position tables 3-D).
 */
import { assert } from "../errors.ts";
import { classifyLayer } from "../layers/classify-layer.ts";

/**
 * `--sibling-angles`: auto (language models, unless a stage is generalization), on, off; parent
 * (the default): where auto applies, but an obtuse angle at m rules out only m as the farther
 * model's parent (b may still be m's parent: a child continuing m's update — continued training —
 * also puts m between its parent and its child, the set-2 failure of auto; docs/direction.md).
 */
export type SiblingAngles = "auto" | "on" | "off" | "parent";

/**
 * `--sibling-adapters`: whether the rule also rules out pairs measured by rank in a mixed tree (an adapter child and
 * its base: "rule", today's behaviour) or leaves them to their rank ("skip"). The rule's premise is the Euclidean
 * geometry of independent full fine-tunes; a low-rank update of a few matrices on top of a fine-tune may continue
 * the fine-tune's own direction (held-out set 4's LoRA-on-fine-tune: obtuse at the tuned parent, −0.01 and −0.05),
 * and rank, not the angle, is what says which model an adapter was trained on.
 */
export type SiblingAdapters = "rule" | "skip";

/** `--sibling-geometry`: the distance the angles are read from (options.ts, siblingGeometry). */
export type SiblingGeometry = "euclidean" | "scale-free" | "correlation";

/** Cosine below which the angle at the middle model counts as obtuse: 0, a right angle (not fitted). */
const OBTUSE_COSINE = 0;

/** Rounding of a cosine from three square roots: an exact right angle must not read as obtuse. */
const COSINE_ROUNDING = 1e-9;

/**
 * k×k (1 = edge parent → child ruled out) for a k×k distance `d`: m and b are ruled out when some
 * third model a is nearer to m than b is and the angle at m between a and b is obtuse — both
 * ways (symmetric), or with `parentOnly` only m → b (m as b's parent). Pairs nonzero in `exempt`
 * (k×k, symmetric) are never ruled out (`--sibling-adapters skip`: pairs measured by rank). With `spare`, an obtuse
 * angle at m between a and b rules nothing out where spare(a, m, b) holds (`--pair-inherit`: b carries m's own update
 * from a, so b and m are not siblings under a: src/direction/inherit-side.ts).
 */
export function obtuseShadows(
  d: Float64Array,
  k: number,
  parentOnly = false,
  exempt?: ArrayLike<number>,
  spare?: (a: number, m: number, b: number) => boolean,
): Uint8Array {
  assert(d.length === k * k, "sibling angles: distance matrix size");
  assert(exempt === undefined || exempt.length === k * k, "sibling angles: exempt matrix size");
  const out = new Uint8Array(k * k);
  const sq = (i: number, j: number) => d[i * k + j]! * d[i * k + j]!;
  for (let m = 0; m < k; m++) {
    for (let b = 0; b < k; b++) {
      if (b === m || out[m * k + b] || exempt?.[m * k + b]) continue;
      for (let a = 0; a < k; a++) {
        if (a === m || a === b || !(sq(a, m) < sq(m, b)) || !(sq(a, m) > 0)) continue;
        // law of cosines: cos at m = (|am|² + |mb|² − |ab|²) / (2 |am| |mb|)
        const cos = (sq(a, m) + sq(m, b) - sq(a, b)) / (2 * d[a * k + m]! * d[m * k + b]!);
        if (cos < OBTUSE_COSINE - COSINE_ROUNDING && !spare?.(a, m, b)) {
          out[m * k + b] = 1;
          if (!parentOnly) out[b * k + m] = 1;
          break;
        }
      }
    }
  }
  return out;
}

/** Whether a model has a 2-D embedding matrix (a token or position table), i.e. is a language model by the gate above. */
export function hasEmbeddingMatrix(tensors: readonly { readonly name: string; readonly shape: readonly number[] }[]): boolean {
  return tensors.some((t) => t.shape.length === 2 && classifyLayer(t.name, t.shape) === "embedding");
}

/**
 * The distance the rule reads for one tree (`euclidean`, distanceEuclidean over its kept
 * models), or undefined when it does not apply: `off`; a tree measured by rank alone (`rankOnly`,
 * an ℓ_LoRA tree: no Euclidean geometry, rank-between.ts places it); `auto` for models that are not language
 * models (hasEmbeddingMatrix) or a tree with a member labelled generalization; fewer than three models.
 */
export function angleDistanceFor(
  option: SiblingAngles,
  rankOnly: boolean,
  languageModel: boolean,
  stages: readonly string[],
  euclidean: () => Float64Array,
): Float64Array | undefined {
  if (option === "off" || rankOnly || stages.length < 3) return undefined;
  if ((option === "auto" || option === "parent") && (!languageModel || stages.includes("generalization"))) return undefined;
  return euclidean();
}
