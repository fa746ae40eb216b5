/**
 * The shape rules of a Model Graph (SPEC §8), shared by the formatters (a recovered graph that
 * breaks one is a bug) and `mother evaluate` (a truth or result file that breaks one is the
 * user's to fix):
 *
 * - every model id is listed once, and every edge names listed models, never itself;
 * - a (parent, child) pair appears once;
 * - a child has one parent, or several only when every one of its edges is typed "merge";
 * - `coefficients` sit on merge edges only, each naming exactly the child's merge parents;
 * - no cycles: following parents always ends at a root;
 * - `directions` (optional, one per tree) name listed models as roots, each once, with a finite margin.
 */
import type { RelationType } from "../types.ts";

/** The parts of an edge the rules look at; `type` may be absent in untyped truth. */
export interface CheckedEdge {
  readonly parent: string;
  readonly child: string;
  readonly type?: RelationType;
  readonly coefficients?: Readonly<Record<string, number>>;
}

/** One broken rule: what is wrong, and the ids it concerns. */
export interface GraphProblem {
  readonly problem: string;
  readonly value: string;
}

/** Every broken rule of the graph with models `ids`, `edges` and per-tree `directions`, in the order above (empty when the graph is well formed). */
export function graphProblems(
  ids: readonly string[],
  edges: readonly CheckedEdge[],
  directions: readonly { readonly root: string; readonly margin: number }[] = [],
): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const listed = new Set<string>();
  for (const id of ids) {
    if (listed.has(id)) problems.push({ problem: "model listed twice", value: id });
    listed.add(id);
  }
  const parentsOf = new Map<string, CheckedEdge[]>();
  const parentIds = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!listed.has(edge.parent)) problems.push({ problem: "edge names a model that is not listed", value: edge.parent });
    if (!listed.has(edge.child) && edge.child !== edge.parent) problems.push({ problem: "edge names a model that is not listed", value: edge.child });
    if (edge.parent === edge.child) problems.push({ problem: "edge from a model to itself", value: edge.child });
    if (!parentIds.has(edge.child)) parentIds.set(edge.child, new Set());
    if (parentIds.get(edge.child)!.has(edge.parent)) problems.push({ problem: "edge listed twice", value: `${edge.parent} → ${edge.child}` });
    parentIds.get(edge.child)!.add(edge.parent);
    if (!parentsOf.has(edge.child)) parentsOf.set(edge.child, []);
    parentsOf.get(edge.child)!.push(edge);
  }
  for (const [child, incoming] of parentsOf) {
    const parents = incoming.map((e) => e.parent);
    if (incoming.length > 1 && incoming.some((e) => e.type !== "merge")) {
      problems.push({ problem: 'child has several parents but not all its edges are typed "merge"', value: `${child} ← ${parents.join(", ")}` });
    }
    for (const edge of incoming) {
      if (edge.coefficients === undefined) continue;
      if (edge.type !== "merge") problems.push({ problem: "coefficients on an edge that is not a merge", value: `${edge.parent} → ${child}` });
      else if (!sameSet(Object.keys(edge.coefficients), parents)) {
        problems.push({ problem: "merge coefficients must name exactly the child's parents", value: `${child}: ${Object.keys(edge.coefficients).join(", ")}` });
      }
    }
  }
  const cycle = findCycle(parentsOf);
  if (cycle) problems.push({ problem: "edges form a cycle", value: cycle.join(" → ") });
  const roots = new Set<string>();
  for (const { root, margin } of directions) {
    if (!listed.has(root)) problems.push({ problem: "direction names a root that is not listed", value: root });
    if (roots.has(root)) problems.push({ problem: "direction listed twice for one tree", value: root });
    if (!Number.isFinite(margin)) problems.push({ problem: "direction margin is not a finite number", value: `${root}: ${margin}` });
    roots.add(root);
  }
  return problems;
}

/** A cycle of the parent relation as ids from an ancestor down to itself again, or undefined. */
function findCycle(parentsOf: ReadonlyMap<string, readonly CheckedEdge[]>): string[] | undefined {
  // Depth-first along parent links with an explicit stack (chains may be long); a node met again
  // while still on the path closes a cycle.
  const done = new Set<string>();
  for (const start of parentsOf.keys()) {
    if (done.has(start)) continue;
    const path: string[] = [start];
    const next: number[] = [0];
    const onPath = new Set([start]);
    while (path.length > 0) {
      const id = path.at(-1)!;
      const incoming = parentsOf.get(id) ?? [];
      const at = next[next.length - 1]!;
      if (at >= incoming.length) {
        path.pop();
        next.pop();
        onPath.delete(id);
        done.add(id);
        continue;
      }
      next[next.length - 1] = at + 1;
      const parent = incoming[at]!.parent;
      if (onPath.has(parent)) return [...path.slice(path.indexOf(parent)), parent].reverse();
      if (done.has(parent)) continue;
      path.push(parent);
      next.push(0);
      onPath.add(parent);
    }
  }
  return undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(b);
  return a.length === set.size && a.every((x) => set.has(x));
}
