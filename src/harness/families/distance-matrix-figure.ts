import type { TopLevelSpec } from "vega-lite";
import type { FamilyMatrices } from "./family-matrices.ts";

/**
 * The family's ℓ_FT matrix as a heat map with each cell's value printed, true edges
 * outlined — where the paper's Fig. 8 mistake would show: a wrong parent is a closer cell
 * than the true one in the child's column.
 */
export function distanceMatrixFigure(
  matrices: FamilyMatrices,
  trueEdges: readonly { parent: string; child: string }[],
  title = "ℓ_FT between every pair of models",
): TopLevelSpec {
  const n = matrices.ids.length;
  let largest = 0;
  for (let i = 0; i < n * n; i++) largest = Math.max(largest, matrices.distance[i]!);
  const isEdge = new Set(trueEdges.flatMap((e) => [`${e.parent}|${e.child}`, `${e.child}|${e.parent}`]));
  const values = matrices.ids.flatMap((row, i) =>
    matrices.ids.map((column, j) => ({
      row,
      column,
      distance: i === j ? null : matrices.distance[i * n + j]!,
      text: i === j ? "" : matrices.distance[i * n + j]!.toFixed(3),
      trueEdge: isEdge.has(`${row}|${column}`),
      // Reversed greys: the nearer half of the scale is dark, so its label is white.
      dark: i !== j && matrices.distance[i * n + j]! < largest / 2,
    })),
  );
  const order = [...matrices.ids];
  const position = {
    x: { field: "column", type: "nominal", sort: order, title: null, axis: { orient: "top", labelAngle: -30 } },
    y: { field: "row", type: "nominal", sort: order, title: null },
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    width: { step: 64 },
    height: { step: 32 },
    encoding: position,
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          color: { field: "distance", type: "quantitative", title: "ℓ_FT", scale: { scheme: "greys", reverse: true, domain: [0, largest] } },
          stroke: { condition: { test: "datum.trueEdge", value: "#d62728" }, value: null },
          strokeWidth: { value: 2 },
          tooltip: [
            { field: "row" },
            { field: "column" },
            { field: "distance", type: "quantitative", format: ".4f" },
            { field: "trueEdge", title: "true edge" },
          ],
        },
      },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          text: { field: "text" },
          color: { condition: { test: "datum.dark", value: "white" }, value: "black" },
        },
      },
    ],
    config: { view: { stroke: null } },
  };
}
