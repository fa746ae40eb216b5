/**
 * Renders a recovered Model Graph for `mother recover --format` (SPEC §5, typed as in SPEC §8):
 *
 * - json: the CLI schema — {"models":[{id,path,format?,stage,score}],"edges":[{parent,child,type,distance,confidence?,coefficients?}],
 *   "trees":[[id,…]],"notes":[…],"directions"?:[{root,rule,trend,margin,decidedBy}]}; a merge is one edge per parent, all typed
 *   "merge", same child; directions say per tree which rule of src/direction/registry.ts oriented it
 * - mermaid: `graph TD`, one node per model; the line style says the edge type (see EDGE_STYLES), the label its distance
 * - dot: a Graphviz digraph, same content, types as edge styles
 * - newick: one line per tree, `(children)root;` with distances as branch lengths. Newick holds trees only, so a merged
 *   child hangs under its main parent (largest coefficient, else the nearest) and names its other parents in a
 *   `[&merge=…]` comment; the `note` callback says so
 * - hf: Hugging Face model-card front matter per model (format-hf.ts)
 *
 * Notes of the graph go along as comments where the format has them (mermaid `%%`, dot `//`). All outputs end with a
 * newline. Non-finite numbers become null in JSON (JSON has no Infinity).
 */
import { bug } from "../errors.ts";
import type { GraphEdge, ModelGraph, RelationType } from "../types.ts";
import { graphProblems } from "./check-graph.ts";
import { formatHuggingFace } from "./format-hf.ts";
import type { GraphFormat } from "./graph-formats.ts";

/**
 * How each edge type is drawn, as a Mermaid link and Graphviz attributes: a fine-tune is the plain arrow, an adapter
 * a dashed one, a quantized copy a thick one, and every parent edge of a merge ends in a circle on the merged child.
 */
export const EDGE_STYLES: Readonly<Record<RelationType, { mermaid: string; dot: string }>> = {
  finetune: { mermaid: "-->", dot: "style=solid" },
  adapter: { mermaid: "-.->", dot: "style=dashed" },
  quantized: { mermaid: "==>", dot: "style=bold" },
  merge: { mermaid: "--o", dot: "style=solid, arrowhead=odot" },
};

/**
 * The graph as text in `format`. A graph that breaks a rule of check-graph.ts is a bug of recovery.
 * `note` hears what a format had to leave out (Newick: merge parents beyond the first).
 */
export function formatGraph(graph: ModelGraph, format: GraphFormat, note: (message: string) => void = () => {}): string {
  const problem = graphProblems(
    graph.models.map((m) => m.id),
    graph.edges,
    graph.directions,
  )[0];
  if (problem) bug(`formatGraph: ${problem.problem} (${problem.value})`);
  switch (format) {
    case "json":
      return formatJson(graph);
    case "mermaid":
      return formatMermaid(graph);
    case "dot":
      return formatDot(graph);
    case "newick":
      return formatNewick(graph, note);
    case "hf":
      return formatHuggingFace(graph);
  }
}

