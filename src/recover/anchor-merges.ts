/**
 * Detected merges (detect-merges.ts) in the arborescence: which edges a merge may take, and
 * which to cut when it was hung above one of its own parents.
 */
import type { DetectedMerge } from "./detect-merges.ts";

/**
 * `forbidden` (k × k, or undefined) with each merge anchored for the arborescence: the merge
 * may hang only under one of its parents (its place in the tree is then replaced by one merge
 * edge per parent) and may be the parent of none of them, while its own fine-tunes still find
 * it as their parent. `also` lists further edges [from, to] to forbid (mergeCycleEdges).
 */
export function anchorMerges(
  merges: readonly DetectedMerge[],
  k: number,
  forbidden: Uint8Array | undefined,
  also: readonly (readonly [number, number])[] = [],
): Uint8Array | undefined {
  if (merges.length === 0) return forbidden;
  const out = forbidden ? Uint8Array.from(forbidden) : new Uint8Array(k * k);
  for (const { child, parents } of merges) {
    for (let u = 0; u < k; u++) if (u !== child && !parents.includes(u)) out[u * k + child] = 1;
    for (const p of parents) out[child * k + p] = 1;
  }
  for (const [from, to] of also) out[from * k + to] = 1;
  return out;
}

/**
 * The edges that would close a cycle once a merge takes all its parents: the arborescence hangs
 * a merge under one parent, but may have put it above another (a merge of siblings sits nearer
 * their base than they do, and can take the base as its child). For each such parent, the first
 * edge of the path from the merge down to it; forbidding those and solving again removes the
 * cycle. Empty when the merges fit the tree.
 */
export function mergeCycleEdges(merges: readonly DetectedMerge[], parent: Int32Array): [number, number][] {
  const edges: [number, number][] = [];
  for (const { child, parents } of merges) {
    for (const p of parents) {
      // Walk up from p; the node just below the merge on that path is its child to cut.
      let below = -1;
      for (let at = p, steps = 0; at >= 0 && steps <= parent.length; below = at, at = parent[at]!, steps++) {
        if (at === child) {
          if (below >= 0) edges.push([child, below]);
          break;
        }
      }
    }
  }
  return edges;
}
