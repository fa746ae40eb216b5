import { describe, expect, test } from "bun:test";
import { KURTOSIS } from "../../../src/direction/kurtosis.ts";
import { VARIANCE } from "../../../src/direction/variance.ts";
import { ArtifactStore } from "../../../src/harness/artifact-store.ts";
import type { BoardTree } from "../../../src/harness/direction/board-tree.ts";
import type { BoardPairs } from "../../../src/harness/direction/board-pairs.ts";
import { defaultNote } from "../../../src/harness/direction/default-note.ts";
import { boardCells, boardRows, pooledScores, selectionOutOfSample, type BoardBenchmark, type BoardCell } from "../../../src/harness/direction/leaderboard.ts";
import { NO_COUNTS, type BoardEntry } from "../../../src/harness/direction/score-on-tree.ts";
import { leaveOneFamilyOut, SCORE_ONLY_FAMILIES } from "../../../src/harness/direction/learned-lofo.ts";
import { leaderboardPage } from "../../../src/harness/direction/report-direction-leaderboard.ts";
import { checkReportPagesInBrowser, writeReportPage } from "../../../src/report/index.ts";
import type { LayerStats } from "../../../src/types.ts";
import { BRANCHING } from "../../direction/crafted-group.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const NEUTRAL: LayerStats = { count: 100, mean: 0, variance: 1, skewness: 0, kurtosis: 3, min: -1, max: 1, entropy: 2 };

/** BRANCHING (0 → 1, 0 → 2, 1 → 3) with kurtosis falling by `step` per generation and variance rising by 0.1 (spectra left out). */
function tree(root: string, step: number): BoardTree {
  const depth = [0, 1, 1, 2];
  const ids = depth.map((_, i) => `${root}${i}`);
  const stats = depth.map((d) => ({ ...NEUTRAL, kurtosis: 10 - step * d, variance: 1 + 0.1 * d }));
  return {
    root: ids[0]!,
    ids,
    truth: {
      models: ids.map((id) => ({ id, stage: "specialization" as const, tree: ids[0]! })),
      edges: [
        { parent: ids[0]!, child: ids[1]! },
        { parent: ids[0]!, child: ids[2]! },
        { parent: ids[1]!, child: ids[3]! },
      ],
    },
    distance: [...BRANCHING.distance],
    choice: "ft",
    euclidean: [...BRANCHING.distance],
    languageModel: false,
    layers: [
      { name: "q", kind: "query", score: true, sketch: true },
      { name: "m", kind: "mlp-in", score: true, sketch: false },
    ],
    stats: [stats, stats],
    pairs: ancestorPairs(),
  };
}

/**
 * Pair evidence for BRANCHING: one layer per pair, its tanh term 0.1 from an ancestor to its descendant (z = 1), no evidence
 * between the two siblings' lines (an unchanged layer) — board-pairs.ts's encoding, pairs i < j row by row.
 */
function ancestorPairs(): BoardPairs {
  const ancestor = (i: number, j: number) => (i === 0 || (i === 1 && j === 3) ? 1 : 0);
  const row = (i: number, j: number) => [100, 0.5, 1, 1, 0, 0, 0.1 * ancestor(i, j), ancestor(i, j), 0, 0];
  const pairs: number[][][] = [];
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) pairs.push([row(i, j)]);
  return { size: 4, pairs };
}

/** Family "a": kurtosis falls (both rules right); family "b": kurtosis rises (kurtosis wrong with labels). */
const BENCHMARKS: BoardBenchmark[] = [
  { name: "bench-a", family: "a", domain: "vit", trees: [tree("a", 1)], key: "a" },
  { name: "bench-b", family: "b", domain: "lm", trees: [tree("b", -1)], key: "b" },
];

/** Each test's own artefact cache, and the rendered page's folder. */
const scoringCache = temporaryFolder("mother-board-");
const pageCache = temporaryFolder("mother-board-");
const pageReports = temporaryFolder("mother-board-page-");

