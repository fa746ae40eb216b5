/**
 * Agglomerative clustering of models into Model Trees on a precomputed distance matrix
 * (paper §5.2 "Multiple components"; the paper used scipy's `linkage` defaults). Same
 * algorithm and output as `scipy.cluster.hierarchy.linkage(condensed, method)`:
 *
 *   1. nearest-neighbour chain: follow nearest neighbours until two clusters are each
 *      other's nearest, merge them (O(n²) total for reducible linkages: ward, average,
 *      single, complete)
 *   2. update distances to the merged cluster by the Lance–Williams formula
 *   3. sort merges by height (stable) and relabel as scipy does: the merge at row k creates
 *      cluster n + k; each row lists the smaller cluster id first
 */
import { assert } from "../errors.ts";
import { DisjointSets } from "./disjoint-sets.ts";

/** How the distance to a merged cluster is computed. Ward treats distances as Euclidean. */
export type Linkage = "ward" | "average" | "single" | "complete";

/**
 * scipy's linkage matrix: (n−1) rows of [clusterA, clusterB, height, size], flattened.
 * Observations are clusters 0..n−1; row k creates cluster n + k; heights are non-decreasing.
 */
export interface LinkageMatrix {
  readonly observations: number;
  readonly rows: Float64Array;
}

/** Clusters `n` items from an n×n symmetric distance matrix (row-major; the diagonal is ignored). */
export function hierarchicalClustering(distances: Float64Array, n: number, linkage: Linkage = "ward"): LinkageMatrix {
  assert(Number.isInteger(n) && n >= 1, `hierarchicalClustering: need at least one item (${n})`);
  assert(distances.length === n * n, `hierarchicalClustering: distance matrix is not n×n (${distances.length}, limit ${n * n})`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = distances[i * n + j]!;
      assert(i === j || (d >= 0 && d < Infinity), `hierarchicalClustering: distances must be finite and non-negative ((${i}, ${j}) = ${d})`);
    }
  }
  const working = Float64Array.from(distances);
  const size = new Float64Array(n).fill(1); // 0 = slot no longer a cluster
  const merges: { a: number; b: number; height: number }[] = [];
  const chain: number[] = [];

  for (let step = 0; step < n - 1; step++) {
    // 1. grow the chain until its last two clusters are mutual nearest neighbours
    if (chain.length === 0) chain.push(size.findIndex((s) => s > 0));
    let x: number;
    let y: number;
    let nearest: number;
    for (;;) {
      x = chain[chain.length - 1]!;
      y = chain.length > 1 ? chain[chain.length - 2]! : -1;
      nearest = y >= 0 ? working[x * n + y]! : Infinity;
      for (let i = 0; i < n; i++) {
        if (size[i] === 0 || i === x) continue;
        const d = working[x * n + i]!;
        if (d < nearest) {
          nearest = d;
          y = i;
        }
      }
      if (chain.length > 1 && y === chain[chain.length - 2]) break;
      chain.push(y);
    }
    chain.length -= 2;
    if (x > y) [x, y] = [y, x];

    // 2. merge x into slot y and update its distances
    const sizeX = size[x]!;
    const sizeY = size[y]!;
    merges.push({ a: x, b: y, height: nearest });
    size[x] = 0;
    size[y] = sizeX + sizeY;
    for (let i = 0; i < n; i++) {
      const sizeI = size[i]!;
      if (sizeI === 0 || i === y) continue;
      const updated = lanceWilliams(linkage, working[i * n + x]!, working[i * n + y]!, nearest, sizeX, sizeY, sizeI);
      working[i * n + y] = updated;
      working[y * n + i] = updated;
    }
  }

  // 3. order by height and relabel
  const order = merges.map((_, k) => k).sort((p, q) => merges[p]!.height - merges[q]!.height || p - q);
  const clusters = new DisjointSets(2 * n - 1); // a merged cluster's root is the new cluster's id
  const clusterSize = new Float64Array(2 * n - 1).fill(1);
  const rows = new Float64Array((n - 1) * 4);
  order.forEach((k, row) => {
    const merge = merges[k]!;
    const rootA = clusters.find(merge.a);
    const rootB = clusters.find(merge.b);
    const created = n + row;
    clusters.link(rootA, created);
    clusters.link(rootB, created);
    clusterSize[created] = clusterSize[rootA]! + clusterSize[rootB]!;
    rows.set([Math.min(rootA, rootB), Math.max(rootA, rootB), merge.height, clusterSize[created]!], row * 4);
  });
  return { observations: n, rows };
}

/** Distance from cluster i to the union of x and y (which were `dxy` apart). */
function lanceWilliams(linkage: Linkage, dix: number, diy: number, dxy: number, sizeX: number, sizeY: number, sizeI: number): number {
  switch (linkage) {
    case "ward": {
      const total = sizeX + sizeY + sizeI;
      const squared = ((sizeI + sizeX) * dix * dix + (sizeI + sizeY) * diy * diy - sizeI * dxy * dxy) / total;
      return Math.sqrt(Math.max(squared, 0));
    }
    case "average":
      return (sizeX * dix + sizeY * diy) / (sizeX + sizeY);
    case "single":
      return Math.min(dix, diy);
    case "complete":
      return Math.max(dix, diy);
  }
}

/**
 * Flat labels with exactly k clusters: apply the n − k lowest merges. Labels are 0..k−1 in
 * order of each cluster's first observation (like scipy's `cut_tree`).
 */
export function cutTree(linkage: LinkageMatrix, k: number): Int32Array {
  const n = linkage.observations;
  assert(Number.isInteger(k) && k >= 1 && k <= n, `cutTree: cluster count out of range (${k}, limit 1..${n})`);
  const clusters = new DisjointSets(2 * n - 1);
  for (let row = 0; row < n - k; row++) {
    clusters.link(linkage.rows[row * 4]!, n + row);
    clusters.link(linkage.rows[row * 4 + 1]!, n + row);
  }
  const labelOf = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const root = clusters.find(i);
    if (!labelOf.has(root)) labelOf.set(root, labelOf.size);
    labels[i] = labelOf.get(root)!;
  }
  return labels;
}
