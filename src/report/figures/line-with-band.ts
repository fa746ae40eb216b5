import type { TopLevelSpec } from "vega-lite";

/** Mean and standard deviation of repeated measurements at one x. */
export interface BandPoint {
  readonly x: number;
  readonly mean: number;
  readonly std: number;
  /** One line per series; omit for a single line. */
  readonly series?: string;
}

/** A number the paper reports at some x, drawn as a black cross for comparison. */
export interface ReferencePoint {
  readonly x: number;
  readonly value: number;
  readonly label?: string;
}

/**
 * Paper Table 4 / Fig. 7: a mean over repeated samples with a ±1 std band (e.g. accuracy vs
 * sub-tree size, clustering accuracy vs number of models), plus the paper's numbers as crosses.
 */
export function lineWithBand(
  points: readonly BandPoint[],
  options: { title?: string; xTitle?: string; yTitle?: string; reference?: readonly ReferencePoint[]; yDomain?: [number, number] } = {},
): TopLevelSpec {
  const values = [
    ...points.map((point) => ({
      kind: "measured",
      x: point.x,
      mean: point.mean,
      std: point.std,
      low: point.mean - point.std,
      high: point.mean + point.std,
      series: point.series ?? "ours",
    })),
    ...(options.reference ?? []).map((point) => ({ kind: "paper", x: point.x, value: point.value, series: point.label ?? "paper" })),
  ];
  const x = { field: "x", type: "quantitative", title: options.xTitle ?? "x" } as const;
  const yScale = options.yDomain ? { domain: options.yDomain } : { zero: false };
  const color = { field: "series", type: "nominal", title: null } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: options.title ?? "Mean ± std over repeated samples",
      subtitle: options.reference?.length ? "band: ±1 std over samples; black crosses: the paper's numbers" : "band: ±1 std over samples",
    },
    data: { values },
    width: 420,
    height: 260,
    layer: [
      {
        transform: [{ filter: "datum.kind === 'measured'" }],
        mark: { type: "area", opacity: 0.25 },
        encoding: { x, y: { field: "low", type: "quantitative", scale: yScale, title: options.yTitle ?? "value" }, y2: { field: "high" }, color },
      },
      {
        transform: [{ filter: "datum.kind === 'measured'" }],
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: { field: "mean", type: "quantitative" },
          color,
          tooltip: [{ field: "series" }, { field: "x" }, { field: "mean", format: ".3f" }, { field: "std", format: ".3f" }],
        },
      },
      {
        transform: [{ filter: "datum.kind === 'paper'" }],
        mark: { type: "point", shape: "cross", filled: true, size: 80, color: "black" },
        encoding: {
          x,
          y: { field: "value", type: "quantitative" },
          tooltip: [{ field: "series", title: "source" }, { field: "x" }, { field: "value", format: ".3f" }],
        },
      },
    ],
  };
}
