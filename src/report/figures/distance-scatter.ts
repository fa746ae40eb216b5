import type { TopLevelSpec } from "vega-lite";

/** One pair of models: how far apart they are in the tree and in weight space. */
export interface DistancePoint {
  /** Number of edges between the two models in the true tree (1 = parent/child). */
  readonly edgeDistance: number;
  /** Their weight distance (e.g. mean ℓ2 over layers). */
  readonly weightDistance: number;
  /** Which panel/colour, e.g. "FT" or "LoRA". */
  readonly group: string;
}

/**
 * Paper Fig. 2: weight distance against tree edge distance, one colour per group, with a
 * least-squares line per group. `correlations` (computed by the experiment, e.g. Spearman
 * and Pearson ρ per group) are shown as the subtitle so the figure states the number.
 */
export function distanceScatter(
  points: readonly DistancePoint[],
  options: { title?: string; correlations?: readonly string[]; yTitle?: string } = {},
): TopLevelSpec {
  const x = { field: "edgeDistance", type: "quantitative", title: "edge distance in the tree", axis: { tickMinStep: 1 } } as const;
  const y = { field: "weightDistance", type: "quantitative", title: options.yTitle ?? "weight distance" } as const;
  const color = { field: "group", type: "nominal", title: null } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: options.title ?? "Weight distance vs tree edge distance", subtitle: [...(options.correlations ?? [])] },
    data: { values: points.map((point) => ({ ...point })) },
    width: 420,
    height: 280,
    layer: [
      {
        mark: { type: "point", opacity: 0.45, filled: true },
        encoding: {
          x,
          y,
          color,
          tooltip: [{ field: "group" }, { field: "edgeDistance" }, { field: "weightDistance", format: ".4g" }],
        },
      },
      {
        transform: [{ regression: "weightDistance", on: "edgeDistance", groupby: ["group"] }],
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y, color },
      },
    ],
  };
}
