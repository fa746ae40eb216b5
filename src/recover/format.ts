/**
 * Renders a recovered Model Graph for `mother recover --format` (SPEC §5):
 *
 * - json: the CLI schema exactly — {"models":[{id,path,stage,score}],"edges":[{parent,child,distance}],"trees":[[id,…]]}
 * - mermaid: `graph TD`, one node per model, parent --> child labelled with the distance
 * - dot: a Graphviz digraph, same content
 * - newick: one line per tree, `(children)root;` with distances as branch lengths
 *
 * All outputs end with a newline. Non-finite numbers become null in JSON (JSON has no Infinity).
 */
import { MotherError } from "../errors.ts";
import type { ModelGraph } from "../types.ts";

/** The formats `--format` accepts. */
export type GraphFormat = "json" | "mermaid" | "dot" | "newick";

/** The graph as text in `format`. Throws if an edge names a model the graph does not list. */
export function formatGraph(graph: ModelGraph, format: GraphFormat): string {
  checkGraph(graph);
  switch (format) {
    case "json":
      return formatJson(graph);
    case "mermaid":
      return formatMermaid(graph);
    case "dot":
      return formatDot(graph);
    case "newick":
      return formatNewick(graph);
  }
}

function formatJson(graph: ModelGraph): string {
  // Built field by field so the key order is the schema's, whatever objects were passed in.
  const document = {
    models: graph.models.map(({ id, path, stage, score }) => ({ id, path, stage, score })),
    edges: graph.edges.map(({ parent, child, distance, confidence }) => ({ parent, child, distance, ...(confidence !== undefined ? { confidence } : {}) })),
    trees: graph.trees.map((tree) => [...tree]),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function formatMermaid(graph: ModelGraph): string {
  const key = new Map(graph.models.map((m, i) => [m.id, `m${i}`]));
  const lines = ["graph TD"];
  for (const model of graph.models) lines.push(`  ${key.get(model.id)}["${model.id.replaceAll('"', "#quot;")}"]`);
  for (const edge of graph.edges) lines.push(`  ${key.get(edge.parent)} -->|${formatNumber(edge.distance)}| ${key.get(edge.child)}`);
  return `${lines.join("\n")}\n`;
}

function formatDot(graph: ModelGraph): string {
  const quote = (id: string) => `"${id.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const lines = ["digraph mother {"];
  for (const model of graph.models) lines.push(`  ${quote(model.id)};`);
  for (const edge of graph.edges) lines.push(`  ${quote(edge.parent)} -> ${quote(edge.child)} [label="${formatNumber(edge.distance)}"];`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function formatNewick(graph: ModelGraph): string {
  const children = new Map<string, { child: string; distance: number }[]>();
  const hasParent = new Set<string>();
  for (const edge of graph.edges) {
    if (!children.has(edge.parent)) children.set(edge.parent, []);
    children.get(edge.parent)!.push({ child: edge.child, distance: edge.distance });
    hasParent.add(edge.child);
  }
  const render = (id: string, seen: Set<string>): string => {
    if (seen.has(id)) throw new MotherError("formatGraph", "edges form a cycle", { value: id });
    seen.add(id);
    const below = children.get(id) ?? [];
    const inner = below.map(({ child, distance }) => `${render(child, seen)}:${formatNumber(distance)}`);
    return `${inner.length > 0 ? `(${inner.join(",")})` : ""}${newickName(id)}`;
  };
  const lines: string[] = [];
  const placed = new Set<string>();
  for (const tree of graph.trees) {
    for (const id of tree) {
      if (hasParent.has(id)) continue;
      const seen = new Set<string>();
      lines.push(`${render(id, seen)};`);
      for (const member of seen) placed.add(member);
    }
  }
  // a model in no tree list (or in a cycle) still has to appear somewhere
  for (const model of graph.models) {
    if (placed.has(model.id)) continue;
    if (hasParent.has(model.id)) throw new MotherError("formatGraph", "model is not reachable from any root", { value: model.id });
    const seen = new Set<string>();
    lines.push(`${render(model.id, seen)};`);
    for (const member of seen) placed.add(member);
  }
  return `${lines.join("\n")}\n`;
}

/** Newick names may not contain whitespace or ( ) [ ] ' : ; , — such ids are single-quoted, ' doubled. */
function newickName(id: string): string {
  return /[\s()[\]':;,]/.test(id) || id === "" ? `'${id.replaceAll("'", "''")}'` : id;
}

/** Distances with 6 significant digits, enough to tell edges apart without float noise. */
function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

function checkGraph(graph: ModelGraph): void {
  const ids = new Set<string>();
  for (const model of graph.models) {
    if (ids.has(model.id)) throw new MotherError("formatGraph", "model listed twice", { value: model.id });
    ids.add(model.id);
  }
  for (const edge of graph.edges) {
    for (const id of [edge.parent, edge.child]) if (!ids.has(id)) throw new MotherError("formatGraph", "edge names a model that is not listed", { value: id });
  }
}
