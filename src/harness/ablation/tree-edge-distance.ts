/**
 * Number of edges on the path between two models of the same true tree (paper §3, d(u, v)
 * on the undirected tree T⁺); undefined across trees.
 */
import type { TruthGraph } from "../../types.ts";

/** n×n hop counts for `ids` (row-major, −1 when the two models are in different trees). */
export function treeEdgeDistances(truth: TruthGraph, ids: readonly string[]): Int32Array {
  const neighbours = new Map<string, string[]>(truth.models.map((m) => [m.id, []]));
  for (const edge of truth.edges) {
    neighbours.get(edge.parent)!.push(edge.child);
    neighbours.get(edge.child)!.push(edge.parent);
  }
  const n = ids.length;
  const out = new Int32Array(n * n).fill(-1);
  ids.forEach((source, i) => {
    // breadth-first from each model: trees are small, and this keeps the definition literal
    const hops = new Map<string, number>([[source, 0]]);
    const queue = [source];
    for (let head = 0; head < queue.length; head++) {
      const here = queue[head]!;
      for (const next of neighbours.get(here) ?? []) {
        if (!hops.has(next)) {
          hops.set(next, hops.get(here)! + 1);
          queue.push(next);
        }
      }
    }
    ids.forEach((target, j) => (out[i * n + j] = hops.get(target) ?? -1));
  });
  return out;
}
