import { describe, expect, test } from "bun:test";
import { formatGraph } from "../../src/recover/format.ts";
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
    { parent: "base", child: "chat", distance: 0.25 },
    { parent: "base", child: "code", distance: 0.125 },
    { parent: "code", child: "code (v2)", distance: 1 / 3 },
  ],
  trees: [["base", "chat", "code", "code (v2)"], ['odd"one']],
};

describe("formatGraph", () => {
  test("json parses back to the SPEC §5 schema with keys in schema order", () => {
    const text = formatGraph(graph, "json");
    const parsed = JSON.parse(text);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(graph)));
    expect(Object.keys(parsed)).toEqual(["models", "edges", "trees"]);
    expect(Object.keys(parsed.models[0])).toEqual(["id", "path", "stage", "score"]);
    expect(Object.keys(parsed.edges[0])).toEqual(["parent", "child", "distance"]);
    expect(text.endsWith("}\n")).toBe(true);
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
    expect(text).toContain('"base" -> "code" [label="0.125"];');
    expect(text).toContain('"code" -> "code (v2)"');
    expect(text).toContain('"odd\\"one";');
    expect(text.trimEnd().endsWith("}")).toBe(true);
  });

  test("newick gives one ;-terminated tree per line, quoting ids with special characters", () => {
    expect(formatGraph(graph, "newick")).toBe("(chat:0.25,('code (v2)':0.333333)code:0.125)base;\nodd\"one;\n");
    const quote: ModelGraph = { models: [{ id: "it's", path: "", stage: "specialization", score: 0 }], edges: [], trees: [["it's"]] };
    expect(formatGraph(quote, "newick")).toBe("'it''s';\n");
  });

  test("edges naming unknown models and cycles are errors", () => {
    expect(() => formatGraph({ ...graph, edges: [{ parent: "ghost", child: "base", distance: 1 }] }, "json")).toThrow(/not listed/);
    const cycle: ModelGraph = {
      models: graph.models.slice(0, 2),
      edges: [
        { parent: "base", child: "chat", distance: 1 },
        { parent: "chat", child: "base", distance: 1 },
      ],
      trees: [["base", "chat"]],
    };
    expect(() => formatGraph(cycle, "newick")).toThrow(/not reachable|cycle/);
  });
});
