/**
 * The direction leaderboard page (reports/direction-leaderboard.html): heatmaps of directed
 * accuracy (stage labels given / no flags) and of orientation agreement, rules × benchmarks;
 * the same numbers as tables (printed to the terminal too); pooled scores; the leave-one-family-
 * out selection; and a paragraph on the default. Built only from leaderboard.ts's cells.
 */
import { isPairRule } from "../../direction/pair-rule.ts";
import type { TopLevelSpec } from "vega-lite";
import type { ReportPage, ReportTable } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import { LEARNED_FEATURES } from "../../direction/learned-rule.ts";
import type { EdgeCounts } from "./score-on-tree.ts";
import { DEFAULT_ENTRY, type BoardBenchmark, type BoardCell, type BoardRow, type PooledScores, type SelectionFold } from "./leaderboard.ts";

/** Everything the page shows. */
export interface LeaderboardResults {
  readonly benchmarks: readonly BoardBenchmark[];
  /** Benchmarks not in the cache, with the command that makes them. */
  readonly missing: readonly { readonly name: string; readonly why: string; readonly produce: string }[];
  readonly rows: readonly BoardRow[];
  readonly cells: readonly BoardCell[];
  readonly pooledAuto: readonly PooledScores[];
  readonly pooledLabels: readonly PooledScores[];
  readonly selection: readonly SelectionFold[];
  /** The paragraph on why the default is the default (written by the experiment from the numbers). */
  readonly defaultNote: string;
}

const rate = (c: EdgeCounts): number => (c.edges === 0 ? Number.NaN : c.directed / c.edges);
const agreement = (c: EdgeCounts): number => (c.signalled === 0 ? Number.NaN : c.agreeing / c.signalled);

