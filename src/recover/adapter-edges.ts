/**
 * An attached PEFT adapter's parent is known before any weight is read: its config named its
 * base (src/io/peft/attach-adapters.ts), and its weights are that base's plus Δ. The tree only
 * decides where everything else goes, so an adapter may still be the parent of a model made
 * from it (a fine-tune of the merged adapter). Two steps:
 *   1. while the arborescence is searched, every other edge into an adapter (and the edge from
 *      an adapter to its own base) is forbidden, so the rest of the tree is built around it;
 *   2. after it, an adapter the search left as the root is put under its base by rerooting the
 *      path between them (the search may leave it there: roots have no incoming edge to forbid).
 */
import type { ModelSource } from "../types.ts";

/**
 * Edges i → j (k × k over `models`, forbidden[i·k + j] = 1) that contradict an adapter's base,
 * or undefined when no adapter's base is among `models`.
 */
export function adapterForbidden(models: readonly ModelSource[]): Uint8Array | undefined {
  const k = models.length;
  const at = new Map(models.map((model, i) => [model.id, i]));
  let forbidden: Uint8Array | undefined;
  models.forEach((model, child) => {
    const base = model.base === undefined ? undefined : at.get(model.base);
    if (base === undefined) return;
    forbidden ??= new Uint8Array(k * k);
    for (let parent = 0; parent < k; parent++) if (parent !== base && parent !== child) forbidden[parent * k + child] = 1;
    forbidden[child * k + base] = 1;
  });
  return forbidden;
}

/** Edges forbidden by either mask (same k × k layout), or undefined when neither forbids any. */
export function eitherForbidden(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a || !b) return a ?? b;
  return a.map((value, i) => value | b[i]!);
}

/**
 * Puts each adapter of `models` whose base is among them under that base in `parent` (−1 =
 * root; modified in place), keeping a tree: when the adapter is an ancestor of its base, the
 * path from the adapter down to the base is reversed, so the base takes the adapter's place.
 * Returns the indices of the adapters placed (their edges are known, not inferred).
 */
export function placeAdapters(parent: Int32Array, models: readonly ModelSource[]): number[] {
  const at = new Map(models.map((model, i) => [model.id, i]));
  const placed: number[] = [];
  models.forEach((model, adapter) => {
    const base = model.base === undefined ? undefined : at.get(model.base);
    if (base === undefined) return;
    placed.push(adapter);
    if (parent[adapter] === base) return;
    const path = [base];
    while (path.at(-1) !== adapter && parent[path.at(-1)!]! >= 0) path.push(parent[path.at(-1)!]!);
    if (path.at(-1) === adapter) {
      // base = path[0] ← path[1] ← … ← adapter: reverse it, the base takes the adapter's parent.
      parent[base] = parent[adapter]!;
      for (let i = 1; i < path.length - 1; i++) parent[path[i]!] = path[i - 1]!;
    }
    parent[adapter] = base;
  });
  return placed;
}
