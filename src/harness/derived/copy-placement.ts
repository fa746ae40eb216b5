/**
 * Scoring a recovered graph that holds derived copies (a quantised or pruned re-upload of a
 * model): the copy's true parent is its source, and the models that were there before
 * should keep their true parents.
 */
import type { ModelGraph, TruthGraph } from "../../types.ts";
import { bug } from "../../errors.ts";

/** One derived copy: its id, the model it was made from, and how. */
export interface DerivedCopy {
  readonly id: string;
  readonly source: string;
  readonly kind: string;
}

/** The truth with every copy added as a child of its source, in its source's tree and stage. */
export function truthWithCopies(truth: TruthGraph, copies: readonly DerivedCopy[]): TruthGraph {
  const byId = new Map(truth.models.map((m) => [m.id, m]));
  const added = copies.map((copy) => {
    const source = byId.get(copy.source);
    if (!source) bug(`copy ${copy.id}: source ${copy.source} is not in the truth`);
    return { id: copy.id, stage: source.stage, tree: source.tree };
  });
  return { models: [...truth.models, ...added], edges: [...truth.edges, ...copies.map((c) => ({ parent: c.source, child: c.id }))] };
}

/**
 * Where a copy ended up: `under source` (source → copy, right), `above source` (copy →
 * source: the direction flipped), `elsewhere` (same tree, neither edge), `other tree`.
 */
export type Placement = "under source" | "above source" | "elsewhere" | "other tree";

export interface CopyPlacement {
  readonly copy: DerivedCopy;
  readonly placement: Placement;
  /** The copy's recovered parent (undefined for a root). */
  readonly parent?: string;
}

/** The placement of every copy in `graph`. */
export function placeCopies(graph: ModelGraph, copies: readonly DerivedCopy[]): CopyPlacement[] {
  const parentOf = new Map(graph.edges.map((e) => [e.child, e.parent]));
  const treeOf = new Map(graph.trees.flatMap((members, t) => members.map((id) => [id, t] as const)));
  return copies.map((copy) => {
    const parent = parentOf.get(copy.id);
    const placement: Placement =
      parent === copy.source
        ? "under source"
        : parentOf.get(copy.source) === copy.id
          ? "above source"
          : treeOf.get(copy.id) !== treeOf.get(copy.source)
            ? "other tree"
            : "elsewhere";
    return { copy, placement, ...(parent === undefined ? {} : { parent }) };
  });
}

/** What became of the true edges that existed before the copies were added. */
export interface OriginalEdgeFate {
  readonly total: number;
  /** Recovered exactly (parent → child). */
  readonly correct: number;
  /** Recovered as child → parent. */
  readonly reversed: number;
  /**
   * The child hangs under a copy: of its true parent (the copy took the parent's children),
   * of itself (its copy moved in between: parent → copy → child), or of another model.
   */
  readonly underCopyOfParent: number;
  readonly underOwnCopy: number;
  readonly underOtherCopy: number;
  /** Anything else (another original model, or the child became a root). */
  readonly other: number;
}

/** Counts the fates of `truth`'s edges (the truth WITHOUT copies) in `graph`. */
export function originalEdgeFates(graph: ModelGraph, truth: TruthGraph, copies: readonly DerivedCopy[]): OriginalEdgeFate {
  const parentOf = new Map(graph.edges.map((e) => [e.child, e.parent]));
  const sourceOfCopy = new Map(copies.map((c) => [c.id, c.source]));
  const fate = { total: truth.edges.length, correct: 0, reversed: 0, underCopyOfParent: 0, underOwnCopy: 0, underOtherCopy: 0, other: 0 };
  for (const { parent, child } of truth.edges) {
    const found = parentOf.get(child);
    if (found === parent) fate.correct++;
    else if (parentOf.get(parent) === child) fate.reversed++;
    else if (found !== undefined && sourceOfCopy.get(found) === parent) fate.underCopyOfParent++;
    else if (found !== undefined && sourceOfCopy.get(found) === child) fate.underOwnCopy++;
    else if (found !== undefined && sourceOfCopy.has(found)) fate.underOtherCopy++;
    else fate.other++;
  }
  return fate;
}

/**
 * Directed accuracy on `truth`'s edges once every copy is read as its source (a copy and its
 * source merged into one model, self-loops dropped): whether the tree is right up to which
 * twin of a pair holds which edge — the best a rule that merges re-encoded twins could give.
 */
export function collapsedEdgeAccuracy(graph: ModelGraph, truth: TruthGraph, copies: readonly DerivedCopy[]): number {
  if (truth.edges.length === 0) return 1;
  const sourceOf = new Map(copies.map((c) => [c.id, c.source]));
  const merged = (id: string) => sourceOf.get(id) ?? id;
  const edges = new Set(graph.edges.map((e) => `${merged(e.parent)}\u0000${merged(e.child)}`));
  return truth.edges.filter((e) => edges.has(`${e.parent}\u0000${e.child}`)).length / truth.edges.length;
}