describe("the direction leaderboard", () => {
  test("scores every rule on every benchmark, with and without stage labels, and caches each (rule, benchmark) cell", async () => {
    const logged: string[] = [];
    const store = new ArtifactStore(scoringCache, { log: (line) => logged.push(line), now: () => 0 });
    const rows = boardRows(BENCHMARKS, [KURTOSIS]);
    const cells = await boardCells(BENCHMARKS, rows, store);
    const cell = (entry: string, benchmark: string) => cells.find((c) => c.entry === entry && c.benchmark === benchmark)!;
    expect(cell("kurtosis", "bench-a").labels).toMatchObject({ edges: 3, directed: 3, agreeing: 3, signalled: 3 });
    // Kurtosis rises in b: with the labels (specialization) the tree is rooted at the leaf 3 (only 0 → 2 survives, as a tree must
    // leave one edge from the old root's side); --stage auto infers the trend and is right.
    expect(cell("kurtosis", "bench-b").labels).toMatchObject({ directed: 1, agreeing: 0, placed: 3, oriented: 1 });
    expect(cell("kurtosis", "bench-b").auto).toMatchObject({ directed: 3, placed: 3, oriented: 3 });
    expect(cell("default", "bench-b").autoPerTree).toEqual(["3/3"]);
    // The pair rule reads the pairs, not the statistics: right on both families, whatever kurtosis does.
    for (const bench of ["bench-a", "bench-b"]) expect(cell("pair-tanh", bench).auto).toMatchObject({ directed: 3, agreeing: 3, signalled: 3 });
    const built = logged.filter((line) => line.startsWith("[built]")).length;
    expect(built).toBe(rows.length * BENCHMARKS.length);

    // Adding one rule computes only its cells.
    logged.length = 0;
    await boardCells(BENCHMARKS, boardRows(BENCHMARKS, [KURTOSIS, VARIANCE]), store);
    expect(logged.filter((line) => line.startsWith("[built]")).length).toBe(BENCHMARKS.length);

    const pooled = pooledScores(BENCHMARKS, cells, true);
    const kurtosis = pooled.find((p) => p.entry === "kurtosis")!;
    expect(kurtosis).toMatchObject({ pooled: 4 / 6, familyMean: (1 + 1 / 3) / 2, worst: { benchmark: "bench-b", accuracy: 1 / 3 } });
    expect(kurtosis.byDomain).toMatchObject({ vit: 1, lm: 1 / 3 });
    const folds = selectionOutOfSample(BENCHMARKS, cells);
    expect(folds.map((f) => f.heldOut)).toEqual(["a", "b"]);
    expect(folds.every((f) => f.accuracy === 1)).toBe(true);
    expect(defaultNote(pooledScores(BENCHMARKS, cells, false), folds, cells)).toContain("the default stays");
  });

  test("a cell's key holds the long-edge test (a default since held-out set 9): a cell scored with it off is not reused with it on", async () => {
    const logged: string[] = [];
    const store = new ArtifactStore(temporaryFolder("mother-board-long-"), { log: (line) => logged.push(line), now: () => 0 });
    const rows = boardRows(BENCHMARKS, []);
    const off = rows.map((row) => ({ ...row, entryFor: (family: string) => ({ ...row.entryFor(family), longEdge: "off" as const }) }));
    const built = async (which: typeof rows) => {
      logged.length = 0;
      await boardCells(BENCHMARKS, which, store);
      return logged.filter((line) => line.startsWith("[built]")).length;
    };
    expect(await built(off)).toBe(rows.length * BENCHMARKS.length);
    expect(await built(rows)).toBe(rows.length * BENCHMARKS.length);
    expect(await built(off)).toBe(0);
  });

  test("a cell's key holds session 16's pair-tree options when set (--pair-veto, --pair-root, --pair-lambda): none is served a default cell", async () => {
    const logged: string[] = [];
    const store = new ArtifactStore(temporaryFolder("mother-board-pair-options-"), { log: (line) => logged.push(line), now: () => 0 });
    const rows = boardRows(BENCHMARKS, []);
    const built = async (overrides: Partial<BoardEntry>) => {
      logged.length = 0;
      await boardCells(
        BENCHMARKS,
        rows.map((row) => ({ ...row, entryFor: (family: string) => ({ ...row.entryFor(family), ...overrides }) })),
        store,
      );
      return logged.filter((line) => line.startsWith("[built]")).length;
    };
    const all = rows.length * BENCHMARKS.length;
    expect(await built({})).toBe(all);
    // The neutral settings are the defaults: the same cells.
    expect(await built({ pairVeto: "off", pairRoot: "tie", pairLambda: 1 })).toBe(0);
    for (const overrides of [{ pairVeto: "on" }, { pairRoot: "lambda" }, { pairLambda: 2 }] as const) expect(await built(overrides)).toBe(all);
  });

  test("the page renders in Chromium: both heatmaps draw, no console error or warning", async () => {
    const store = new ArtifactStore(pageCache, { log: () => {}, now: () => 0 });
    const rows = boardRows(BENCHMARKS, [KURTOSIS, VARIANCE]);
    const cells = await boardCells(BENCHMARKS, rows, store);
    const pooledAuto = pooledScores(BENCHMARKS, cells, false);
    const selection = selectionOutOfSample(BENCHMARKS, cells);
    const page = leaderboardPage({
      benchmarks: BENCHMARKS,
      missing: [{ name: "sd-family", why: "not trained", produce: "bun run experiments/sd-family.ts" }],
      rows,
      cells,
      pooledAuto,
      pooledLabels: pooledScores(BENCHMARKS, cells, true),
      selection,
      defaultNote: defaultNote(pooledAuto, selection, cells),
    });
    await writeReportPage(pageReports, page, { effects: { log: () => {}, now: () => new Date("2026-01-01T00:00:00Z") } });
    const checks = await checkReportPagesInBrowser(pageReports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    const board = checks.find((c) => c.file.endsWith("direction-leaderboard.html"))!;
    expect(board.figures).toBe(2);
    for (const marks of board.marksPerFigure) expect(marks).toBeGreaterThan(0);
  }, 60_000);
});

describe("score-only families (held-out set 4)", () => {
  const scoreOnly = [...SCORE_ONLY_FAMILIES][0]!;
  const WITH_HELD_OUT: BoardBenchmark[] = [...BENCHMARKS, { name: "bench-c", family: scoreOnly, domain: "lm", trees: [tree("c", 3)], key: "c" }];
  const weights = (benchmarks: readonly BoardBenchmark[], fold: string) => {
    const combine = leaveOneFamilyOut(benchmarks).get(fold)?.combine;
    return typeof combine === "object" && combine.kind === "learned" ? [...combine.weights] : [];
  };

  test("no learned fold trains on them: every fold's weights are those fitted without them; they are still scored", () => {
    for (const fold of ["a", "b"]) expect(weights(WITH_HELD_OUT, fold)).toEqual(weights(BENCHMARKS, fold));
    // A fitted fold whose training changes with "c" would differ: a and b alone give other weights than b alone.
    expect(weights(BENCHMARKS, "a")).not.toEqual(weights(BENCHMARKS, "b"));
    expect(weights(WITH_HELD_OUT, scoreOnly)).toEqual(weights([...BENCHMARKS, { ...BENCHMARKS[0]!, family: "z", name: "z" }], "z"));
  });

  test("the selection never picks on them: their cells cannot change another fold's pick; their own fold is scored on them alone", () => {
    const counts = (directed: number) => ({ ...NO_COUNTS, edges: 1, directed });
    // Entry x is listed first (wins ties) and fails only on the score-only family; y is right everywhere.
    const cell = (entry: string, benchmark: string, directed: number): BoardCell => ({
      entry,
      benchmark,
      labels: counts(directed),
      auto: counts(directed),
      autoPerTree: [`${directed}/1`],
    });
    const cells = ["a", "b", "c"].flatMap((f) => [cell("x", `bench-${f}`, f === "c" ? 0 : 1), cell("y", `bench-${f}`, 1)]);
    const folds = selectionOutOfSample(WITH_HELD_OUT, cells);
    expect(folds.map((f) => [f.heldOut, f.picked, f.benchmarks.join()])).toEqual([
      ["a", "x", "bench-a"],
      ["b", "x", "bench-b"],
      [scoreOnly, "x", "bench-c"],
    ]);
    expect(folds.find((f) => f.heldOut === scoreOnly)!.accuracy).toBe(0);
  });
});
