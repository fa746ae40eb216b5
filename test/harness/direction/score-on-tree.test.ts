import { describe, expect, test } from "bun:test";
import type { BoardTree } from "../../../src/harness/direction/board-tree.ts";
import { type BoardEntry, scoreOnTree, siblingAngleDistance } from "../../../src/harness/direction/score-on-tree.ts";
import { boardPairLayers } from "../../../src/harness/direction/board-pairs.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../../src/recover/options.ts";
import type { LayerStats } from "../../../src/types.ts";
import { BRANCHING } from "../../direction/crafted-group.ts";

const NEUTRAL: LayerStats = { count: 100, mean: 0, variance: 1, skewness: 0, kurtosis: 3, min: -1, max: 1, entropy: 2 };

/**
 * The correlation distance √(2(1 − ρ)) of each pair (one layer), scaled from BRANCHING's shape but with 1 → 3 a little
 * longer than 0 → 1: the angle at 1 between 0 and 3 is then obtuse with 0 the nearer, so the sibling-angle rule rules
 * out 1 → 3 (a true edge) and nothing else (2–3 short enough that no other angle is obtuse). BRANCHING's own D (the board tree's layer-pass angles here) has 0–1 and 1–3 equally long,
 * so it rules nothing out.
 */
const CORRELATION_DISTANCE: Record<string, number> = { "0-1": 2 / 3, "0-2": 2 / 3, "0-3": 4 / 3, "1-2": 4 / 3, "1-3": 0.8, "2-3": 1.4 };

/** A language-model board tree: BRANCHING (0 → 1, 0 → 2, 1 → 3), pair evidence pointing from each ancestor to its descendant. */
function languageModelTree(): BoardTree {
  const ids = ["m0", "m1", "m2", "m3"];
  const stats = ids.map(() => NEUTRAL);
  const ancestor = (i: number, j: number) => (i === 0 || (i === 1 && j === 3) ? 1 : 0);
  const rho = (i: number, j: number) => 1 - CORRELATION_DISTANCE[`${i}-${j}`]! ** 2 / 2;
  const pairs: number[][][] = [];
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) pairs.push([[100, rho(i, j), 1, 1, 0, 0, 0.1 * ancestor(i, j), ancestor(i, j), 0, 0, 0, 0, 0]]);
  return {
    root: "m0",
    ids,
    truth: {
      models: ids.map((id) => ({ id, stage: "specialization" as const, tree: "m0" })),
      edges: BRANCHING.parents.flatMap((p, child) => (p >= 0 ? [{ parent: ids[p]!, child: ids[child]! }] : [])),
    },
    distance: [...BRANCHING.distance],
    choice: "ft",
    euclidean: [...BRANCHING.distance],
    languageModel: true,
    layers: [{ name: "q", kind: "query", score: true, sketch: true }],
    stats: [stats],
    pairs: { size: 4, pairs },
  };
}

const DEFAULT_ENTRY: BoardEntry = { name: "default", rule: undefined, chain: DEFAULT_RECOVER_OPTIONS.chain };

describe("the board's --sibling-geometry", () => {
  test("correlation reads the angles off the pairs' correlations where the pair rule orients the tree, as recovery does", () => {
    // Found in review: the board took correlation for scale-free (the board tree's layer-pass angles) everywhere.
    const tree = languageModelTree();
    expect(DEFAULT_RECOVER_OPTIONS.siblingGeometry).not.toBe("correlation");
    const angles = siblingAngleDistance(tree, "correlation", boardPairLayers(tree.pairs!));
    expect(angles[1 * 4 + 3]).toBeCloseTo(0.8, 12);
    expect(angles[0 * 4 + 3]).toBeCloseTo(4 / 3, 12);
    // The layer-pass angles rule nothing out: every true edge right. The correlation angles rule out 1 → 3 (1 as 3's parent):
    // the same undirected tree, now rooted at 3 (3 → 1 → 0 → 2), one edge the right way round.
    expect(scoreOnTree(tree, DEFAULT_ENTRY, true)).toMatchObject({ directed: 3, placed: 3 });
    expect(scoreOnTree(tree, { ...DEFAULT_ENTRY, siblingGeometry: "correlation" }, true)).toMatchObject({ directed: 1, placed: 3 });
    expect(scoreOnTree(tree, { ...DEFAULT_ENTRY, siblingGeometry: "correlation", siblingAngles: "off" }, true).directed).toBe(3);
  });

  test("without a pair read (no pair rule orients the tree) correlation stands in with the layer-pass angles, as in recovery", () => {
    const tree = languageModelTree();
    const perModel = { ...DEFAULT_ENTRY, pairDirection: "off" as const };
    expect(scoreOnTree(tree, { ...perModel, siblingGeometry: "correlation" }, true)).toEqual(scoreOnTree(tree, perModel, true));
    expect([...siblingAngleDistance(tree, "correlation", undefined)]).toEqual([...BRANCHING.distance]);
  });

  test("a geometry the board tree was not prepared with is refused, not read as another", () => {
    const other = DEFAULT_RECOVER_OPTIONS.siblingGeometry === "euclidean" ? "scale-free" : "euclidean";
    expect(() => siblingAngleDistance(languageModelTree(), other, undefined)).toThrow(/holds .* angles, not/);
  });
});