/** A rules × benchmarks heatmap of `value`, one panel per mode; cells without a value are left out. */
export function leaderboardHeatmap(
  title: string,
  values: readonly { entry: string; benchmark: string; mode: string; value: number }[],
  entries: readonly string[],
  benchmarks: readonly string[],
): TopLevelSpec {
  const data = values.filter((v) => Number.isFinite(v.value)).map((v) => ({ ...v, text: v.value.toFixed(2) }));
  const position = {
    x: { field: "benchmark", type: "nominal", sort: benchmarks, title: null, axis: { orient: "top", labelAngle: -40 } },
    y: { field: "entry", type: "nominal", sort: entries, title: null },
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values: data },
    facet: { column: { field: "mode", type: "nominal", title: null } },
    spec: {
      width: { step: 40 },
      height: { step: 20 },
      layer: [
        {
          mark: { type: "rect", stroke: "white" },
          encoding: {
            ...position,
            color: { field: "value", type: "quantitative", title: "fraction", scale: { domain: [0, 1], scheme: "blues" } },
            tooltip: [{ field: "entry" }, { field: "benchmark" }, { field: "mode" }, { field: "value", type: "quantitative", format: ".3f" }],
          },
        },
        {
          mark: { type: "text", fontSize: 9 },
          encoding: {
            ...position,
            text: { field: "text" },
            color: { condition: { test: "datum.value > 0.6", value: "white" }, value: "black" },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

function cellOf(results: LeaderboardResults, entry: string, benchmark: string): BoardCell | undefined {
  return results.cells.find((c) => c.entry === entry && c.benchmark === benchmark);
}

function accuracyTable(results: LeaderboardResults, labels: boolean): ReportTable {
  const pooled = labels ? results.pooledLabels : results.pooledAuto;
  const names = results.benchmarks.map((b) => b.name);
  return {
    title: `Directed accuracy, ${labels ? "stage labels given (--stages)" : "no flags (--stage auto)"}: true edges recovered with the right parent`,
    columns: ["rule", ...names, "pooled", "family mean", "ViT", "LM", "generalization", "worst"],
    rows: results.rows.map((row) => {
      const p = pooled.find((s) => s.entry === row.name);
      const cells: Cell[] = names.map((b) => {
        const cell = cellOf(results, row.name, b);
        return cell ? rate(labels ? cell.labels : cell.auto) : null;
      });
      return [
        row.name === DEFAULT_ENTRY ? `${row.name} ★` : row.name,
        ...cells,
        p?.pooled ?? null,
        p?.familyMean ?? null,
        p?.byDomain.vit ?? null,
        p?.byDomain.lm ?? null,
        p?.byDomain.generalization ?? null,
        p ? `${p.worst.benchmark} ${p.worst.accuracy.toFixed(2)}` : null,
      ];
    }),
    note:
      "Trees with the cluster known (each benchmark's true trees, recovery's default distance and λ). Pooled: over every edge; " +
      "family mean: each family's pooled accuracy, averaged (each family once); ViT / LM / generalization: pooled over the benchmarks " +
      "of that domain. ★ = recovery's default. NaN = no benchmark of that domain in the cache.",
  };
}

function agreementTable(results: LeaderboardResults): ReportTable {
  const names = results.benchmarks.map((b) => b.name);
  return {
    title: "Orientation agreement: true edges along which the rule's signal moves the way it expects (stage labels given)",
    columns: ["rule", ...names, "pooled", "placed edges oriented right (no flags)"],
    rows: results.rows.map((row) => {
      const mine = names.map((b) => cellOf(results, row.name, b));
      const sum = (pick: (c: BoardCell) => number) => mine.reduce((a, c) => a + (c ? pick(c) : 0), 0);
      const signalled = sum((c) => c.labels.signalled);
      const placed = sum((c) => c.auto.placed);
      return [
        row.name,
        ...mine.map((c) => (c ? agreement(c.labels) : null)),
        signalled === 0 ? null : sum((c) => c.labels.agreeing) / signalled,
        placed === 0 ? null : `${sum((c) => c.auto.oriented)}/${placed}`,
      ];
    }),
    note:
      "Agreement reads the rule's statistic on the true edges alone (no tree built): its trend, reversed for generalization-labelled " +
      "children unless the rule holds at any stage; a vote rule counts its layers. For the default it is the rule the policy chose per tree. " +
      "The last column: of the true edges recovered in either direction, those the right way round — orientation errors apart from placement.",
  };
}

/** The page. */
export function leaderboardPage(results: LeaderboardResults): ReportPage {
  const entries = results.rows.map((r) => r.name);
  const names = results.benchmarks.map((b) => b.name);
  const directed = results.cells.flatMap((c) => [
    { entry: c.entry, benchmark: c.benchmark, mode: "stage labels given", value: rate(c.labels) },
    { entry: c.entry, benchmark: c.benchmark, mode: "no flags (--stage auto)", value: rate(c.auto) },
  ]);
  const agreeing = results.cells.map((c) => ({ entry: c.entry, benchmark: c.benchmark, mode: "orientation agreement", value: agreement(c.labels) }));
  const missing = results.missing.map((m) => `${m.name} (${m.why}; \`${m.produce}\`)`).join(", ");
  return {
    slug: "direction-leaderboard",
    title: "Direction leaderboard: every rule on every benchmark",
    description:
      `Each direction rule of src/direction/ (and recovery's default policy) orients every true tree of every benchmark in the cache ` +
      `(${names.length} benchmarks, ${results.benchmarks.reduce((a, b) => a + b.trees.length, 0)} trees), through recovery's own ` +
      "orientation step over the tree's D, with the stage labels given and with no flags. The learned rule is fitted leave-one-family-out: " +
      "every number in its row comes from a model that never saw that family. " +
      (missing ? `Not in the cache, so not on the board: ${missing}.` : "Every registered benchmark is on the board."),
    summary: "Direction leaderboard: every rule × every benchmark, directed accuracy and orientation agreement, pooled, the default marked",
    figures: [
      {
        title: "Directed accuracy",
        spec: leaderboardHeatmap("Directed accuracy per rule and benchmark", directed, entries, names),
        caption: "Fraction of true edges recovered with the right parent; left: stage labels given, right: no flags. Rows in board order, default first.",
      },
      {
        title: "Orientation agreement",
        spec: leaderboardHeatmap("Orientation agreement on the true edges", agreeing, entries, names),
        caption: "Fraction of true edges whose rule signal moves the way the rule expects (no tree built).",
      },
    ],
    tables: [
      { title: "Why the default is the default", columns: ["note"], rows: [[results.defaultNote]] },
      accuracyTable(results, false),
      accuracyTable(results, true),
      agreementTable(results),
      {
        title: "Leave-one-family-out selection: the rule the other families pick, on the held-out family (no flags)",
        columns: ["held-out family", "picked by the others", "its accuracy there", "edges"],
        rows: results.selection.map((s) => [s.heldOut, s.picked, s.accuracy, s.edges]),
        note: "If the pick changes from fold to fold, or does worse on the held-out family than the default, the board's best rule does not hold out of sample.",
      },
      {
        title: "Per tree (no flags): directed edges of each tree, for the families",
        columns: ["rule", ...results.benchmarks.filter((b) => b.domain !== "vit").map((b) => b.name)],
        rows: results.rows.map((row) => [
          row.name,
          ...results.benchmarks.filter((b) => b.domain !== "vit").map((b) => cellOf(results, row.name, b.name)?.autoPerTree.join(" ") ?? null),
        ]),
      },
      learnedWeightsTable(results),
      {
        title: "The rules",
        columns: ["rule", "what it measures", "fitted"],
        rows: results.rows.map((r) => [r.name, r.summary, r.fitted ? "yes (LOFO)" : "no"]),
      },
    ],
  };
}

/** What each fold of the learned rule leans on: its weights on the z-scored features, per held-out family. */
function learnedWeightsTable(results: LeaderboardResults): ReportTable {
  const families = [...new Set(results.benchmarks.map((b) => b.family))];
  const learned = results.rows.filter((r) => r.fitted);
  return {
    title: "The learned rule's weights, per held-out family (z-scored features: a positive weight means the feature rises from parent to child)",
    columns: ["rule", "held-out family", ...LEARNED_FEATURES],
    rows: learned.flatMap((row) =>
      families.map((family) => {
        const rule = row.entryFor(family).rule;
        const combine = rule && !isPairRule(rule) ? rule.combine : undefined;
        const weights = typeof combine === "object" ? combine.weights : [];
        return [row.name, family, ...LEARNED_FEATURES.map((_, f) => weights[f] ?? null)];
      }),
    ),
  };
}
