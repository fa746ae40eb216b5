/**
 * Pairwise direction rules (issue #13): evidence about an edge from the two models' weights
 * jointly (pair-evidence.ts), where a statistic rule compares one score per model. A statistic
 * rule needs a trend that holds across the whole tree (kurtosis falls on some LM edges and rises
 * on others; weight decay shrinks variance); a pairwise test needs none: it asks which of the two
 * weight vectors is the other plus an independent update.
 *
 * Per pair (a, b) each layer gives a z (its estimator's mean over the per-element standard error),
 * layers combine by Stouffer's sum Σ z_l / √L, and the pair's z is antisymmetric (z(b, a) =
 * −z(a, b)). In the arborescence (orient-tree.ts) an edge i → j pays one λ when z(i, j) < 0 — the
 * per-edge counterpart of K, where K charges an edge whose child scores above its parent — and
 * each model's score is its net evidence as a parent, Σ_j z(i, j) (what a root tie and the
 * recorded statistic read). The evidence holds whatever the stage (continued pre-training is an
 * independent update too), so a pair rule has nothing to infer from the branches.
 */
import type { PairLayerEvidence } from "./pair-evidence.ts";
import type { RuleLayers, StatisticRule } from "./statistic-rule.ts";

/**
 * Which per-layer estimator of pair-evidence.ts a pair rule reads; "adaptive" reads tanh or
 * entropy per pair, by the update's shape (adaptiveForm); "tanh-hetero" combines the tanh and
 * heteroscedasticity z's (Stouffer), two tests of the same hypothesis that fail in different regimes.
 */
export type PairForm = "tanh" | "cumulant" | "heteroscedasticity" | "entropy" | "adaptive" | "tanh-hetero";

/** A pairwise rule: `form` on each of the rule's layers of two models, combined by Stouffer's z. */
export interface PairRule {
  readonly kind: "pair";
  /** Registry name, as recorded per tree (ModelGraph.directions). */
  readonly name: string;
  readonly summary: string;
  readonly layers: RuleLayers;
  readonly form: PairForm;
  /** The recorded score (net evidence as a parent) falls from parent to child: score-trend.ts's convention, as for a statistic rule. */
  readonly trend: -1;
  /** The evidence holds at any stage. */
  readonly anyStage: true;
}

/** Any direction rule: one score per model, or evidence per pair. */
export type DirectionRule = StatisticRule | PairRule;

/** Whether `rule` reads pairs of models. */
export function isPairRule(rule: DirectionRule): rule is PairRule {
  return "kind" in rule && rule.kind === "pair";
}

/** Layers both models hold unchanged give no evidence (every per-element term is 0). */
function changed(evidence: PairLayerEvidence): boolean {
  return evidence.tanh.variance > 0;
}

/**
 * One layer's z for a → b under `form` (positive: a is the parent), or undefined when the layer
 * gives no evidence (unchanged, or constant in either model). The moment forms are signed by
 * the layer's excess kurtosis: sub-Gaussian weights (a uniform init) reverse them.
 */
export function layerZ(form: Exclude<PairForm, "adaptive" | "tanh-hetero">, evidence: PairLayerEvidence | undefined): number | undefined {
  if (!evidence || !changed(evidence)) return undefined;
  if (form === "entropy") return evidence.entropy && evidence.entropy.standardError > 0 ? evidence.entropy.ratio / evidence.entropy.standardError : undefined;
  if (form === "heteroscedasticity") {
    // Each |corr| has standard error ≈ 1/√n under independence; their difference ≈ √2 of that.
    return (evidence.heteroBackward - evidence.heteroForward) * Math.sqrt(evidence.n / 2);
  }
  const terms = form === "tanh" ? evidence.tanh : evidence.cumulant;
  const sign = evidence.kurtosisA + evidence.kurtosisB < 0 ? -1 : 1;
  const standardError = Math.abs(evidence.rho) * Math.sqrt(terms.variance / evidence.n);
  if (!(standardError > 0)) return undefined;
  return (sign * evidence.rho * terms.mean) / standardError;
}

/**
 * How much heavier-tailed the update is than the weights it is added to, over a pair's changed
 * layers: the median of (excess kurtosis of b − a) − (mean excess kurtosis of a and b); the same
 * either way round (undefined when no layer changed).
 */
export function updateTailExcess(layers: readonly (PairLayerEvidence | undefined)[]): number | undefined {
  const excess = layers
    .filter((evidence): evidence is PairLayerEvidence => evidence !== undefined && changed(evidence))
    .map((evidence) => evidence.kurtosisUpdate - (evidence.kurtosisA + evidence.kurtosisB) / 2)
    .sort((x, y) => x - y);
  if (excess.length === 0) return undefined;
  const middle = excess.length >> 1;
  return excess.length % 2 === 1 ? excess[middle]! : (excess[middle - 1]! + excess[middle]!) / 2;
}

