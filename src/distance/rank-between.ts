/**
 * Rank betweenness: a placement rule for ℓ_LoRA trees (issue #13, docs/direction.md, "VTHR
 * LoRA-V's four misses").
 *
 * A merged LoRA child is its parent plus an update of rank r, and updates drawn independently
 * along a lineage add their ranks: rank(g − a) = rank(m − a) + rank(g − m) when m lies between a
 * and g (until the layer's width caps it). ℓ_LoRA (max over the LoRA layers of rank(u − v)) is
 * then additive along the tree, and an exact sum is evidence no score outweighs: on VTHR LoRA-V
 * ℓ(root, c3) = 16, ℓ(c3, g0) = 2 and ℓ(root, g0) = 18 exactly, yet λ = 0.3 · mean D ≈ 9 ranks
 * let the variance dip on c3 → g0 hang g0 between the root and c3 (root → g0 at 18). So models a
 * and b with some third model m exactly between them in rank — ℓ(a, m) + ℓ(m, b) = ℓ(a, b), both
 * parts above 0 — are not parent and child. A pair the cap has saturated has a sum above its
 * rank and is never ruled out; neither is a true edge (a model between a parent and its child
 * would need rank 0 on one side: a copy).
 */
import { assert } from "../errors.ts";

/** k×k (1 = ruled out, symmetric) for a k×k ℓ_LoRA matrix `d` (ranks): a and b are ruled out when some m sits exactly between them. */
export function rankBetween(d: Float64Array, k: number): Uint8Array {
  assert(d.length === k * k, "rank betweenness: distance matrix size");
  const out = new Uint8Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const ab = d[a * k + b]!;
      for (let m = 0; m < k; m++) {
        const am = d[a * k + m]!;
        const mb = d[m * k + b]!;
        if (m === a || m === b || !(am > 0) || !(mb > 0) || am + mb !== ab) continue;
        out[a * k + b] = out[b * k + a] = 1;
        break;
      }
    }
  }
  return out;
}
