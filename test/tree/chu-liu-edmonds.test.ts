import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { minimumSpanningArborescence } from "../../src/tree/chu-liu-edmonds.ts";
import { BugError } from "../../src/errors.ts";
import { nativeKernels, type NativeKernels } from "../../src/kernels/native-kernels.ts";

// The brute-force checks run the TypeScript solver (kernels: null); the native one is checked against it below.
const native = (await nativeKernels()).native;

/** True when parent[] is one tree over all n nodes whose edges are all finite. */
function isSpanningArborescence(parent: Int32Array, weights: Float64Array, n: number): boolean {
  let roots = 0;
  for (let v = 0; v < n; v++) {
    if (parent[v] === -1) roots++;
    else if (parent[v]! < 0 || parent[v]! >= n || parent[v] === v || !Number.isFinite(weights[parent[v]! * n + v]!)) return false;
  }
  if (roots !== 1) return false;
  for (let v = 0; v < n; v++) {
    let u = v;
    for (let steps = 0; parent[u] !== -1; steps++) {
      if (steps > n) return false; // cycle
      u = parent[u]!;
    }
  }
  return true;
}

/** Oracle: the cheapest tree over every parent assignment (every root when root is undefined). */
function bruteForceCost(weights: Float64Array, n: number, root?: number): number {
  let bestCost = Infinity;
  const parent = new Int32Array(n);
  const roots = root === undefined ? Array.from({ length: n }, (_, i) => i) : [root];
  for (const r of roots) {
    const others = Array.from({ length: n }, (_, i) => i).filter((v) => v !== r);
    const choice = new Int32Array(others.length); // index into candidates (all nodes but itself)
    for (;;) {
      parent[r] = -1;
      let cost = 0;
      others.forEach((v, k) => {
        const c = choice[k]!;
        const u = c >= v ? c + 1 : c;
        parent[v] = u;
        cost += weights[u * n + v]!;
      });
      if (cost < bestCost && isSpanningArborescence(parent, weights, n)) bestCost = cost;
      let k = 0;
      while (k < others.length && ++choice[k]! === n - 1) choice[k++] = 0;
      if (k === others.length) break;
    }
  }
  return bestCost;
}

const graph = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    weights: fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: -2, max: 4 }) }, // small integers: many ties
        { weight: 2, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
        { weight: 2, arbitrary: fc.constant(Infinity) },
      ),
      { minLength: n * n, maxLength: n * n },
    ),
    root: fc.integer({ min: 0, max: n - 1 }),
  }),
);

function checkAgainstBruteForce(weights: Float64Array, n: number, root?: number): void {
  const expected = bruteForceCost(weights, n, root);
  if (expected === Infinity) {
    expect(() => minimumSpanningArborescence(weights, n, root, null)).toThrow(BugError);
    return;
  }
  const result = minimumSpanningArborescence(weights, n, root, null);
  expect(isSpanningArborescence(result.parent, weights, n)).toBe(true);
  expect(result.parent[result.root]).toBe(-1);
  if (root !== undefined) expect(result.root).toBe(root);
  let cost = 0;
  for (let v = 0; v < n; v++) if (result.parent[v]! >= 0) cost += weights[result.parent[v]! * n + v]!;
  expect(result.cost).toBeCloseTo(cost, 9);
  expect(result.cost).toBeCloseTo(expected, 9);
}