/**
 * The form `pair-adaptive` reads for a pair: tanh approximates the likelihood ratio when the
 * cause is at least as non-Gaussian as what is added to it (Adam's sign-like updates are lighter-
 * tailed than the weights); where the update is heavier-tailed (SGD: gradient-proportional) that
 * premise fails and the tanh form points child → parent, so the general ratio (entropy) decides.
 * Symmetric in the pair, so the pair's z stays antisymmetric.
 */
export function adaptiveForm(layers: readonly (PairLayerEvidence | undefined)[]): "tanh" | "entropy" {
  return (updateTailExcess(layers) ?? 0) > 0 ? "entropy" : "tanh";
}

/** Whether `form` ever reads the entropy ratio (adaptive does for heavy-tailed updates): the pair read forms it only then. */
export function readsEntropy(form: PairForm): boolean {
  return form === "entropy" || form === "adaptive";
}

/**
 * Stouffer's z over the layers that give evidence (0 when none does): positive when a → b. "tanh-hetero" is Stouffer's
 * z of the two tests' pair z's: the non-Gaussian likelihood ratio (needs a non-Gaussian parent, misreads an update
 * shaped unlike the weights) and the residual's independence (needs none, misreads a strong shared shrink). Where both
 * see the same direction it only adds up; where one is at its noise floor (|z| < 1 on tiny updates) the other decides.
 */
export function pairZ(form: PairForm, layers: readonly (PairLayerEvidence | undefined)[]): number {
  if (form === "adaptive") return pairZ(adaptiveForm(layers), layers);
  if (form === "tanh-hetero") return (pairZ("tanh", layers) + pairZ("heteroscedasticity", layers)) / Math.SQRT2;
  let sum = 0;
  let count = 0;
  for (const evidence of layers) {
    const z = layerZ(form, evidence);
    if (z === undefined || !Number.isFinite(z)) continue;
    sum += z;
    count++;
  }
  return count === 0 ? 0 : sum / Math.sqrt(count);
}

/**
 * The k×k evidence matrix (row-major, z[i·k + j] > 0: i is j's parent) from each unordered
 * pair's per-layer evidence, `layersOf(i, j)` for i < j computed with i as a.
 */
export function pairEvidenceMatrix(form: PairForm, k: number, layersOf: (i: number, j: number) => readonly (PairLayerEvidence | undefined)[]): Float64Array {
  const z = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const value = pairZ(form, layersOf(i, j));
      z[i * k + j] = value;
      z[j * k + i] = -value;
    }
  }
  return z;
}

/**
 * The evidence matrix with the weight-decay sign test added (`--pair-decay on`, decay-signature.ts): z(i, j) +
 * decay(i, j), antisymmetric as both are. Where rows were rescaled its |z| (√rows, ~13 for 160 rows) outweighs a
 * layer sum of |z| 0.2–3; elsewhere it is 0 and the rule's z stands.
 */
export function withDecay(z: Float64Array, k: number, decayOf: (i: number, j: number) => number): Float64Array {
  const out = Float64Array.from(z);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const decay = decayOf(i, j);
      out[i * k + j]! += decay;
      out[j * k + i]! -= decay;
    }
  }
  return out;
}

/** K of a pair rule: 1 for an edge i → j the evidence runs against (z(i, j) < 0); an exact 0 (no evidence) costs nothing either way. */
export function pairDirection(z: Float64Array, k: number): Uint8Array {
  const direction = new Uint8Array(k * k);
  for (let at = 0; at < k * k; at++) direction[at] = z[at]! < 0 ? 1 : 0;
  return direction;
}

/** Each model's net evidence as a parent, Σ_j z(i, j): the score a pair rule records and breaks root ties by. */
export function parentEvidence(z: Float64Array, k: number): Float64Array {
  const scores = new Float64Array(k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) scores[i]! += z[i * k + j]!;
  return scores;
}

/**
 * `--pair-veto on`: a pair z at or below −PAIR_VETO is the pair test running strongly against the edge. On the true edges of
 * the language-model families retrained by 03:00 UTC on 2026-12-08 (83 edges; read from a scratch print of the solve's z,
 * not a committed command) the lowest z was −0.68 and 30 were above +2: a short tune reads at the test's noise floor, a
 * long stage far above it, and no true edge read far below it. 3 is a conventional cut (two-sided p ≈ 0.003), not fitted:
 * every cut from 1 to 13 forbids the same edges there.
 */
export const PAIR_VETO = 3;

/** `forbidden` (k×k, or undefined) with every edge i → j whose z(i, j) ≤ −PAIR_VETO added; the same array when none is. */
export function withVeto(z: Float64Array, k: number, forbidden: Uint8Array | undefined): Uint8Array | undefined {
  let out = forbidden;
  for (let at = 0; at < k * k; at++) {
    if (!(z[at]! <= -PAIR_VETO)) continue;
    if (out === forbidden) out = forbidden ? Uint8Array.from(forbidden) : new Uint8Array(k * k);
    out![at] = 1;
  }
  return out;
}
