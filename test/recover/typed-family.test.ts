import { beforeAll, describe, expect, test } from "bun:test";
import { recover } from "../../src/recover/recover.ts";
import { writeTypedFamily, type TypedTruthEdge } from "../fixtures/typed-family.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

// One base with full fine-tunes, LoRA children, mixed chains, four kinds of merges, a fine-tune
// of a merge and an f16 re-save (test/fixtures/typed-family.ts), recovered with no options.
const dir = temporaryFolder("mother-typed-family-");
let truth: { ids: string[]; edges: TypedTruthEdge[] };
beforeAll(async () => {
  truth = await writeTypedFamily(dir);
});

const key = (e: { parent: string; child: string; type?: string }) => `${e.parent} → ${e.child} (${e.type})`;

describe("typed relations in one family", () => {
  test("every edge is recovered with its type, and no other edge", async () => {
    const { graph, distances } = await recover([dir]);
    expect(graph.edges.map(key).sort()).toEqual(truth.edges.map(key).sort());
    expect(distances).toEqual(["mixed"]);
  });

  test("a merge's edges carry its mixing weights, the same on each of them", async () => {
    const { graph } = await recover([dir]);
    const linear = graph.edges.filter((e) => e.child === "m-linear") as { coefficients?: Record<string, number> }[];
    expect(linear).toHaveLength(2);
    for (const edge of linear) {
      expect(edge.coefficients?.f0).toBeCloseTo(0.5, 4);
      expect(edge.coefficients?.f1).toBeCloseTo(0.5, 4);
    }
  });

  test("with merges off, every model has one parent and the merges are placed in the tree", async () => {
    const { graph } = await recover([dir], { merges: false });
    const children = graph.edges.map((e) => e.child);
    expect(new Set(children).size).toBe(children.length);
    expect(graph.edges.some((e) => (e as { type?: string }).type === "merge")).toBe(false);
  });

  test("--distance ft: one distance for every pair types no edge as an adapter but keeps twins as quantized", async () => {
    const { graph } = await recover([dir], { distance: "ft" });
    const types = new Set(graph.edges.map((e) => (e as { type?: string }).type));
    expect(types.has("adapter")).toBe(false);
    expect(graph.edges.find((e) => e.child === "f2-f16")).toMatchObject({ parent: "f2", type: "quantized" });
  });
});
