/**
 * Every recovery setting, with its default and the reason for it. The CLI, the library and
 * the experiments all start from `DEFAULT_RECOVER_OPTIONS` and override fields.
 */
import type { PairForm } from "../direction/pair-rule.ts";
import type { PairPenalty } from "../direction/pair-penalty.ts";
import type { LayerKind, ScoreName, Stage } from "../types.ts";
import { DEFAULT_RANK_EPSILON, DEFAULT_SKETCH_SIZE } from "./low-rank-sketch.ts";
import type { SiblingAdapters, SiblingAngles, SiblingGeometry } from "../distance/obtuse-siblings.ts";

/** Which weight distance places the edges (SPEC §2). */
export type DistanceName = "ft" | "lora" | "auto";

/**
 * How ℓ_FT compares two models' layers (tree-distance.ts): the paper's max |Δw|, mean |Δw|, their geometric mean,
 * the Euclidean √Σ (mean |Δw| / RMS)², or "auto": Euclidean for language models, geometric for the rest (resolveFtDistance).
 */
export type FtDistance = "max" | "mean" | "geometric" | "euclidean" | "auto";

/**
 * The ℓ_FT of one tree under `auto`: Euclidean for language models (a 2-D embedding matrix), whose independent
 * updates add in quadrature (squared distances add along a chain), geometric otherwise; any other kind as given.
 */
export function resolveFtDistance(kind: FtDistance, languageModel: boolean): Exclude<FtDistance, "auto"> {
  if (kind !== "auto") return kind;
  return languageModel ? "euclidean" : "geometric";
}

