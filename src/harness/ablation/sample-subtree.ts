/**
 * Random connected sub-trees of a Model Tree (paper Table 4, "sub Model Trees"):
 *
 *   start ── the root (rootClosed) or a uniformly random model
 *     └─ grow: add a uniformly random model adjacent (parent or child) to the set, until `size`
 *
 * A connected set of a rooted tree is itself a rooted tree (its one member whose parent is
 * outside), so its true edges are the original edges between members. With `rootClosed` the
 * sub-tree keeps the original root and every member's parent; otherwise its top may be any
 * model. Growth by random frontier choice is not uniform over all connected sub-trees of that
 * size (compact shapes near high-degree nodes are favoured); it is seeded and reproducible.
 */
import type { Rng } from "../../rng.ts";
import type { TruthGraph } from "../../types.ts";
import { bug } from "../../errors.ts";
import { subtreeSizeOutOfRange } from "../../messages.ts";

export interface SubtreeOptions {
  /** Keep the original root (and so every member's parent) in the sample. */
  readonly rootClosed: boolean;
}

/** Ids of a random connected sub-tree with exactly `size` models of the single tree `truth`. */
export function sampleConnectedSubtree(truth: TruthGraph, size: number, rng: Rng, options: SubtreeOptions): string[] {
  const ids = truth.models.map((m) => m.id);
  if (!Number.isInteger(size) || size < 1 || size > ids.length) throw subtreeSizeOutOfRange(size, ids.length);
  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]));
  const children = new Set<string>();
  for (const edge of truth.edges) {
    neighbours.get(edge.parent)!.push(edge.child);
    neighbours.get(edge.child)!.push(edge.parent);
    children.add(edge.child);
  }
  const roots = ids.filter((id) => !children.has(id));
  if (roots.length !== 1 || truth.edges.length !== ids.length - 1) {
    bug(`sub-tree sampling needs one tree, one root and n − 1 edges (${roots.length} roots, ${truth.edges.length} edges for ${ids.length} models)`);
  }
  const start = options.rootClosed ? roots[0]! : rng.choice(ids);
  const chosen = new Set([start]);
  // The frontier keeps one entry per (member, outside neighbour) link, deduplicated below, so
  // every outside neighbour is equally likely whatever its number of links into the set (one).
  const frontier = new Set(neighbours.get(start)!);
  while (chosen.size < size) {
    const next = rng.choice([...frontier].sort());
    frontier.delete(next);
    chosen.add(next);
    for (const id of neighbours.get(next)!) if (!chosen.has(id)) frontier.add(id);
  }
  return ids.filter((id) => chosen.has(id));
}

/** The truth restricted to `ids`: their models and the true edges between them. */
export function restrictTruth(truth: TruthGraph, ids: Iterable<string>): TruthGraph {
  const keep = new Set(ids);
  return { models: truth.models.filter((m) => keep.has(m.id)), edges: truth.edges.filter((e) => keep.has(e.parent) && keep.has(e.child)) };
}

/** The model count of a fraction of a tree, as the paper rounds it (20 % of 21 → 4, 60 % → 13). */
export function subtreeSize(fraction: number, models: number): number {
  return Math.max(2, Math.min(models, Math.round(fraction * models)));
}
