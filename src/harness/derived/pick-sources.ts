/**
 * Which models of a tree get derived copies. Copying every model would surround each true
 * edge with look-alikes; a few well-spread sources show the separate cases: a copy of the
 * root (nothing above it), of an inner model (its children could move to the copy), and of
 * leaves (nothing below).
 */
import type { TruthGraph } from "../../types.ts";

/** `sample`: per tree the root, the first inner model and the first two leaves; `all`: every model. */
export type SourceChoice = "sample" | "all";

/** Ids of the models to copy, in truth order (each at most once). */
export function pickSources(truth: TruthGraph, choice: SourceChoice): string[] {
  if (choice === "all") return truth.models.map((m) => m.id);
  const hasParent = new Set(truth.edges.map((e) => e.child));
  const hasChild = new Set(truth.edges.map((e) => e.parent));
  const picked = new Set<string>();
  for (const tree of new Set(truth.models.map((m) => m.tree))) {
    const members = truth.models.filter((m) => m.tree === tree).map((m) => m.id);
    const roots = members.filter((id) => !hasParent.has(id));
    const inner = members.filter((id) => hasParent.has(id) && hasChild.has(id));
    const leaves = members.filter((id) => hasParent.has(id) && !hasChild.has(id));
    for (const id of [...roots.slice(0, 1), ...inner.slice(0, 1), ...leaves.slice(0, 2)]) picked.add(id);
  }
  return truth.models.map((m) => m.id).filter((id) => picked.has(id));
}