export interface RecoverOptions {
  /**
   * Stage of every model (paper §5). "auto" (the default) tries both score trends on each tree
   * and keeps the cheaper arborescence; a tree without a branch point (a chain, a pair) ties
   * and falls back to specialization.
   */
  readonly stage: Stage | "auto";
  /** Per-model stage overrides (id → stage), from `--stages FILE.json`. */
  readonly stages: Readonly<Record<string, Stage>>;
  /**
   * How `--stage auto` orients a tree without a branch (a chain or a pair), where both
   * orientations cost the same: "specialization" assumes fine-tuning; "init-distance" lets the
   * distance from a synthetic init decide (src/direction/orient-chain.ts; docs/direction.md);
   * "chains" lets it decide chains of three or more models (two or more edges vote) and assumes
   * fine-tuning for a pair, where one edge's vote is weaker than the fine-tuning trend.
   */
  readonly chain: "specialization" | "init-distance" | "chains";
  /**
   * The sibling-angle placement rule (src/distance/obtuse-siblings.ts): a model whose neighbours
   * meet at an obtuse angle is not between them. "auto": for language models (a 2-D embedding
   * matrix) unless a stage is generalization.
   */
  readonly siblingAngles: SiblingAngles;
  /**
   * Which Euclidean distance the sibling-angle rule reads its angles from: "euclidean" (distanceEuclidean, the
   * layers as they are) or "scale-free" (src/distance/scale-free.ts: each layer of each model at unit norm, so a
   * shrink every fine-tune shares — weight decay — does not make independent updates look aligned), or "correlation"
   * (the same chord measured from each layer's correlation in the pair rule's read, attention and MLP: distanceCorrelation;
   * scale-free where no pair rule runs).
   */
  readonly siblingGeometry: SiblingGeometry;
  /** Whether the sibling-angle rule rules out pairs measured by rank in a mixed tree (obtuse-siblings.ts, SiblingAdapters). */
  readonly siblingAdapters: SiblingAdapters;
  /**
   * Orient by pairwise evidence (src/direction/pair-rule.ts, `pair-tanh`: each edge tested on its two
   * models' weights jointly) instead of a per-model score: "auto" for language models (a 2-D
   * embedding matrix), "on" for every tree, "off" never. Only with `score: "auto"`.
   */
  readonly pairDirection: "auto" | "on" | "off";
  /**
   * The pair rule `pairDirection` orients by (src/direction/registry.ts, `pair-<form>`): "tanh" (Hyvärinen & Smith's
   * likelihood-ratio approximation), or "adaptive" (tanh, or the general likelihood ratio where the update is
   * heavier-tailed than the weights: SGD), "tanh-hetero" (Stouffer's z of tanh and heteroscedasticity), "entropy", "cumulant",
   * "heteroscedasticity".
   */
  readonly pairRule: PairForm;
  /**
   * Add the weight-decay signature to a pair rule's evidence (src/direction/decay-signature.ts): embedding rows that
   * got no gradient are rescaled by exactly one factor < 1 from parent to child under AdamW's or SGD's weight decay.
   * "exact" also rules out a parent whose stored rows reproduce a child's decayed rows (round(c · parent), element for
   * element) significantly less exactly than another model's.
   */
  readonly pairDecay: "on" | "off" | "exact";
  /**
   * Add ancestor evidence to a pair rule's (src/direction/ancestor-evidence.ts): an edge x → y below the root also gets
   * the sign test of y lying farther than x from x's parent, per layer in correlation distance, and the tree is solved again.
   * "floor": only on the edges whose own pair z is at its noise floor (|z| < ANCESTOR_FLOOR), what the test was meant
   * for; a clear pair test is not outvoted by a grandparent that a tune stepping back toward it misleads. "agree": only
   * where it does not reverse the sign of the edge's own z (ancestor-evidence.ts, notOverturning).
   */
  readonly pairAncestor: "on" | "off" | "floor" | "agree";
  /**
   * Inheritance evidence for a pair rule's tree (src/direction/inherit-side.ts): a model below p carries p's own update
   * (p minus p's parent) in its fine detail, slope 1 outside the update's strongest directions. "forbid": an edge p → x
   * below the root whose x does not is forbidden and the tree solved again; "spare": the sibling-angle rule spares m → b
   * where b carries m's update from the angle's third model; "on": both.
   */
  readonly pairInherit: "off" | "forbid" | "spare" | "on";
  /**
   * A long edge in a pair rule's tree (src/distance/long-edges.ts): "root" forbids an edge p → x more than twice as
   * long as p's own edge when x is within 10 % as near to p's parent, so a long stage hangs from the root of the tunes
   * it leans toward; "off" leaves it to D.
   */
  readonly longEdge: "off" | "root";
  /**
   * One side of `pairInherit`'s forbid test (src/direction/inherit-side.ts, slopeSide): an edge p → x below the root is
   * forbidden when x's residual slope on p's own update is below the band ("under": x carries less of p's fine detail
   * than a child does — a sibling beside p) or above it ("over": x goes farther along it than p — p an EMA or shorter run
   * on x's data). "off" leaves it to D. Set-10 candidates (docs/direction.md, "Set-10 candidates: placement (place16)").
   */
  readonly pairOffside: "off" | "under" | "over";
  /**
   * What an edge pays for running against a pair rule's evidence (src/direction/pair-penalty.ts): "full", one λ
   * whatever the z; "confidence", λ·erf(|z|/√2), so a chance-level z costs next to nothing and the distance decides.
   */
  readonly pairPenalty: PairPenalty;
  /**
   * The root of a pair rule's tree: "tie", the most root-like model (net evidence as a parent) only on a cost tie, as
   * `rootTie` says; "lambda", that model whenever rooting there costs at most one λ of the pair tree's more (λ ×
   * `pairLambda`; a short tune of the base that the tree was rooted at pays that to hang below the base again).
   */
  readonly pairRoot: "tie" | "lambda";
  /** λ of a pair rule's tree as a multiple of `lambda` (2: an edge against the pair evidence pays twice as much; 0 turns the pair evidence off). */
  readonly pairLambda: number;
  /** "on": an edge whose own pair z is at or below −PAIR_VETO (3) is forbidden in a pair rule's tree (pair-rule.ts, withVeto). */
  readonly pairVeto: "off" | "on";
  /**
   * Which of several equally cheap arborescences (differing in which end of a root path holds
   * the one edge against the trend) is kept: the solver's pick, or "score", the one rooted at
   * the most root-like model (recover-tree.ts, rootedAtTie). Opt-in until every experiment is rerun with it.
   */
  readonly rootTie: "solver" | "score";
  /** Number of trees in the whole set, or "auto" (chosen from the dendrogram). */
  readonly trees: number | "auto";
  readonly distance: DistanceName;
  /** The full-fine-tuning distance (used by `ft` trees, and by auto to find nearest neighbours). */
  readonly ftDistance: FtDistance;
  /** c in λ = c · mean(D) (paper Eq. 6). */
  readonly lambda: number;
  /**
   * The statistic summed over layers as the directional score (its src/direction/ registry rule orients it).
   * "auto": kurtosis over `scoreKinds` for trees built with ℓ_FT, variance over the LoRA
   * layers for trees built with ℓ_LoRA (see docs/defaults.md for the measurements).
   */
  readonly score: ScoreName | "auto";
  /** Layers feeding ℓ_FT and the clustering distance. */
  readonly distanceKinds: readonly LayerKind[];
  /** Layers feeding the directional score of ℓ_FT trees (and of every tree when `score` is not auto). */
  readonly scoreKinds: readonly LayerKind[];
  /** Layers feeding ℓ_LoRA (the LoRA-tuned ones). */
  readonly loraKinds: readonly LayerKind[];
  /** Relative singular-value threshold for rank(Δ). */
  readonly rankEpsilon: number;
  /** Width of the two-sided low-rank sketch (ranks at or above it saturate). */
  readonly sketchSize: number;
  /**
   * Compute every statistic of every layer read (entropy's histogram included) for the
   * `layerStats` rows (`mother recover --stats`); otherwise entropy is computed only when it
   * is the score — the histogram is most of the statistics' cost.
   */
  readonly fullStatistics: boolean;
  /**
   * Look for merges (detect-merges.ts): a model that is a linear combination of two or more
   * others gets them all as parents ("merge" edges) instead of one place in the tree.
   */
  readonly merges: boolean;
  /** Worker threads for the layer pass; undefined picks from the selected bytes. */
  readonly workers?: number;
  /**
   * Folder of the layer cache (layer-cache.ts): layers found there are not read, layers read
   * are stored. Undefined (the library default) reads every layer and keeps nothing; the CLI
   * caches by default.
   */
  readonly cacheFolder?: string;
  /**
   * Key the layer cache by a checksum of each tensor's bytes instead of its file's path, size
   * and mtime (--verify-cache): catches files rewritten in place with the same size and mtime,
   * at the cost of reading every selected byte again (the layer pass's arithmetic is still saved).
   */
  readonly verifyCache?: boolean;
}

