/**
 * Scoring a recovered Model Graph against the truth (paper §6):
 *
 * - edge accuracy: the fraction of true directed edges recovered exactly (edge present and
 *   pointing the right way), overall and per true tree (paper Table 1);
 * - clustering accuracy: clusters are matched one-to-one to true trees so that the most
 *   models land in their own tree (Hungarian algorithm), and the fraction of models whose
 *   cluster is matched to their tree is reported (paper Fig. 7).
 */
import type { ModelGraph } from "../types.ts";
import { truthEdgeUnknownModel, truthModelTwice } from "../messages.ts";

/** A directed edge: `child` was trained from `parent`. */
export interface DirectedEdge {
  readonly parent: string;
  readonly child: string;
}

/** What scoring needs of a truth: each model's tree and the true edges (a TruthGraph, or a truth file as evaluate reads it). */
export interface ScoringTruth {
  readonly models: readonly { readonly id: string; readonly tree: string }[];
  readonly edges: readonly DirectedEdge[];
}

/** How many true edges were recovered; accuracy = correct / total. */
export interface EdgeAccuracy {
  readonly correct: number;
  readonly total: number;
  /** correct / total; for a truth without edges, 1 when nothing was predicted either, else 0. */
  readonly accuracy: number;
}

/** Fraction of the truth's directed edges that the prediction contains exactly. */
export function edgeAccuracy(predicted: ModelGraph | readonly DirectedEdge[], truth: ScoringTruth): EdgeAccuracy {
  const predictedEdges = "edges" in predicted ? predicted.edges : predicted;
  checkTruth(truth);
  return score(truth.edges, new Set(predictedEdges.map(edgeKey)), predictedEdges.length);
}

/**
 * Edge accuracy per true tree (the tree of each true edge's child), in order of first
 * appearance of each tree in `truth.models`.
 */
export function edgeAccuracyByTree(predicted: ModelGraph | readonly DirectedEdge[], truth: ScoringTruth): Map<string, EdgeAccuracy> {
  const predictedEdges = "edges" in predicted ? predicted.edges : predicted;
  const treeOf = checkTruth(truth);
  const predictedKeys = new Set(predictedEdges.map(edgeKey));
  const byTree = new Map<string, DirectedEdge[]>();
  for (const model of truth.models) if (!byTree.has(model.tree)) byTree.set(model.tree, []);
  for (const edge of truth.edges) byTree.get(treeOf.get(edge.child)!)!.push(edge);
  const result = new Map<string, EdgeAccuracy>();
  for (const [tree, edges] of byTree) {
    const members = new Set(truth.models.filter((m) => m.tree === tree).map((m) => m.id));
    const predictedInTree = predictedEdges.filter((e) => members.has(e.child)).length;
    result.set(tree, score(edges, predictedKeys, predictedInTree));
  }
  return result;
}

/**
 * Fraction of the truth's models whose predicted cluster is matched to their true tree, under
 * the one-to-one matching of clusters to trees that maximises that fraction. Models missing
 * from the prediction count as wrong; predicted ids unknown to the truth are ignored.
 */
export function clusteringAccuracy(predictedTrees: readonly (readonly string[])[], truth: ScoringTruth): number {
  const treeOf = checkTruth(truth);
  if (truth.models.length === 0) return 1;
  const trees = [...new Set(truth.models.map((m) => m.tree))];
  const treeIndex = new Map(trees.map((t, i) => [t, i]));
  const size = Math.max(trees.length, predictedTrees.length);
  // overlap[c][t] = models of cluster c that truly belong to tree t
  const overlap = Array.from({ length: size }, () => new Float64Array(size));
  predictedTrees.forEach((cluster, c) => {
    for (const id of cluster) {
      const tree = treeOf.get(id);
      if (tree !== undefined) overlap[c]![treeIndex.get(tree)!]!++;
    }
  });
  const assignment = maximumWeightMatching(overlap);
  let matched = 0;
  assignment.forEach((t, c) => (matched += overlap[c]![t]!));
  return matched / truth.models.length;
}

/**
 * Hungarian algorithm (Kuhn–Munkres, O(n³)) on a square weight matrix: returns, for each row,
 * the column it is matched to, maximising the total weight.
 */
export function maximumWeightMatching(weights: readonly Float64Array[]): Int32Array {
  const n = weights.length;
  // minimise cost = −weight with potentials u (rows) and v (columns); 1-based with a dummy 0
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOfColumn = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let row = 1; row <= n; row++) {
    rowOfColumn[0] = row;
    let column = 0;
    const slack = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[column] = 1;
      const r = rowOfColumn[column]!;
      let delta = Infinity;
      let next = 0;
      for (let c = 1; c <= n; c++) {
        if (used[c]) continue;
        const reduced = -weights[r - 1]![c - 1]! - u[r]! - v[c]!;
        if (reduced < slack[c]!) {
          slack[c] = reduced;
          way[c] = column;
        }
        if (slack[c]! < delta) {
          delta = slack[c]!;
          next = c;
        }
      }
      for (let c = 0; c <= n; c++) {
        if (used[c]) {
          u[rowOfColumn[c]!]! += delta;
          v[c]! -= delta;
        } else {
          slack[c]! -= delta;
        }
      }
      column = next;
    } while (rowOfColumn[column] !== 0);
    do {
      const previous = way[column]!;
      rowOfColumn[column] = rowOfColumn[previous]!;
      column = previous;
    } while (column !== 0);
  }
  const columnOfRow = new Int32Array(n);
  for (let c = 1; c <= n; c++) columnOfRow[rowOfColumn[c]! - 1] = c - 1;
  return columnOfRow;
}

function edgeKey(edge: DirectedEdge): string {
  return JSON.stringify([edge.parent, edge.child]);
}

function score(trueEdges: readonly DirectedEdge[], predictedKeys: Set<string>, predictedCount: number): EdgeAccuracy {
  const total = trueEdges.length;
  const correct = trueEdges.filter((e) => predictedKeys.has(edgeKey(e))).length;
  const accuracy = total > 0 ? correct / total : predictedCount === 0 ? 1 : 0;
  return { correct, total, accuracy };
}

/** Checks the truth is self-consistent; returns each model's tree. */
function checkTruth(truth: ScoringTruth): Map<string, string> {
  const treeOf = new Map<string, string>();
  for (const model of truth.models) {
    if (treeOf.has(model.id)) throw truthModelTwice(model.id);
    treeOf.set(model.id, model.tree);
  }
  for (const edge of truth.edges) {
    for (const id of [edge.parent, edge.child]) {
      if (!treeOf.has(id)) throw truthEdgeUnknownModel(id);
    }
  }
  return treeOf;
}
