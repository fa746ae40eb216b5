import type { TopLevelSpec } from "vega-lite";

/** One cell of Table 1: recovery accuracy of one tree root (or "all") on one split. */
export interface AccuracyCell {
  /** e.g. "FT", "LoRA-F", "LoRA-V". */
  readonly split: string;
  /** A root id, or "all" for the whole Model Graph. */
  readonly root: string;
  /** Our measured accuracy in [0, 1]. */
  readonly ours: number;
  /** The paper's number for the same cell, when it reports one. */
  readonly paper?: number;
}

/**
 * Paper Table 1 as a heat table: one row per root, one column per split, cell colour =
 * our accuracy on a fixed 0–1 scale, text = ours with the paper's number underneath.
 * Rows keep the order the cells are given in.
 */
export function accuracyHeatTable(cells: readonly AccuracyCell[], options: { title?: string } = {}): TopLevelSpec {
  const values = cells.map((cell) => ({
    split: cell.split,
    root: cell.root,
    ours: cell.ours,
    oursText: cell.ours.toFixed(2),
    paperText: cell.paper === undefined ? "" : `paper ${cell.paper.toFixed(2)}`,
    paper: cell.paper ?? null,
  }));
  const rowOrder = [...new Set(cells.map((cell) => cell.root))];
  const columnOrder = [...new Set(cells.map((cell) => cell.split))];
  const position = {
    x: { field: "split", type: "nominal", sort: columnOrder, title: null, axis: { orient: "top", labelAngle: 0 } },
    y: { field: "root", type: "nominal", sort: rowOrder, title: "tree root" },
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title ?? "Edge accuracy per tree root and split",
    data: { values },
    width: { step: 110 },
    height: { step: 42 },
    encoding: position,
    layer: [
      {
        mark: { type: "rect", stroke: "white" },
        encoding: {
          color: { field: "ours", type: "quantitative", title: "accuracy", scale: { domain: [0, 1], scheme: "blues" } },
          tooltip: [
            { field: "split" },
            { field: "root" },
            { field: "ours", type: "quantitative", format: ".3f" },
            { field: "paper", type: "quantitative", format: ".3f" },
          ],
        },
      },
      {
        mark: { type: "text", dy: -6, fontSize: 13, fontWeight: "bold" },
        encoding: {
          text: { field: "oursText" },
          color: { condition: { test: "datum.ours > 0.6", value: "white" }, value: "black" },
        },
      },
      {
        mark: { type: "text", dy: 10, fontSize: 10 },
        encoding: {
          text: { field: "paperText" },
          color: { condition: { test: "datum.ours > 0.6", value: "#e8e8e8" }, value: "#555555" },
        },
      },
    ],
  };
}
