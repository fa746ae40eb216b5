/**
 * The Table 4 report page: edge accuracy on random connected sub-trees by size (mean ± std
 * over the samples of every root), per root, and the paper's row, plus a line-with-band
 * figure with the paper's numbers as crosses. Built only from recovered samples.
 */
import type { ReportPage, ReportTable } from "../../report/index.ts";
import { lineWithBand } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import { formatMeanAndStd, meanAndStd, type MeanAndStd } from "./mean-and-std.ts";
import type { SubtreeSample } from "./subtree-sweep.ts";

/** Paper Table 4 (FT split, 5 roots × 10 samples): accuracy by share of a tree's 21 models. */
export const PAPER_TABLE_4: readonly { fraction: number; models: number; mean: number; std?: number }[] = [
  { fraction: 0.2, models: 4, mean: 0.87, std: 0.25 },
  { fraction: 0.4, models: 8, mean: 0.9, std: 0.18 },
  { fraction: 0.6, models: 13, mean: 0.88, std: 0.2 },
  { fraction: 0.8, models: 17, mean: 0.89, std: 0.19 },
  { fraction: 1.0, models: 21, mean: 0.89 },
];

/** Accuracy by fraction over every root's samples (and per root when `root` is given). */
export function accuracyByFraction(samples: readonly SubtreeSample[], root?: string): Map<number, MeanAndStd & { size: number }> {
  const out = new Map<number, MeanAndStd & { size: number }>();
  for (const fraction of [...new Set(samples.map((s) => s.fraction))].sort((a, b) => a - b)) {
    const chosen = samples.filter((s) => s.fraction === fraction && (root === undefined || s.root === root));
    out.set(fraction, { ...meanAndStd(chosen.map((s) => s.accuracy)), size: Math.round(meanAndStd(chosen.map((s) => s.size)).mean) });
  }
  return out;
}

const percent = (f: number) => `${Math.round(f * 100)}%`;
const paperCell = (p: (typeof PAPER_TABLE_4)[number]) => (p.std !== undefined ? `${p.mean.toFixed(2)} ± ${p.std.toFixed(2)}` : p.mean.toFixed(2));

/** Table 4: one row for all roots, one per root, the paper's row. */
export function table4(samples: readonly SubtreeSample[]): ReportTable {
  const overall = accuracyByFraction(samples);
  const fractions = [...overall.keys()];
  const roots = [...new Set(samples.map((s) => s.root))];
  const row = (label: string, byFraction: Map<number, MeanAndStd>): Cell[] => [label, ...fractions.map((f) => formatMeanAndStd(byFraction.get(f)!))];
  const paper: Cell[] = [
    "paper (FT, 5 ViT roots)",
    ...fractions.map((f) => {
      const p = PAPER_TABLE_4.find((q) => Math.abs(q.fraction - f) < 1e-9);
      return p ? paperCell(p) : null;
    }),
  ];
  return {
    title: "Table 4 — edge accuracy on random connected sub-trees (mean ± std over samples)",
    columns: ["", ...fractions.map((f) => `${percent(f)} (${overall.get(f)!.size})`)],
    rows: [row("ours (all roots)", overall), ...roots.map((r) => row(r, accuracyByFraction(samples, r))), paper],
    note:
      `Samples per cell (all roots): ${fractions.map((f) => overall.get(f)!.count).join(", ")}. The 100 % column is each whole tree ` +
      `once (recovery is deterministic). Std is the population std.`,
  };
}

/** The report page; `rootClosed` says how sub-trees were drawn. */
export function subtreeSizePage(samples: readonly SubtreeSample[], split: string, rootClosed: boolean): ReportPage {
  const overall = accuracyByFraction(samples);
  const roots = [...new Set(samples.map((s) => s.root))];
  const reference = PAPER_TABLE_4.map((p) => ({ x: p.fraction, value: p.mean, label: "paper Table 4" }));
  const perRoot = roots.flatMap((root) => [...accuracyByFraction(samples, root)].map(([x, m]) => ({ x, mean: m.mean, std: m.std, series: root })));
  return {
    slug: "subtree-size",
    title: "Table 4: accuracy vs sub-tree size",
    summary: `Table 4 (${split}): sub-tree accuracy ${[...overall]
      .map(([f, m]) => `${percent(f)} ${m.mean.toFixed(2)}`)
      .join(", ")} (paper ${PAPER_TABLE_4.map((p) => p.mean).join(", ")}).`,
    description:
      `Each true tree of the ${split} split is cut down to random connected sub-trees of 20–100 % of its models ` +
      `(${rootClosed ? "always keeping the original root" : "any connected part, so the sub-tree's top may be a fine-tune"}); ` +
      "each sub-tree is recovered on its own (cluster known) with the tool's defaults and scored against the true edges among its " +
      "members. The paper repeats 10 samples per size and root (Table 4).",
    figures: [
      {
        title: "Accuracy vs share of the tree's models (all roots)",
        spec: lineWithBand(
          [...overall].map(([x, m]) => ({ x, mean: m.mean, std: m.std })),
          { title: "Sub-tree accuracy vs size", xTitle: "share of the tree's models", yTitle: "edge accuracy", reference, yDomain: [0, 1] },
        ),
        caption: "Mean over every root's samples with a ±1 std band; black crosses: paper Table 4.",
      },
      {
        title: "Per root",
        spec: lineWithBand(perRoot, {
          title: "Sub-tree accuracy vs size, per root",
          xTitle: "share of the tree's models",
          yTitle: "edge accuracy",
          yDomain: [0, 1],
        }),
        caption: "Which trees are fragile at small sizes: one line per root, ±1 std over its samples.",
      },
    ],
    tables: [table4(samples)],
    paperComparison: {
      source: "Table 4",
      // only the sizes this run measured
      rows: PAPER_TABLE_4.filter((p) => overall.has(p.fraction)).map((p) => {
        const ours = overall.get(p.fraction)!;
        return {
          quantity: `${percent(p.fraction)} of each tree (ours ${ours.size} models, paper ${p.models})`,
          ours: formatMeanAndStd(ours),
          paper: paperCell(p),
        };
      }),
    },
  };
}
