/**
 * What an edge pays for running against a pair rule's evidence (`--pair-penalty`, issue #13,
 * docs/direction.md "Placement: what a weak pair z costs").
 *
 * K of a pair rule (pair-rule.ts, pairDirection) charges one full λ to an edge i → j whenever the
 * pair's Stouffer z(i, j) < 0, whatever its size: a z of −0.03 (chance) costs as much as one of
 * −13. Inside a tight cluster (codellama, -instruct, -python: D gaps 0.001–0.05, λ ≈ 0.1) those
 * chance signs then order the cluster and pick which member attaches to the parent, overriding
 * the distance. "confidence" charges λ times how far the z is from chance, P(|Z| < |z|) =
 * erf(|z|/√2) for a standard normal Z (what a Stouffer z is when neither model is the parent):
 * ≈ 0 at |z| ≈ 0 (the distance decides), 0.68 at |z| = 1, 0.95 at 2, 1 at the decay test's ~13.
 * No cut to fit; the edge the evidence supports still pays nothing, as under "full".
 */
import { twoSidedConfidence } from "../stats/normal.ts";

/** `--pair-penalty`: "full" (one λ per edge against the evidence, pairDirection) or "confidence" (λ·erf(|z|/√2), pairConfidence). */
export type PairPenalty = "full" | "confidence";

/**
 * K (k×k, row-major) under "confidence" for the evidence matrix z (z[i·k + j] > 0: i is j's
 * parent): erf(|z|/√2) for an edge the evidence runs against, 0 otherwise (an exact 0 costs
 * nothing either way, as in pairDirection).
 */
export function pairConfidence(z: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let at = 0; at < k * k; at++) if (z[at]! < 0) out[at] = twoSidedConfidence(z[at]!);
  return out;
}
