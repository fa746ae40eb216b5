/**
 * Paper §6.3 check for one family (a root and its same-recipe seed siblings): is each sibling
 * farther (ℓ_FT, as recovery computes it over the family) from its nearest sibling than from
 * the parent? The paper reports yes in all 3 cases, which is what lets the MDST pick the parent.
 */
import type { WeightDistances } from "./weight-distance-matrix.ts";

export interface SiblingDistance {
  readonly sibling: string;
  readonly toParent: number;
  /** ℓ_FT to the closest other sibling. */
  readonly toNearestSibling: number;
  readonly fartherFromSiblings: boolean;
}

/** Per sibling of `parent` in `distances` (every other id is a sibling). */
export function siblingDistances(distances: WeightDistances, parent: string): SiblingDistance[] {
  const { ids, matrix } = distances;
  const n = ids.length;
  const p = ids.indexOf(parent);
  const siblings = ids.map((_, i) => i).filter((i) => i !== p);
  return siblings.map((s) => {
    const toParent = matrix[p * n + s]!;
    const toNearestSibling = Math.min(...siblings.filter((o) => o !== s).map((o) => matrix[s * n + o]!));
    return { sibling: ids[s]!, toParent, toNearestSibling, fartherFromSiblings: toNearestSibling > toParent };
  });
}
