/**
 * One tree of a typed Model Graph drawn beside its truth, readable at any size: depth runs
 * left to right and every model has a row of its own, so a label never shares its line with
 * another (the layered drawing of src/report/figures/tree-comparison.ts puts leaves side by side,
 * which overlaps labels past a few dozen models). Edge colour is the relation type; an edge
 * that is wrong (recovered but not true, or true with another type) or missed (true, not
 * recovered) lies on a wide red band. A merge hangs under its first parent in the layout; its
 * other parents' edges are drawn to it as well (the graph is a DAG only there).
 */
import type { TopLevelSpec } from "vega-lite";
import { layeredTreeLayout } from "../../report/index.ts";
import { RELATION_TYPES, type RelationType } from "../../types.ts";

/** A typed edge as both the truth and a recovered graph have it. */
export interface TypedEdge {
  readonly parent: string;
  readonly child: string;
  readonly type?: RelationType;
}

/** One tree: its models, its true edges and the edges recovery gave among (or to) them. */
export interface TypedTreeInput {
  readonly title: string;
  readonly ids: readonly string[];
  readonly truth: readonly TypedEdge[];
  readonly recovered: readonly TypedEdge[];
  /** The label drawn for a model id (e.g. without the tree's name). */
  readonly label?: (id: string) => string;
}

/** Pixels per model row; per label character (10 px sans-serif, generous); between a label's end and the next column. */
const ROW = 14;
const CHARACTER = 6;
const GAP = 24;
/** The report page's content width (src/report/html.ts: 70rem) and what the legend and spacing take. */
const PAGE_WIDTH = 1120;
const LEGEND = 120;
const TYPE_COLOURS: Readonly<Record<RelationType, string>> = { finetune: "#4c72b0", adapter: "#55a868", quantized: "#8172b2", merge: "#dd8452" };

/** The truth and the recovered tree side by side, or one under the other when they do not fit (vega-lite, two layered views). */
export function typedTreeFigure(input: TypedTreeInput): TopLevelSpec {
  const key = (e: TypedEdge) => `${e.parent} → ${e.child}`;
  const trueTypes = new Map(input.truth.map((e) => [key(e), e.type]));
  const recoveredTypes = new Map(input.recovered.map((e) => [key(e), e.type]));
  const rows: Record<string, string | number>[] = [];
  const label = (id: string) => input.label?.(id) ?? id;
  let rowCount = 1;
  let width = 0;
  for (const [panel, edges, other] of [
    ["truth", input.truth, recoveredTypes],
    ["recovered", input.recovered, trueTypes],
  ] as const) {
    // Layout on each child's first parent; a merge's other parents are extra edges.
    const anchors = new Map<string, TypedEdge>();
    for (const edge of edges) if (!anchors.has(edge.child)) anchors.set(edge.child, edge);
    const placed = new Map(layeredTreeLayout([...anchors.values()], input.ids).map((node) => [node.id, node]));
    // Each depth column is as wide as its longest label, so no label runs into the next column.
    const depths = Math.max(...[...placed.values()].map((n) => n.depth)) + 1;
    const columnLeft = [0];
    for (let d = 0; d < depths; d++) {
      const longest = Math.max(...[...placed.values()].filter((n) => n.depth === d).map((n) => label(n.id).length));
      columnLeft.push(columnLeft[d]! + longest * CHARACTER + GAP);
    }
    width = Math.max(width, columnLeft[depths]!);
    rowCount = Math.max(rowCount, ...[...placed.values()].map((n) => n.x + 1));
    for (const node of placed.values()) rows.push({ panel, kind: "node", id: node.id, label: label(node.id), px: columnLeft[node.depth]!, row: node.x });
    for (const edge of edges) {
      const [from, to] = [placed.get(edge.parent)!, placed.get(edge.child)!];
      const status = !other.has(key(edge)) ? (panel === "truth" ? "missed" : "wrong") : other.get(key(edge)) === edge.type ? "right" : "wrong type";
      rows.push({
        panel,
        kind: "edge",
        id: key(edge),
        type: edge.type ?? "untyped",
        status,
        px: columnLeft[from.depth]!,
        row: from.x,
        px2: columnLeft[to.depth]!,
        row2: to.x,
      });
    }
  }
  const height = rowCount * ROW;
  const axisless = { axis: null } as const;
  const x = { field: "px", type: "quantitative" as const, scale: { domain: [0, width], range: [0, width] }, ...axisless };
  const y = { field: "row", type: "quantitative" as const, scale: { domain: [-0.5, rowCount - 0.5], reverse: true }, ...axisless };
  const view = (panel: string) => ({
    title: panel === "truth" ? "truth" : "recovered, no flags",
    width,
    height,
    transform: [{ filter: `datum.panel === '${panel}'` }],
    layer: [
      {
        transform: [{ filter: "datum.kind === 'edge' && datum.status !== 'right'" }],
        mark: { type: "rule" as const, strokeWidth: 7, color: "#d62728", opacity: 0.35 },
        encoding: { x, y, x2: { field: "px2" }, y2: { field: "row2" } },
      },
      {
        transform: [{ filter: "datum.kind === 'edge'" }],
        mark: { type: "rule" as const, strokeWidth: 1.6 },
        encoding: {
          x,
          y,
          x2: { field: "px2" },
          y2: { field: "row2" },
          color: {
            field: "type",
            type: "nominal" as const,
            title: "relation",
            scale: { domain: [...RELATION_TYPES, "untyped"], range: [...RELATION_TYPES.map((t) => TYPE_COLOURS[t]), "#999999"] },
          },
          strokeDash: { condition: { test: "datum.type === 'merge'", value: [4, 2] }, value: [1, 0] },
          tooltip: [{ field: "id", title: "edge" }, { field: "type" }, { field: "status" }],
        },
      },
      {
        transform: [{ filter: "datum.kind === 'node'" }],
        mark: { type: "point" as const, filled: true, size: 24, color: "#333333" },
        encoding: { x, y, tooltip: [{ field: "id", title: "model" }] },
      },
      {
        transform: [{ filter: "datum.kind === 'node'" }],
        mark: { type: "text" as const, align: "left" as const, dx: 5, fontSize: 10 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: input.title,
    data: { values: rows },
    // Side by side when both fit the page's 70rem (with the legend), else the recovered tree under the truth.
    ...(2 * width + LEGEND <= PAGE_WIDTH ? { hconcat: [view("truth"), view("recovered")] } : { vconcat: [view("truth"), view("recovered")] }),
    config: { view: { stroke: null } },
  };
}