function formatJson(graph: ModelGraph): string {
  // Built field by field so the key order is the schema's, whatever objects were passed in.
  const document = {
    models: graph.models.map(({ id, path, format, stage, score }) => ({ id, path, ...(format !== undefined ? { format } : {}), stage, score })),
    edges: graph.edges.map(({ parent, child, type, distance, confidence, coefficients }) => ({
      parent,
      child,
      type,
      distance,
      ...(confidence !== undefined ? { confidence } : {}),
      ...(coefficients !== undefined ? { coefficients } : {}),
    })),
    trees: graph.trees.map((tree) => [...tree]),
    notes: [...graph.notes],
    ...(graph.directions !== undefined
      ? { directions: graph.directions.map(({ root, rule, trend, margin, decidedBy }) => ({ root, rule, trend, margin, decidedBy })) }
      : {}),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function formatMermaid(graph: ModelGraph): string {
  const key = new Map(graph.models.map((m, i) => [m.id, `m${i}`]));
  const legend = Object.entries(EDGE_STYLES).map(([type, style]) => `${style.mermaid} ${type}`);
  const lines = ["graph TD", `  %% edges: ${legend.join(", ")}`, ...graph.notes.map((n) => `  %% note: ${n.replaceAll("\n", " ")}`)];
  for (const model of graph.models) lines.push(`  ${key.get(model.id)}["${model.id.replaceAll('"', "#quot;")}"]`);
  for (const edge of graph.edges) {
    const label = edgeLabel(edge).replaceAll("|", "#124;");
    lines.push(`  ${key.get(edge.parent)} ${EDGE_STYLES[edge.type].mermaid}|${label}| ${key.get(edge.child)}`);
  }
  return `${lines.join("\n")}\n`;
}

function formatDot(graph: ModelGraph): string {
  const quote = (text: string) => `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const lines = ["digraph mother {", ...graph.notes.map((n) => `  // note: ${n.replaceAll("\n", " ")}`)];
  for (const model of graph.models) lines.push(`  ${quote(model.id)};`);
  for (const edge of graph.edges) {
    lines.push(`  ${quote(edge.parent)} -> ${quote(edge.child)} [label=${quote(edgeLabel(edge))}, ${EDGE_STYLES[edge.type].dot}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Distance alone for a fine-tune (the common case); other types lead with their name, merges add their weight. */
function edgeLabel(edge: GraphEdge): string {
  const parts: string[] = edge.type === "finetune" ? [] : [edge.type];
  parts.push(formatNumber(edge.distance));
  const weight = edge.coefficients?.[edge.parent];
  if (weight !== undefined) parts.push(`w=${formatNumber(weight)}`);
  return parts.join(" ");
}

function formatNewick(graph: ModelGraph, note: (message: string) => void): string {
  const { kept, extraParents } = newickParents(graph.edges);
  if (extraParents.size > 0) {
    const merges = [...extraParents].map(([child, others]) => `${child} under ${kept.get(child)!.parent}, also from ${others.join(", ")}`);
    const shown = merges.length > 3 ? `${merges.slice(0, 3).join("; ")}; … ${merges.length - 3} more` : merges.join("; ");
    note(`newick holds trees only: ${merges.length} merge(s) drawn under their main parent, the other parents in [&merge=…] comments (${shown})`);
  }
  const children = new Map<string, { child: string; distance: number }[]>();
  for (const edge of kept.values()) {
    if (!children.has(edge.parent)) children.set(edge.parent, []);
    children.get(edge.parent)!.push({ child: edge.child, distance: edge.distance });
  }
  const render = (id: string, placed: Set<string>): string => {
    placed.add(id);
    const below = children.get(id) ?? [];
    const inner = below.map(({ child, distance }) => `${render(child, placed)}:${formatNumber(distance)}`);
    const others = extraParents.get(id);
    const comment = others ? `[&merge=${others.map(newickName).join("+")}]` : "";
    return `${inner.length > 0 ? `(${inner.join(",")})` : ""}${newickName(id)}${comment}`;
  };
  const lines: string[] = [];
  const placed = new Set<string>();
  // Tree order first, then any model no tree lists; check-graph.ts ruled out cycles, so every model has a root.
  for (const id of [...graph.trees.flat(), ...graph.models.map((m) => m.id)]) {
    if (placed.has(id) || kept.has(id)) continue;
    lines.push(`${render(id, placed)};`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * One parent edge per child for Newick: a merge keeps its largest-coefficient parent (else the nearest, then the first
 * listed); the other parents of each merged child are returned in edge order.
 */
function newickParents(edges: readonly GraphEdge[]): { kept: Map<string, GraphEdge>; extraParents: Map<string, string[]> } {
  const kept = new Map<string, GraphEdge>();
  const better = (a: GraphEdge, b: GraphEdge) => {
    const [wa, wb] = [a.coefficients?.[a.parent] ?? Number.NaN, b.coefficients?.[b.parent] ?? Number.NaN];
    if (wa !== wb && !(Number.isNaN(wa) && Number.isNaN(wb))) return wa > wb || Number.isNaN(wb);
    return a.distance < b.distance;
  };
  for (const edge of edges) {
    const current = kept.get(edge.child);
    if (!current || better(edge, current)) kept.set(edge.child, edge);
  }
  const extraParents = new Map<string, string[]>();
  for (const edge of edges) {
    if (kept.get(edge.child) === edge) continue;
    if (!extraParents.has(edge.child)) extraParents.set(edge.child, []);
    extraParents.get(edge.child)!.push(edge.parent);
  }
  return { kept, extraParents };
}

/** Newick names may not contain whitespace or ( ) [ ] ' : ; , + — such ids are single-quoted, ' doubled. */
function newickName(id: string): string {
  return /[\s()[\]':;,+=&]/.test(id) || id === "" ? `'${id.replaceAll("'", "''")}'` : id;
}

/** Distances with 6 significant digits, enough to tell edges apart without float noise. */
function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}
