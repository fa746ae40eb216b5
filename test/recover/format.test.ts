import { describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { formatGraph } from "../../src/recover/format.ts";
import type { GraphFormat } from "../../src/recover/graph-formats.ts";
import type { ModelGraph } from "../../src/types.ts";

// Two trees: base → {chat, code}, code → "code (v2)"; and a lone model.
const graph: ModelGraph = {
  models: [
    { id: "base", path: "/m/base", stage: "specialization", score: 30.5 },
    { id: "chat", path: "/m/chat", stage: "specialization", score: 12 },
    { id: "code", path: "/m/code", stage: "specialization", score: 20 },
    { id: "code (v2)", path: "/m/code (v2)", stage: "specialization", score: 10 },
    { id: 'odd"one', path: "/m/odd", stage: "generalization", score: 3 },
  ],
  edges: [
    { parent: "base", child: "chat", type: "finetune", distance: 0.25 },
    { parent: "base", child: "code", type: "finetune", distance: 0.125 },
    { parent: "code", child: "code (v2)", type: "finetune", distance: 1 / 3 },
  ],
  trees: [["base", "chat", "code", "code (v2)"], ['odd"one']],
  notes: [],
};

// One of each type: base → ft (finetune), base → lora (adapter), ft → ft-q4 (quantized), {ft, lora} → soup (merge 0.7/0.3).
const typed: ModelGraph = {
  models: ["base", "ft", "lora", "ft-q4", "soup"].map((id) => ({
    id,
    path: `/m/${id}`,
    format: "safetensors" as const,
    stage: "specialization" as const,
    score: 1,
  })),
  edges: [
    { parent: "base", child: "ft", type: "finetune", distance: 0.5, confidence: 0.9 },
    { parent: "base", child: "lora", type: "adapter", distance: 0.25 },
    { parent: "ft", child: "ft-q4", type: "quantized", distance: 0.01 },
    { parent: "lora", child: "soup", type: "merge", distance: 0.2, coefficients: { ft: 0.7, lora: 0.3 } },
    { parent: "ft", child: "soup", type: "merge", distance: 0.3, coefficients: { ft: 0.7, lora: 0.3 } },
  ],
  trees: [["base", "ft", "lora", "ft-q4", "soup"]],
  notes: ["adapter x: its base is not in the set"],
};

/** Lines the diagram formats draw for `typed`: a style per type, a merge edge from every parent (with its weight), notes as comments. */
const TYPED_LINES: Partial<Record<GraphFormat, string[]>> = {
  mermaid: [
    "m0 -->|0.5| m1",
    "m0 -.->|adapter 0.25| m2",
    "m1 ==>|quantized 0.01| m3",
    "m2 --o|merge 0.2 w=0.3| m4",
    "m1 --o|merge 0.3 w=0.7| m4",
    "%% note: adapter x: its base is not in the set",
  ],
  dot: [
    '"base" -> "lora" [label="adapter 0.25", style=dashed];',
    '"ft" -> "ft-q4" [label="quantized 0.01", style=bold];',
    '"lora" -> "soup" [label="merge 0.2 w=0.3", style=solid, arrowhead=odot];',
    '"ft" -> "soup" [label="merge 0.3 w=0.7", style=solid, arrowhead=odot];',
    "// note: adapter x",
  ],
};

describe("formatGraph", () => {
  test("json parses back to the SPEC §5/§8 schema with keys in schema order", () => {
    const text = formatGraph(graph, "json");
    const parsed = JSON.parse(text);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(graph)));
    expect(Object.keys(parsed)).toEqual(["models", "edges", "trees", "notes"]);
    expect(Object.keys(parsed.models[0])).toEqual(["id", "path", "stage", "score"]);
    expect(Object.keys(parsed.edges[0])).toEqual(["parent", "child", "type", "distance"]);
    expect(text.endsWith("}\n")).toBe(true);
  });

  test("json carries each tree's direction decision after the notes, in schema key order; a bad one is a bug", () => {
    const root = graph.trees[0]![0]!;
    const direction = { margin: 1.5, root, trend: "falls" as const, decidedBy: "branches" as const, rule: "kurtosis" };
    const parsed = JSON.parse(formatGraph({ ...graph, directions: [direction] }, "json"));
    expect(Object.keys(parsed)).toEqual(["models", "edges", "trees", "notes", "directions"]);
    expect(parsed.directions).toEqual([{ root, rule: "kurtosis", trend: "falls", margin: 1.5, decidedBy: "branches" }]);
    expect(Object.keys(parsed.directions[0])).toEqual(["root", "rule", "trend", "margin", "decidedBy"]);
    expect(() => formatGraph({ ...graph, directions: [{ ...direction, root: "ghost" }] }, "json")).toThrow(/direction names a root that is not listed/);
    expect(() => formatGraph({ ...graph, directions: [{ ...direction, margin: Number.NaN }] }, "json")).toThrow(/margin is not a finite number/);
  });

  test("json keeps format, confidence, merge coefficients and notes", () => {
    const parsed = JSON.parse(formatGraph(typed, "json"));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(typed)));
    expect(Object.keys(parsed.models[0])).toEqual(["id", "path", "format", "stage", "score"]);
    expect(Object.keys(parsed.edges[0])).toEqual(["parent", "child", "type", "distance", "confidence"]);
    expect(Object.keys(parsed.edges[3])).toEqual(["parent", "child", "type", "distance", "coefficients"]);
    expect(parsed.notes).toEqual(["adapter x: its base is not in the set"]);
  });

  test("mermaid declares every model and draws each edge parent --> child", () => {
    const text = formatGraph(graph, "mermaid");
    expect(text.startsWith("graph TD\n")).toBe(true);
    expect(text).toContain('m0["base"]');
    expect(text).toContain('m4["odd#quot;one"]');
    expect(text).toContain("m0 -->|0.25| m1");
    expect(text).toContain("m2 -->|0.333333| m3");
  });

  test("dot is a digraph with quoted, escaped ids", () => {
    const text = formatGraph(graph, "dot");
    expect(text.startsWith("digraph mother {\n")).toBe(true);
    expect(text).toContain('"base" -> "code" [label="0.125", style=solid];');
    expect(text).toContain('"code" -> "code (v2)"');
    expect(text).toContain('"odd\\"one";');
    expect(text.trimEnd().endsWith("}")).toBe(true);
  });

  test.each(Object.entries(TYPED_LINES))("%s draws each type in its own style, a merge from every parent, notes as comments", (format, lines) => {
    const text = formatGraph(typed, format as GraphFormat);
    for (const line of lines) expect(text).toContain(line);
  });

  test("newick gives one ;-terminated tree per line, quoting ids with special characters", () => {
    expect(formatGraph(graph, "newick")).toBe("(chat:0.25,('code (v2)':0.333333)code:0.125)base;\nodd\"one;\n");
    const quote: ModelGraph = { models: [{ id: "it's", path: "", stage: "specialization", score: 0 }], edges: [], trees: [["it's"]], notes: [] };
    expect(formatGraph(quote, "newick")).toBe("'it''s';\n");
  });

  test("newick hangs a merge under its heaviest parent, names the others in a comment, and says so", () => {
    const notes: string[] = [];
    const text = formatGraph(typed, "newick", (n) => notes.push(n));
    expect(text).toBe("((ft-q4:0.01,soup[&merge=lora]:0.3)ft:0.5,lora:0.25)base;\n");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toBe(
      "newick holds trees only: 1 merge(s) drawn under their main parent, the other parents in [&merge=…] comments (soup under ft, also from lora)",
    );
    // without coefficients the nearest parent is kept
    const nearest = { ...typed, edges: typed.edges.map(({ coefficients, ...edge }) => edge) };
    expect(formatGraph(nearest, "newick")).toBe("((ft-q4:0.01)ft:0.5,(soup[&merge=ft]:0.2)lora:0.25)base;\n");
  });

  test("hf writes one YAML document per model with base_model and base_model_relation", () => {
    const text = formatGraph(typed, "hf");
    expect(text.startsWith("# mother --format hf")).toBe(true);
    expect(text).toContain("# note: adapter x");
    const documents = parseAllDocuments(text, { version: "1.1" });
    if (!Array.isArray(documents)) throw new Error("not a stream");
    expect(documents.map((d) => d.toJS())).toEqual([
      { base: {} },
      { ft: { base_model: "base", base_model_relation: "finetune" } },
      { lora: { base_model: "base", base_model_relation: "adapter" } },
      { "ft-q4": { base_model: "ft", base_model_relation: "quantized" } },
      { soup: { base_model: ["lora", "ft"], base_model_relation: "merge" } },
    ]);
  });

  test("hf quotes ids a YAML 1.1 reader would take for booleans or numbers", () => {
    const tricky: ModelGraph = {
      models: ["yes", "007", "a: b"].map((id) => ({ id, path: id, stage: "specialization" as const, score: 0 })),
      edges: [
        { parent: "yes", child: "007", type: "finetune", distance: 1 },
        { parent: "007", child: "a: b", type: "quantized", distance: 0 },
      ],
      trees: [["yes", "007", "a: b"]],
      notes: [],
    };
    const documents = parseAllDocuments(formatGraph(tricky, "hf"), { version: "1.1" });
    if (!Array.isArray(documents)) throw new Error("not a stream");
    expect(documents.map((d) => d.toJS())).toEqual([
      { yes: {} },
      { "007": { base_model: "yes", base_model_relation: "finetune" } },
      { "a: b": { base_model: "007", base_model_relation: "quantized" } },
    ]);
  });

  test("a graph that breaks the Model Graph rules is a bug, whatever the format", () => {
    expect(() => formatGraph({ ...graph, edges: [{ parent: "ghost", child: "base", type: "finetune", distance: 1 }] }, "json")).toThrow(/not listed/);
    const cycle: ModelGraph = {
      models: graph.models.slice(0, 2),
      edges: [
        { parent: "base", child: "chat", type: "finetune", distance: 1 },
        { parent: "chat", child: "base", type: "finetune", distance: 1 },
      ],
      trees: [["base", "chat"]],
      notes: [],
    };
    expect(() => formatGraph(cycle, "newick")).toThrow(/bug: .*cycle/);
    const twoParents = { ...typed, edges: typed.edges.map((e) => (e.child === "soup" ? { ...e, type: "finetune" as const, coefficients: undefined } : e)) };
    expect(() => formatGraph(twoParents, "dot")).toThrow(/several parents/);
  });
});