describe("minimumSpanningArborescence", () => {
  test("matches brute force on random graphs with a fixed root (ties, negative and missing edges)", () => {
    fc.assert(
      fc.property(graph, ({ n, weights, root }) => checkAgainstBruteForce(Float64Array.from(weights), n, root)),
      { numRuns: 150, seed: 20260101 },
    );
  });

  test("matches brute force over every root when the root is free", () => {
    fc.assert(
      fc.property(graph, ({ n, weights }) => checkAgainstBruteForce(Float64Array.from(weights), n)),
      { numRuns: 60, seed: 20260102 },
    );
  });

  test("contracts a cheap cycle and enters it at the right node", () => {
    // 0 is the root; 1⇄2 is a cheap 2-cycle; entering at 2 (cost 5) beats entering at 1 (cost 10).
    const inf = Infinity;
    // prettier-ignore
    const weights = Float64Array.of(inf, 10, 5, inf, inf, 1, inf, 1, inf);
    const result = minimumSpanningArborescence(weights, 3, 0);
    expect(Array.from(result.parent)).toEqual([-1, 2, 0]);
    expect(result.cost).toBe(6);
  });

  test("a free root goes where the tree is cheapest", () => {
    // chain 2→0→1 is the only cheap tree
    const weights = Float64Array.of(0, 1, 9, 9, 0, 9, 1, 9, 0);
    const result = minimumSpanningArborescence(weights, 3);
    expect(result.root).toBe(2);
    expect(Array.from(result.parent)).toEqual([2, 0, -1]);
  });

  test("a single node is its own root; disconnected graphs and bad inputs are errors", () => {
    expect(minimumSpanningArborescence(Float64Array.of(0), 1)).toEqual({ parent: Int32Array.of(-1), root: 0, cost: 0 });
    const twoParts = Float64Array.of(0, 1, Infinity, Infinity, 1, 0, Infinity, Infinity, Infinity, Infinity, 0, 1, Infinity, Infinity, 1, 0);
    for (const kernels of [null, native ?? null]) {
      expect(() => minimumSpanningArborescence(twoParts, 4, undefined, kernels)).toThrow(/do not connect every node/);
      expect(() => minimumSpanningArborescence(twoParts, 4, 0, kernels)).toThrow(/no finite incoming edge/);
    }
    expect(() => minimumSpanningArborescence(new Float64Array(3), 2)).toThrow(/not n×n/);
    expect(() => minimumSpanningArborescence(Float64Array.of(0, NaN, 1, 0), 2)).toThrow(/edge weight/);
    expect(() => minimumSpanningArborescence(Float64Array.of(0, 1, 1, 0), 2, 2)).toThrow(/root/);
  });

  test("handles a few hundred nodes (dense O(n²)) and returns a valid tree", () => {
    const n = 200;
    const weights = new Float64Array(n * n);
    let state = 7;
    for (let i = 0; i < n * n; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      weights[i] = state / 2 ** 32;
    }
    const result = minimumSpanningArborescence(weights, n);
    expect(isSpanningArborescence(result.parent, weights, n)).toBe(true);
  });
});

describe.skipIf(native === undefined)("minimumSpanningArborescence natively (arborescence.c)", () => {
  /** Graphs past brute force's reach: up to 40 nodes, weights from a few values (ties everywhere), negative and missing edges. */
  const larger = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      weights: fc.array(
        fc.oneof(
          { weight: 5, arbitrary: fc.integer({ min: -2, max: 4 }) },
          { weight: 3, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
          { weight: 1, arbitrary: fc.constant(Infinity) },
        ),
        { minLength: n * n, maxLength: n * n },
      ),
      root: fc.integer({ min: 0, max: n - 1 }),
      free: fc.boolean(),
    }),
  );

  test("gives the TypeScript solver's tree, parent for parent (ties broken alike), or its error", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          graph.map((g) => ({ ...g, free: false })),
          larger,
        ),
        ({ n, weights, root, free }) => {
          const matrix = Float64Array.from(weights);
          const solveWith = (kernels: NativeKernels | null) => {
            try {
              return minimumSpanningArborescence(matrix, n, free ? undefined : root, kernels);
            } catch (error) {
              return error instanceof BugError ? error.message : error;
            }
          };
          expect(solveWith(native!)).toEqual(solveWith(null));
        },
      ),
      { numRuns: 600, seed: 20261207 },
    );
  });

  test("recovery's matrices: a dense tree of 200 nodes with near-equal costs", () => {
    const n = 200;
    const weights = new Float64Array(n * n);
    let state = 11;
    for (let i = 0; i < n * n; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      weights[i] = 1 + Math.floor((state / 2 ** 32) * 8) / 8;
    }
    expect(minimumSpanningArborescence(weights, n, undefined, native)).toEqual(minimumSpanningArborescence(weights, n, undefined, null));
  });
});
