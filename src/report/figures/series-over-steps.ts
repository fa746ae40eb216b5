import type { TopLevelSpec } from "vega-lite";

/** One measured value at one training step. */
export interface StepPoint {
  readonly step: number;
  readonly value: number;
  /** One line per series, e.g. a tree root or a model. */
  readonly series: string;
  /** Optional small-multiple panel, e.g. the statistic (Fig. 14) or the layer type (Fig. 19). */
  readonly panel?: string;
}

/**
 * Paper Fig. 3 / 14 / 19: a value (directional score, kurtosis, …) over training steps, one
 * line per series. With `panel` set on the points the chart becomes small multiples, one
 * per panel, each with its own y scale (mean and kurtosis do not share units).
 */
export function seriesOverSteps(
  points: readonly StepPoint[],
  options: { title?: string; xTitle?: string; yTitle?: string; seriesTitle?: string; columns?: number } = {},
): TopLevelSpec {
  const layerSpec: FacetedChartSpec = {
    width: 300,
    height: 180,
    mark: { type: "line", point: { size: 18 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: "step", type: "quantitative", title: options.xTitle ?? "training step" },
      y: { field: "value", type: "quantitative", title: options.yTitle ?? "value", scale: { zero: false } },
      color: { field: "series", type: "nominal", title: options.seriesTitle ?? "series" },
      tooltip: [{ field: "series" }, { field: "step" }, { field: "value", format: ".4g" }],
    },
  };
  const base = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title ?? "Value over training steps",
    data: { values: points.map((point) => ({ ...point })) },
  } as const;
  const hasPanels = points.some((point) => point.panel !== undefined);
  if (!hasPanels) return { ...base, ...layerSpec, width: 460, height: 260 } as TopLevelSpec;
  return {
    ...base,
    facet: { field: "panel", type: "nominal", title: null, sort: [...new Set(points.map((point) => point.panel ?? ""))] },
    columns: options.columns ?? 3,
    spec: layerSpec,
    resolve: { scale: { y: "independent" } },
  };
}

/** The inner chart of a faceted spec (vega-lite does not export the name publicly). */
type FacetedChartSpec = Extract<TopLevelSpec, { facet: unknown }>["spec"];
