import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { cutTree, hierarchicalClustering, type Linkage } from "../../src/tree/hierarchical-clustering.ts";
import { samePartition } from "../fixtures/same-partition.ts";

function euclidean(points: readonly (readonly number[])[]): Float64Array {
  const n = points.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = Math.hypot(...points[i]!.map((x, k) => x - points[j]![k]!));
  return out;
}

function rows(points: number[][], linkage: Linkage): number[][] {
  const result = hierarchicalClustering(euclidean(points), points.length, linkage);
  return Array.from({ length: points.length - 1 }, (_, r) => Array.from(result.rows.subarray(r * 4, r * 4 + 4)));
}

function expectRows(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => row.forEach((value, c) => expect(value).toBeCloseTo(expected[r]![c]!, 10)));
}

function gaussianSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** 9 random 3-D points and scipy 1.17.1's `linkage(pdist(points), method)` for them (generated once with numpy seed 3). */
const SCIPY_POINTS = [
  [2.041, -2.556, 0.418],
  [-0.568, -0.453, -0.216],
  [-2.02, -0.232, -0.865],
  [3.323, 0.226, -0.353],
  [-0.281, -0.668, -1.055],
  [-0.391, 0.482, -0.239],
  [0.958, -0.2, 0.024],
  [1.546, 0.545, -0.505],
  [-0.183, 0.541, 1.935],
];
const SCIPY_LINKAGE: Record<Linkage, number[][]> = {
  ward: [
    [1.0, 4.0, 0.9124225994570717, 2.0],
    [6.0, 7.0, 1.086558788101224, 2.0],
    [5.0, 9.0, 1.2884826994052605, 3.0],
    [2.0, 11.0, 2.0171297264512593, 4.0],
    [3.0, 10.0, 2.395707132908083, 3.0],
    [8.0, 12.0, 3.433878768972487, 5.0],
    [0.0, 13.0, 3.471994647653324, 4.0],
    [14.0, 15.0, 5.671598803590473, 9.0],
  ],
  average: [
    [1.0, 4.0, 0.9124225994570717, 2.0],
    [6.0, 7.0, 1.086558788101224, 2.0],
    [5.0, 9.0, 1.183129347512663, 3.0],
    [2.0, 11.0, 1.7647134035157428, 4.0],
    [3.0, 10.0, 2.122123264220349, 3.0],
    [8.0, 12.0, 2.812225843450257, 5.0],
    [13.0, 14.0, 2.9688948157131234, 8.0],
    [0.0, 15.0, 3.587803374431304, 9.0],
  ],
  single: [
    [1.0, 4.0, 0.9124225994570717, 2.0],
    [5.0, 9.0, 0.9518839214946327, 3.0],
    [6.0, 7.0, 1.086558788101224, 2.0],
    [10.0, 11.0, 1.5343057061746201, 5.0],
    [2.0, 12.0, 1.6057228901650495, 6.0],
    [3.0, 13.0, 1.8117930345378856, 7.0],
    [8.0, 14.0, 2.1847244677533135, 8.0],
    [0.0, 15.0, 2.6227582808943715, 9.0],
  ],
  complete: [
    [1.0, 4.0, 0.9124225994570717, 2.0],
    [6.0, 7.0, 1.086558788101224, 2.0],
    [5.0, 9.0, 1.4143747735306933, 3.0],
    [2.0, 11.0, 1.8855537648128733, 4.0],
    [3.0, 10.0, 2.4324534939028126, 3.0],
    [0.0, 13.0, 3.2730956295226084, 4.0],
    [8.0, 12.0, 3.4368732883247235, 5.0],
    [14.0, 15.0, 5.386980322963877, 9.0],
  ],
};

