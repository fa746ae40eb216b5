import type { TopLevelSpec } from "vega-lite";
import { layeredTreeLayout, type TreeEdge } from "../tree-layout.ts";

/** Input of {@link treeComparisonFigure}: the recovered forest and the true one over the same models. */
export interface TreeComparisonInput {
  readonly recovered: readonly TreeEdge[];
  readonly truth: readonly TreeEdge[];
  /** Every model id, so isolated roots are drawn too. */
  readonly ids?: readonly string[];
  readonly title?: string;
}

/**
 * Paper Fig. 1 / Fig. 8: the recovered tree drawn beside the true tree. Each panel is laid
 * out by its own edges (layeredTreeLayout); a recovered edge absent from the truth is red
 * and dashed, and so is a true edge that recovery missed.
 */
export function treeComparisonFigure(input: TreeComparisonInput): TopLevelSpec {
  const recoveredNames = new Set(input.recovered.map(edgeName));
  const trueNames = new Set(input.truth.map(edgeName));
  const rows: Record<string, string | number | boolean>[] = [];
  const panels = [
    { panel: "recovered", edges: input.recovered, other: trueNames },
    { panel: "truth", edges: input.truth, other: recoveredNames },
  ];
  for (const { panel, edges, other } of panels) {
    const nodes = new Map(layeredTreeLayout(edges, input.ids ?? []).map((node) => [node.id, node]));
    for (const node of nodes.values()) rows.push({ panel, kind: "node", id: node.id, x: node.x, y: node.depth });
    for (const edge of edges) {
      const from = nodes.get(edge.parent)!;
      const to = nodes.get(edge.child)!;
      const status = other.has(edgeName(edge)) ? "correct" : panel === "recovered" ? "wrong" : "missed";
      rows.push({ panel, kind: "edge", id: edgeName(edge), x: from.x, y: from.depth, x2: to.x, y2: to.depth, status });
    }
  }
  const axisless = { axis: null } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: input.title ?? "Recovered tree beside the true tree",
    data: { values: rows },
    facet: { column: { field: "panel", type: "nominal", title: null, sort: ["recovered", "truth"] } },
    spec: {
      width: 360,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'edge'" }],
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: {
            x: { field: "x", type: "quantitative", scale: { padding: 24 }, ...axisless },
            y: { field: "y", type: "quantitative", scale: { reverse: true, padding: 24 }, ...axisless },
            x2: { field: "x2" },
            y2: { field: "y2" },
            color: {
              field: "status",
              type: "nominal",
              title: "edge",
              scale: { domain: ["correct", "wrong", "missed"], range: ["#888888", "#d62728", "#ff7f0e"] },
            },
            strokeDash: { condition: { test: "datum.status !== 'correct'", value: [4, 2] }, value: [1, 0] },
            tooltip: [{ field: "id", title: "edge" }, { field: "status" }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'node'" }],
          mark: { type: "point", filled: true, size: 90, color: "#1f77b4" },
          encoding: {
            x: { field: "x", type: "quantitative" },
            y: { field: "y", type: "quantitative" },
            tooltip: [{ field: "id", title: "model" }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'node'" }],
          mark: { type: "text", dy: -10, fontSize: 9 },
          encoding: {
            x: { field: "x", type: "quantitative" },
            y: { field: "y", type: "quantitative" },
            text: { field: "id" },
          },
        },
      ],
    },
    resolve: { scale: { x: "independent" } },
    config: { view: { stroke: null } },
  };
}

function edgeName(edge: TreeEdge): string {
  return `${edge.parent} → ${edge.child}`;
}
