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
 * Implemented in Tarjan's dense form (contract each cycle as soon as it closes, in place in
 * the n×n matrix): O(n²) = O(E) on the complete graphs recovery builds, so a collection of
 * thousands of models stays cheap. Deterministic: ties go to the lowest candidate slot.
 */
import { assert } from "../errors.ts";
import { loadedNativeKernels, type NativeKernels } from "../kernels/native-kernels.ts";

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
 * Throws a BugError (the caller broke the contract) when no spanning arborescence exists (some node unreachable through
 * finite edges). Solved natively where this thread has the kernels (`native`: arborescence.c, the same steps, so the same
 * tree; null: in TypeScript).
 */
export function minimumSpanningArborescence(
  weights: Float64Array,
  n: number,
  root?: number,
  native: NativeKernels | null = loadedNativeKernels() ?? null,
): Arborescence {
  validate(weights, n, root);
  if (n === 1) return { parent: Int32Array.of(-1), root: 0, cost: 0 };

  let parent: Int32Array;
  let chosenRoot: number;
  if (root !== undefined) {
    parent = solve(weights, n, root, native);
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
    const withVirtual = solve(extended, size, virtualRoot, native);
    const roots: number[] = [];
    for (let v = 0; v < n; v++) if (withVirtual[v] === virtualRoot) roots.push(v);
    // Recovery clusters first and gives every pair a finite distance, so this is a caller's bug.
    assert(
      roots.length === 1,
      `minimumSpanningArborescence: no spanning arborescence: the finite edges do not connect every node into one tree (${roots.length} separate parts)`,
    );
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
  assert(Number.isInteger(n) && n >= 1, `${where}: node count must be a positive integer (${n})`);
  assert(weights.length === n * n, `${where}: weight matrix is not n×n (${weights.length}, limit ${n * n})`);
  assert(root === undefined || (Number.isInteger(root) && root >= 0 && root < n), `${where}: root is not a node index (${root}, limit ${n - 1})`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = weights[i * n + j]!;
      // The message is formed only on failure: formed n² times per call it was most of this check's time.
      if (i !== j && (Number.isNaN(w) || w === -Infinity)) assert(false, `${where}: edge weight must be a number or +Infinity (${i}→${j} = ${w})`);
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

/** A contracted cycle: its member supernodes and the cycle edge (original source, target) into each. */
interface Contraction {
  readonly id: number;
  readonly members: number[];
  readonly sources: number[];
  readonly targets: number[];
}

/** solveInTypeScript natively (arborescence.c: the same steps, comparisons and subtractions) where the kernels are; the same parents. */
function solve(weights: Float64Array, n: number, root: number, native: NativeKernels | null): Int32Array {
  if (!native) return solveInTypeScript(weights, n, root);
  const parent = new Int32Array(n);
  const status = native.arborescence(weights, n, root, parent);
  assert(status !== 1, "minimumSpanningArborescence: no spanning arborescence: a node has no finite incoming edge");
  return status === 0 ? parent : solveInTypeScript(weights, n, root);
}

/**
 * Chu-Liu/Edmonds in Tarjan's dense O(n²) form. Supernode ids 0..n−1 are the nodes, n.. are
 * contracted cycles; each lives in a storage slot of the n×n cost matrix (a cycle reuses one
 * member's slot). A path is grown backwards along cheapest incoming edges until it reaches the
 * settled part (root side) — then every node on it is settled — or closes a cycle, which is
 * contracted on the spot and the path continues from the new supernode. Expansion replays the
 * contractions in reverse. Returns parent (−1 at root).
 */
function solveInTypeScript(weights: Float64Array, n: number, root: number): Int32Array {
  const cost = Float64Array.from(weights);
  const source = new Int32Array(n * n); // original edge behind each slot-to-slot cost
  const target = new Int32Array(n * n);
  for (let u = 0; u < n; u++) {
    for (let v = 0; v < n; v++) {
      source[u * n + v] = u;
      target[u * n + v] = v;
    }
    cost[u * n + u] = Infinity;
  }
  const ids = 2 * n;
  const slotOf = new Int32Array(ids).fill(-1);
  const idOfSlot = Int32Array.from({ length: n }, (_, i) => i);
  for (let v = 0; v < n; v++) slotOf[v] = v;
  const absorbedBy = new Int32Array(ids).fill(-1);
  const state = new Uint8Array(ids); // 0 unseen, 1 on the path, 2 settled
  const chosenSource = new Int32Array(ids).fill(-1);
  const chosenTarget = new Int32Array(ids).fill(-1);
  const chosenCost = new Float64Array(ids);
  const alive: number[] = Array.from({ length: n }, (_, i) => i); // live slots
  const inCycle = new Uint8Array(n);
  const contractions: Contraction[] = [];
  let nextId = n;
  state[root] = 2;

  const contract = (members: number[]): number => {
    const id = nextId++;
    const keep = slotOf[members[0]!]!;
    for (const m of members) inCycle[slotOf[m]!] = 1;
    for (const y of alive) {
      if (inCycle[y]) continue;
      let bestIn = Infinity;
      let inAt = -1;
      let bestOut = Infinity;
      let outAt = -1;
      for (const m of members) {
        const slot = slotOf[m]!;
        const into = cost[y * n + slot]!;
        // entering the cycle at m replaces m's cycle edge: pay the difference
        if (into - chosenCost[m]! < bestIn) {
          bestIn = into - chosenCost[m]!;
          inAt = y * n + slot;
        }
        const out = cost[slot * n + y]!;
        if (out < bestOut) {
          bestOut = out;
          outAt = slot * n + y;
        }
      }
      const intoKeep = y * n + keep;
      const outOfKeep = keep * n + y;
      if (inAt >= 0) {
        source[intoKeep] = source[inAt]!;
        target[intoKeep] = target[inAt]!;
      }
      cost[intoKeep] = bestIn;
      if (outAt >= 0) {
        source[outOfKeep] = source[outAt]!;
        target[outOfKeep] = target[outAt]!;
      }
      cost[outOfKeep] = bestOut;
    }
    for (const m of members) {
      inCycle[slotOf[m]!] = 0;
      absorbedBy[m] = id;
    }
    const dropped = new Set(members.map((m) => slotOf[m]!));
    dropped.delete(keep);
    for (let k = alive.length - 1; k >= 0; k--) if (dropped.has(alive[k]!)) alive.splice(k, 1);
    slotOf[id] = keep;
    idOfSlot[keep] = id;
    contractions.push({
      id,
      members,
      sources: members.map((m) => chosenSource[m]!),
      targets: members.map((m) => chosenTarget[m]!),
    });
    return id;
  };

  for (let start = 0; start < n; start++) {
    if (state[start] !== 0) continue;
    const path = [start];
    state[start] = 1;
    while (path.length > 0) {
      const v = path[path.length - 1]!;
      const slot = slotOf[v]!;
      let best = Infinity;
      let bestSlot = -1;
      for (const k of alive) {
        const w = cost[k * n + slot]!;
        if (w < best) {
          best = w;
          bestSlot = k;
        }
      }
      assert(bestSlot >= 0, "minimumSpanningArborescence: no spanning arborescence: a node has no finite incoming edge");
      chosenSource[v] = source[bestSlot * n + slot]!;
      chosenTarget[v] = target[bestSlot * n + slot]!;
      chosenCost[v] = best;
      const u = idOfSlot[bestSlot]!;
      if (state[u] === 2) {
        for (const x of path) state[x] = 2;
        path.length = 0;
      } else if (state[u] === 0) {
        state[u] = 1;
        path.push(u);
      } else {
        const members: number[] = [];
        let x: number;
        do {
          x = path.pop()!;
          members.push(x);
        } while (x !== u);
        const id = contract(members);
        state[id] = 1;
        path.push(id);
      }
    }
  }

  // Expand: each contraction's incoming edge goes to the member holding its target; the other
  // members keep their cycle edges.
  const inSource = new Int32Array(nextId).fill(-1);
  const inTarget = new Int32Array(nextId).fill(-1);
  for (let id = 0; id < nextId; id++) {
    if (absorbedBy[id] === -1 && id !== root) {
      inSource[id] = chosenSource[id]!;
      inTarget[id] = chosenTarget[id]!;
    }
  }
  for (let k = contractions.length - 1; k >= 0; k--) {
    const { id, members, sources, targets } = contractions[k]!;
    let entry = inTarget[id]!;
    while (absorbedBy[entry] !== id) entry = absorbedBy[entry]!;
    members.forEach((m, j) => {
      inSource[m] = m === entry ? inSource[id]! : sources[j]!;
      inTarget[m] = m === entry ? inTarget[id]! : targets[j]!;
    });
  }
  const parent = inSource.slice(0, n);
  parent[root] = -1;
  return parent;
}