export const DEFAULT_RECOVER_OPTIONS: RecoverOptions = {
  // auto, not the paper's fixed specialization: kurtosis fell parent → child in our ONNX-trained
  // trees (where auto picked specialization on 15/15 VTHR trees at unchanged accuracy) but
  // ROSE on 48/48 edges of PyTorch-trained trees from torch's uniform init, where the fixed
  // trend got 0.42 of edges and auto 0.91 (experiments/foreign-trees.ts, docs/defaults.md).
  stage: "auto",
  stages: {},
  chain: "chains",
  // Language models only, one way: on the Llama-like families it keeps a short sibling from being its long one's
  // parent; both ways (auto) it also cut parent → m where m's child continues m's update (held-out set 2). All LM
  // families of sets 0-2 pooled: auto 47/74 directed, off 50, parent 57; held-out set 3 (docs/direction.md).
  siblingAngles: "parent",
  // Language models only (the rule's gate): angles with each layer at unit norm, so the shrink every fine-tune shares
  // under weight decay does not line independent updates up (held-out set 5, docs/direction.md).
  siblingGeometry: "scale-free",
  // A pair measured by rank (an adapter and its base in a mixed tree) is left to its rank (held-out set 5, docs/direction.md).
  siblingAdapters: "skip",
  // Language models only: a per-model score needs a trend the whole tree shares, and on the LM families none does;
  // the pair test needs none (held-out LM edges 11/20 → 16/20, every ViT tree untouched; docs/direction.md, "Pairwise rules").
  pairDirection: "auto",
  pairRule: "tanh",
  // Language models: embedding rows a fine-tune never saw are rescaled by one factor < 1 under weight decay (a one-way
  // parent → child relation added to the pair evidence), stored as round(c · the parent's stored rows): only the parent
  // reproduces them exactly (sets 0-3: 66 → 71 of 88 directed, the Llama-2-like recipe 5/5 seeds exact; held-out set 4
  // scored once: docs/direction.md).
  pairDecay: "exact",
  // Language models: an edge below the root also gets its grandparent's evidence (ancestor-evidence.ts): LM sets 0-5
  // 114 -> 117 of 143 directed, held-out set 6 scored once 18 -> 22 of 32 (docs/direction.md).
  pairAncestor: "on",
  // Language models: a long edge below a short one is re-hung from the short one's parent (long-edges.ts), and the
  // sibling-angle rule spares an edge whose child carries the middle model's own update (inherit-side.ts): in sample (36
  // LM families of sets 0-8) 119 -> 123 of 163 directed, held-out set 9 scored once 14 -> 15 of 26 (docs/direction.md).
  pairInherit: "spare",
  longEdge: "root",
  // Set-10 candidates (docs/direction.md, "Set-10 candidates: placement (place16)"): scored once on set 10 and not adopted (no set-10 gain).
  pairOffside: "off",
  pairPenalty: "full",
  pairRoot: "tie",
  pairLambda: 1,
  pairVeto: "off",
  // A cost tie is no evidence for either root; "score" roots it at the most root-like model (VTHR LoRA-V
  // 0.96 → 1.00 with rank betweenness, the LM and SD families unchanged; docs/direction.md).
  rootTie: "score",
  trees: "auto",
  distance: "auto",
  ftDistance: "geometric",
  lambda: 0.3,
  score: "auto",
  // The square attention projections of every block (SPEC §2). Adding the MLP matrices did
  // not help placement on VTHR FT (direction-ablation λ × distance-layer sweep) and costs work.
  distanceKinds: ["query", "key", "value", "qkv", "attention-output"],
  // Kurtosis over attention AND MLP matrices: on VTHR FT it ordered 99 % of the true edges
  // (attention alone 83 %) and per-tree accuracy rose from 0.68 to 0.85 (docs/defaults.md).
  scoreKinds: ["query", "key", "value", "qkv", "attention-output", "mlp-in", "mlp-gate", "mlp-out"],
  loraKinds: ["query", "value"],
  rankEpsilon: DEFAULT_RANK_EPSILON,
  sketchSize: DEFAULT_SKETCH_SIZE,
  fullStatistics: false,
  merges: true,
};

/**
 * `--distance auto` picks ℓ_LoRA when a model's nearest neighbour differs from it by a
 * low-rank matrix: rank(Δ) below this fraction of the largest rank the sketch can measure,
 * for at least half of the models.
 */
export const LOW_RANK_FRACTION = 0.5;
