/**
 * A long update hangs from the root of the cluster it leans toward (issue #13, `--long-edge root`). Set 7's commonest
 * miss (docs/direction.md, "What set 7 shows"): a long continued pre-training C of a base B is hung under a short tune L
 * of B (or a tune of a tune), because every tune of B moved part of the way C moved, so d(L, C) < d(B, C) by 0.7–8 %.
 * To the weights L is an early checkpoint of C's direction, and no distance or inheritance test on the three models
 * tells the two trees apart (the same section; src/direction/inherit-side.ts). Releases tell them apart by habit: a
 * long stage is trained from a base, not from one of its short tunes. So an edge p → x whose length is more than
 * LONG_RATIO times p's own edge (g → p), where x is within NEAR_SHARE of as near to g as to p, is forbidden: x then
 * hangs from g or wherever the arborescence puts it next. What it cannot see: a long stage that was in truth trained
 * from a short tune (a code stage of an instruction model) is moved to the tune's parent when the two are that close.
 */

/** An edge counts as long when it is more than this many times its parent's own edge. */
export const LONG_RATIO = 2;
/** … and its child is at most this much farther (relatively) from the grandparent than from the parent. */
export const NEAR_SHARE = 0.1;

/** Whether edge p → x of a tree whose p has parent g is a long edge hung below the root of what it leans toward (D k×k). */
export function longEdgeBelowRoot(distance: Float64Array, k: number, g: number, p: number, x: number): boolean {
  const own = distance[g * k + p]!;
  const long = distance[p * k + x]!;
  return long > LONG_RATIO * own && distance[g * k + x]! <= (1 + NEAR_SHARE) * long;
}