describe("hierarchicalClustering", () => {
  // Points on a line 0, 1, 3, 7; heights worked out by hand (Ward: √(2|A||B|/(|A|+|B|))·‖c_A − c_B‖).
  const line = [[0], [1], [3], [7]];

  test("ward matches the hand-computed scipy linkage", () => {
    expectRows(rows(line, "ward"), [
      [0, 1, 1, 2],
      [2, 4, Math.sqrt(25 / 3), 3],
      [3, 5, Math.sqrt(1.5) * (17 / 3), 4],
    ]);
  });

  test("average, single and complete match hand-computed linkages", () => {
    expectRows(rows(line, "average"), [
      [0, 1, 1, 2],
      [2, 4, 2.5, 3],
      [3, 5, 17 / 3, 4],
    ]);
    expectRows(rows(line, "single"), [
      [0, 1, 1, 2],
      [2, 4, 2, 3],
      [3, 5, 4, 4],
    ]);
    expectRows(rows(line, "complete"), [
      [0, 1, 1, 2],
      [2, 4, 3, 3],
      [3, 5, 7, 4],
    ]);
  });

  test("reproduces scipy's linkage matrices on random points for every method", () => {
    for (const method of ["ward", "average", "single", "complete"] as const) expectRows(rows(SCIPY_POINTS, method), SCIPY_LINKAGE[method]);
  });

  test("merges found out of height order are sorted and relabelled like scipy", () => {
    // the chain merges {0,1} at 1 before {2,3} at 0.1
    expectRows(rows([[0], [1], [100], [100.1]], "single"), [
      [2, 3, 0.1, 2],
      [0, 1, 1, 2],
      [4, 5, 99, 4],
    ]);
  });

  test("bad inputs are errors", () => {
    expect(() => hierarchicalClustering(new Float64Array(3), 2)).toThrow(/n×n/);
    expect(() => hierarchicalClustering(Float64Array.of(0, -1, -1, 0), 2)).toThrow(/non-negative/);
    expect(() => hierarchicalClustering(Float64Array.of(0, NaN, NaN, 0), 2)).toThrow(/finite/);
  });
});

describe("cutTree", () => {
  test("matches scipy's cut_tree on the random points (Ward, k = 2, 3, 5)", () => {
    const n = SCIPY_POINTS.length;
    const linkage = hierarchicalClustering(euclidean(SCIPY_POINTS), n, "ward");
    // scipy 1.17.1: cut_tree(linkage(pdist(points), "ward"), n_clusters=k)
    expect(Array.from(cutTree(linkage, 2))).toEqual([0, 1, 1, 0, 1, 1, 0, 0, 1]);
    expect(Array.from(cutTree(linkage, 3))).toEqual([0, 1, 1, 2, 1, 1, 2, 2, 1]);
    expect(Array.from(cutTree(linkage, 5))).toEqual([0, 1, 1, 2, 1, 1, 3, 3, 4]);
  });

  test("applies the n − k lowest merges and labels clusters by first member", () => {
    const linkage = hierarchicalClustering(euclidean([[0], [1], [100], [100.1], [50]]), 5, "single");
    expect(Array.from(cutTree(linkage, 1))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(cutTree(linkage, 3))).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(cutTree(linkage, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(() => cutTree(linkage, 0)).toThrow(/out of range/);
  });

  test("well-separated Gaussian blobs are recovered exactly", () => {
    const blobs = fc.record({
      sizes: fc.array(fc.integer({ min: 3, max: 6 }), { minLength: 1, maxLength: 5 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      linkage: fc.constantFrom<Linkage>("ward", "average", "single", "complete"),
    });
    fc.assert(
      fc.property(blobs, ({ sizes, seed, linkage }) => {
        const gaussian = gaussianSource(seed);
        const points: number[][] = [];
        const truth: number[] = [];
        sizes.forEach((size, blob) => {
          const centre = Array.from({ length: 4 }, (_, d) => (d === blob % 4 ? 1000 * (1 + Math.floor(blob / 4)) : 0));
          for (let i = 0; i < size; i++) {
            points.push(centre.map((c) => c + gaussian()));
            truth.push(blob);
          }
        });
        const result = hierarchicalClustering(euclidean(points), points.length, linkage);
        expect(samePartition(cutTree(result, sizes.length), truth)).toBe(true);
      }),
      { numRuns: 60, seed: 99 },
    );
  });
});
