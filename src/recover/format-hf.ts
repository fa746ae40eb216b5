/**
 * `--format hf`: what each model's Hugging Face model card would say about its origin, as one YAML stream with one
 * document per model (in the graph's model order), keyed by the model's id:
 *
 *   ---
 *   chat:
 *     base_model: base                 # a merge lists every parent: base_model: [a, b]
 *     base_model_relation: finetune    # finetune | adapter | quantized | merge
 *   ---
 *   base: {}                           # a root: nothing to declare
 *
 * The value under the id is the front matter to paste between a model card's `---` lines (with hub ids in place of
 * mother's ids, which are folder names). Graph notes open the stream as `#` comments. Written as YAML 1.1, which the
 * hub's Python reader (PyYAML) speaks, so ids such as `yes`, `on` or `007` come out quoted and read back as strings.
 */
import type { GraphEdge, ModelGraph, RelationType } from "../types.ts";

/** The front matter of one model card: its base model(s) and how it was made from them. */
export interface ModelCardOrigin {
  readonly base_model?: string | string[];
  readonly base_model_relation?: RelationType;
}

/** Each model's card origin, by id in graph order: one parent → its id and edge type; a merge → every parent, "merge". */
export function modelCardOrigins(graph: ModelGraph): Map<string, ModelCardOrigin> {
  const incoming = new Map<string, GraphEdge[]>();
  for (const edge of graph.edges) {
    if (!incoming.has(edge.child)) incoming.set(edge.child, []);
    incoming.get(edge.child)!.push(edge);
  }
  const origins = new Map<string, ModelCardOrigin>();
  for (const { id } of graph.models) {
    const edges = incoming.get(id) ?? [];
    if (edges.length === 0) origins.set(id, {});
    else if (edges.length === 1) origins.set(id, { base_model: edges[0]!.parent, base_model_relation: edges[0]!.type });
    else origins.set(id, { base_model: edges.map((e) => e.parent), base_model_relation: "merge" });
  }
  return origins;
}

/** The YAML stream described above; ends with a newline. */
export function formatHuggingFace(graph: ModelGraph): string {
  const header = [
    " mother --format hf: Hugging Face model-card front matter, one document per model: {<model id>: {base_model, base_model_relation}}",
    ...graph.notes.map((n) => ` note: ${n.replaceAll("\n", " ")}`),
  ].join("\n");
  // Loaded here, not with the module: yaml takes ~0.02 s to import, and only this format needs it.
  const { Document } = require("yaml") as typeof import("yaml");
  const documents = [...modelCardOrigins(graph)].map(([id, origin]) => new Document({ [id]: origin }, { version: "1.1" }));
  if (documents.length === 0) return `#${header.replaceAll("\n", "\n#")}\n`;
  documents[0]!.commentBefore = header;
  return documents.map((document) => document.toString({ directives: true })).join("");
}
