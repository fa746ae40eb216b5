/**
 * Exact minimum spanning arborescence (directed MST) by Chu-Liu/Edmonds (paper §5.2):
 *
 *   1. every non-root node takes its cheapest incoming edge
 *   2. no cycle among those edges → that is the optimum
 *   3. otherwise contract each cycle to one node; an edge u→v entering a cycle costs
 *      w(u,v) − w(best(v), v) (the price of swapping v's cycle edge for it); recurse
 *   4. expand: the edge chosen into a contracted cycle replaces that cycle's edge into its
 *      entry node, every other cycle node keeps its cycle parent
 *
 * Dense O(n²) per level and at most n levels: O(n³) = O(EV) on the complete graphs recovery
 * builds. Ties are broken towards the lowest parent index, so results are deterministic.
 */
import { MotherError } from "../errors.ts";

/** A spanning arborescence: parent[v] is v's parent, −1 for the root; cost is the sum of its edge weights. */
export interface Arborescence {
  readonly parent: Int32Array;
  readonly root: number;
  readonly cost: number;
}

/**
 * Minimum-cost spanning arborescence of a dense directed graph.
 *
 * `weights` is n×n row-major: weights[i*n + j] is the cost of edge i→j (i becomes j's parent);
 * Infinity means "no edge"; the diagonal is ignored. Costs may be negative.
 * With `root` given, the tree hangs from it. Without, the root is chosen optimally: a virtual
 * root gets an edge of equal, larger-than-any-tree cost to every node, so its optimal
 * arborescence uses exactly one of them and the rest is the best tree over all choices of root.
 * Throws a MotherError when no spanning arborescence exists (some node unreachable through
 * finite edges).
 */
export function minimumSpanningArborescence(weights: Float64Array, n: number, root?: number): Arborescence {
  validate(weights, n, root);
  if (n === 1) return { parent: Int32Array.of(-1), root: 0, cost: 0 };

  let parent: Int32Array;
  let chosenRoot: number;
  if (root !== undefined) {
    parent = solve(weights, n, root);
    chosenRoot = root;
  } else {
    const size = n + 1;
    const virtualRoot = n;
    const rootEdge = virtualRootEdgeCost(weights, n);
    const extended = new Float64Array(size * size).fill(Infinity);
    for (let i = 0; i < n; i++) {
      extended.set(weights.subarray(i * n, i * n + n), i * size);
      extended[virtualRoot * size + i] = rootEdge;
    }
    const withVirtual = solve(extended, size, virtualRoot);
    const roots: number[] = [];
    for (let v = 0; v < n; v++) if (withVirtual[v] === virtualRoot) roots.push(v);
    if (roots.length !== 1) {
      throw new MotherError("minimumSpanningArborescence", "no spanning arborescence: the finite edges do not connect every node into one tree", {
        value: `${roots.length} separate parts`,
        help: "cluster into trees first, or give every pair a finite distance",
      });
    }
    chosenRoot = roots[0]!;
    parent = withVirtual.slice(0, n);
    parent[chosenRoot] = -1;
  }

  let cost = 0;
  for (let v = 0; v < n; v++) if (parent[v]! >= 0) cost += weights[parent[v]! * n + v]!;
  return { parent, root: chosenRoot, cost };
}

function validate(weights: Float64Array, n: number, root: number | undefined): void {
  const where = "minimumSpanningArborescence";
  if (!Number.isInteger(n) || n < 1) throw new MotherError(where, "node count must be a positive integer", { value: n });
  if (weights.length !== n * n) throw new MotherError(where, "weight matrix is not n×n", { value: weights.length, limit: n * n });
  if (root !== undefined && (!Number.isInteger(root) || root < 0 || root >= n)) {
    throw new MotherError(where, "root is not a node index", { value: root, limit: n - 1 });
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = weights[i * n + j]!;
      if (i !== j && (Number.isNaN(w) || w === -Infinity)) {
        throw new MotherError(where, "edge weight must be a number or +Infinity", { value: `${i}→${j} = ${w}` });
      }
    }
  }
}

/**
 * A cost per virtual-root edge larger than the spread of any tree's cost, so using two of them
 * never beats using one: 1 + 2·Σ|finite off-diagonal weights|.
 */
function virtualRootEdgeCost(weights: Float64Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = weights[i * n + j]!;
      if (i !== j && Number.isFinite(w)) total += Math.abs(w);
    }
  }
  return 1 + 2 * total;
}

/** One Chu-Liu/Edmonds level on an n-node graph; returns parent (−1 at root). */
function solve(weights: Float64Array, n: number, root: number): Int32Array {
  // 1. cheapest incoming edge per node
  const best = new Int32Array(n).fill(-1);
  for (let v = 0; v < n; v++) {
    if (v === root) continue;
    let bestWeight = Infinity;
    for (let u = 0; u < n; u++) {
      if (u === v) continue;
      const w = weights[u * n + v]!;
      if (w < bestWeight) {
        bestWeight = w;
        best[v] = u;
      }
    }
    if (best[v] === -1) {
      throw new MotherError("minimumSpanningArborescence", "no spanning arborescence: a node has no finite incoming edge", {
        help: "every model needs a finite distance to some candidate parent",
      });
    }
  }

  // 2. find the cycles of the chosen edges; cycleOf[v] = cycle number or −1
  const cycleOf = new Int32Array(n).fill(-1);
  const walkOf = new Int32Array(n).fill(-1);
  let cycles = 0;
  for (let start = 0; start < n; start++) {
    let v = start;
    while (v !== root && walkOf[v] === -1) {
      walkOf[v] = start;
      v = best[v]!;
    }
    if (v !== root && walkOf[v] === start && cycleOf[v] === -1) {
      for (let u = v; cycleOf[u] === -1; u = best[u]!) cycleOf[u] = cycles;
      cycles++;
    }
  }
  if (cycles === 0) {
    best[root] = -1;
    return best;
  }

  // 3. contract: cycle c becomes node c, other nodes follow in index order
  const contracted = new Int32Array(n);
  let size = cycles;
  for (let v = 0; v < n; v++) contracted[v] = cycleOf[v]! >= 0 ? cycleOf[v]! : size++;
  const reduced = new Float64Array(size * size).fill(Infinity);
  const sourceOf = new Int32Array(size * size).fill(-1); // original u of the edge kept
  const targetOf = new Int32Array(size * size).fill(-1); // original v of the edge kept
  for (let u = 0; u < n; u++) {
    const cu = contracted[u]!;
    for (let v = 0; v < n; v++) {
      const cv = contracted[v]!;
      if (cu === cv) continue;
      const w = weights[u * n + v]!;
      if (w === Infinity) continue;
      const adjusted = cycleOf[v]! >= 0 ? w - weights[best[v]! * n + v]! : w;
      const at = cu * size + cv;
      if (adjusted < reduced[at]!) {
        reduced[at] = adjusted;
        sourceOf[at] = u;
        targetOf[at] = v;
      }
    }
  }
  const contractedParent = solve(reduced, size, contracted[root]!);

  // 4. expand
  const parent = new Int32Array(n).fill(-1);
  for (let v = 0; v < n; v++) if (cycleOf[v]! >= 0) parent[v] = best[v]!;
  for (let cv = 0; cv < size; cv++) {
    const cu = contractedParent[cv]!;
    if (cu < 0) continue;
    const at = cu * size + cv;
    parent[targetOf[at]!] = sourceOf[at]!;
  }
  parent[root] = -1;
  return parent;
}
