import { assert, bug } from "../errors.ts";

/** A parent → child edge of a forest, by model id. */
export interface TreeEdge {
  readonly parent: string;
  readonly child: string;
}

/** Where a node is drawn: `depth` 0 for roots (y grows downward), `x` in leaf slots. */
export interface PlacedNode {
  readonly id: string;
  readonly x: number;
  readonly depth: number;
}

/**
 * A layered drawing of a forest (Reingold–Tilford's simplest cousin): depth → row, leaves
 * take consecutive slots in in-order (depth-first, children sorted by id), and a parent
 * sits at the midpoint of its first and last child. Trees are laid side by side, roots
 * sorted by id, so the same forest always draws the same way. Isolated nodes may be given
 * in `ids`. Throws on a node with two parents or a cycle — that is not a forest.
 */
export function layeredTreeLayout(edges: readonly TreeEdge[], ids: readonly string[] = []): PlacedNode[] {
  const children = new Map<string, string[]>();
  const parentOf = new Map<string, string>();
  const all = new Set<string>(ids);
  for (const { parent, child } of edges) {
    assert(!parentOf.has(child), `tree layout: a node has two parents (${child} ← ${parentOf.get(child)}, ${parent})`);
    parentOf.set(child, parent);
    all.add(parent).add(child);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  for (const list of children.values()) list.sort();
  const placed = new Map<string, PlacedNode>();
  let nextLeafSlot = 0;
  const place = (id: string, depth: number): number => {
    const kids = children.get(id) ?? [];
    let x: number;
    if (kids.length === 0) {
      x = nextLeafSlot;
      nextLeafSlot += 1;
    } else {
      const xs = kids.map((kid) => place(kid, depth + 1));
      x = (xs[0]! + xs[xs.length - 1]!) / 2;
    }
    placed.set(id, { id, x, depth });
    return x;
  };
  const roots = [...all].filter((id) => !parentOf.has(id)).sort();
  for (const root of roots) place(root, 0);
  if (placed.size !== all.size) {
    const unreachable = [...all].filter((id) => !placed.has(id)).sort();
    bug(`tree layout: the edges contain a cycle (${unreachable.slice(0, 5).join(", ")})`);
  }
  return [...placed.values()];
}
