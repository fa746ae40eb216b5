/**
 * The §6.3 seed-sibling report page: per sibling, ℓ_FT to the parent and to the nearest
 * sibling; per root, whether recovery gets the family right alone and inside its VTHR tree;
 * the paper's "in all 3 cases" beside our counts. Built only from measured results.
 */
import type { TopLevelSpec } from "vega-lite";
import type { ReportPage, ReportTable } from "../../report/index.ts";
import { treeComparisonFigure } from "../../report/index.ts";
import type { TruthGraph } from "../../types.ts";
import type { SeedSiblingResults } from "./seed-sibling-study.ts";

/** Per sibling, the two distances side by side (dots joined by a rule). */
export function siblingDistanceFigure(results: SeedSiblingResults): TopLevelSpec {
  const values = results.families.flatMap((f) =>
    f.siblings.flatMap((s) => [
      { root: f.root, sibling: s.sibling, to: "parent", distance: s.toParent },
      { root: f.root, sibling: s.sibling, to: "nearest sibling", distance: s.toNearestSibling },
    ]),
  );
  const y = { field: "sibling", type: "nominal", title: null, sort: null } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "ℓ_FT of each seed sibling to its parent and to its nearest sibling",
      subtitle: "the MDST picks the parent when the parent dot is left of the sibling dot",
    },
    data: { values },
    width: 420,
    layer: [
      {
        mark: { type: "rule", color: "#bbb" },
        encoding: { y, x: { aggregate: "min", field: "distance", type: "quantitative" }, x2: { aggregate: "max", field: "distance" } },
      },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          y,
          x: { field: "distance", type: "quantitative", title: "ℓ_FT (min-max normalised over the family)" },
          color: { field: "to", type: "nominal", title: "distance to" },
          tooltip: [{ field: "root" }, { field: "sibling" }, { field: "to" }, { field: "distance", format: ".4f" }],
        },
      },
    ],
  };
}

function siblingTable(results: SeedSiblingResults): ReportTable {
  return {
    title: "§6.3 — each seed sibling's ℓ_FT to its parent and to its nearest sibling",
    columns: ["root", "sibling", "to parent", "to nearest sibling", "farther from siblings"],
    rows: results.families.flatMap((f) => f.siblings.map((s) => [f.root, s.sibling, s.toParent, s.toNearestSibling, s.fartherFromSiblings ? "yes" : "no"])),
  };
}

function familyTable(results: SeedSiblingResults): ReportTable {
  return {
    title: "§6.3 — is the tree recovered? (family alone; siblings added to the root's FT tree)",
    columns: ["root", "siblings farther from siblings than from parent", "family alone: accuracy", "in FT tree: sibling edges right", "in FT tree: accuracy"],
    rows: results.families.map((f) => [
      f.root,
      `${f.siblings.filter((s) => s.fartherFromSiblings).length}/${f.siblings.length}`,
      f.aloneAccuracy,
      `${f.inTreeSiblingEdges}/${f.siblings.length}`,
      f.inTreeAccuracy,
    ]),
    note:
      `All families as one Model Graph (tree count known): edge accuracy ${results.graph.accuracy.toFixed(3)}, clustering ` +
      `${results.graph.clustering.toFixed(3)}.`,
  };
}

/** The report page; `truth` is the families' truth (roots + siblings). */
export function seedSiblingsPage(results: SeedSiblingResults, truth: TruthGraph, recipe: string): ReportPage {
  const siblings = results.families.flatMap((f) => f.siblings);
  const farther = siblings.filter((s) => s.fartherFromSiblings).length;
  const rightAlone = results.families.filter((f) => f.aloneAccuracy === 1).length;
  return {
    slug: "seed-siblings",
    title: "§6.3: same-recipe siblings that differ only in seed",
    summary:
      `§6.3: ${farther}/${siblings.length} seed siblings are farther from their siblings than from their parent; the family tree is ` +
      `recovered exactly for ${rightAlone}/${results.families.length} roots (paper: all 3 cases).`,
    description:
      `For each VTHR root, ${siblings.length / Math.max(1, results.families.length)} fine-tunes with one recipe (${recipe}) that ` +
      `differ only in the training seed (new head initialisation and batch order). ` +
      "The paper fine-tunes 3 ViTs this way and finds in all cases that siblings are farther from each other than from the parent, " +
      "so the tree is recovered. We check the same per root, recover each family alone, and also add the siblings to the root's " +
      "whole FT tree.",
    figures: [
      {
        title: "Distances of each sibling",
        spec: siblingDistanceFigure(results),
        caption: "One row per sibling: ℓ_FT to its parent and to its nearest sibling (colours in the legend).",
      },
      {
        title: "All families as one Model Graph: recovered (left) against the truth (right)",
        spec: treeComparisonFigure({ recovered: results.graph.graph.edges, truth: truth.edges, ids: truth.models.map((m) => m.id) }),
        caption: "Red dashed edges are wrong.",
      },
    ],
    tables: [siblingTable(results), familyTable(results)],
    paperComparison: {
      source: "§6.3",
      rows: [
        { quantity: "siblings farther from each other than from the parent", ours: `${farther}/${siblings.length}`, paper: "3/3" },
        { quantity: "families recovered exactly (alone)", ours: `${rightAlone}/${results.families.length}`, paper: "3/3 (one family of 3)" },
        {
          quantity: "sibling edges recovered inside the full FT trees",
          ours: `${results.families.reduce((s, f) => s + f.inTreeSiblingEdges, 0)}/${siblings.length}`,
          paper: null,
          note: "not in the paper",
        },
      ],
    },
  };
}
