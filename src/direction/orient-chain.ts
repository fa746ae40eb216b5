/**
 * Orienting a chain or a pair (issue #13 item 3). Both orientations of a tree without a branch
 * cost the same in M = D + λ(K ⊕ T) — the scores agree with either once the stage flips — so
 * `--stage auto` has no evidence there. Distance from a synthetic init (init-distance.ts) is an
 * absolute signal: later models sit farther from any init, whatever the stage. Each candidate
 * arborescence gets one vote per edge along which that distance grows from parent to child.
 */
import { bug } from "../errors.ts";
import type { TreeResult } from "../recover/recover-tree.ts";
import { INIT_DISTANCE } from "./init-distance.ts";
import { ruleScore, type ScoredLayers } from "./statistic-rule.ts";

/** Per tree (over the same kept members): how many of its edges move away from the init, parent → child. */
export function chainVotes(group: ScoredLayers, kept: readonly { readonly index: number }[], trees: readonly TreeResult[]): number[] {
  const distance = kept.map((member) => ruleScore(INIT_DISTANCE, group, member.index));
  return trees.map((tree) => {
    let votes = 0;
    tree.parent.forEach((parent, child) => {
      if (parent >= 0 && (distance[child] ?? bug("a score per node")) > (distance[parent] ?? bug("a score per node"))) votes++;
    });
    return votes;
  });
}
