import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { graphProblems, type CheckedEdge } from "../../src/recover/check-graph.ts";

const ids = ["a", "b", "c", "d"];
const problemsOf = (edges: CheckedEdge[], models = ids) => graphProblems(models, edges).map((p) => `${p.problem}: ${p.value}`);

describe("graphProblems", () => {
  test("a forest with a two-parent merge is well formed", () => {
    const edges: CheckedEdge[] = [
      { parent: "a", child: "b", type: "finetune" },
      { parent: "a", child: "c" },
      { parent: "b", child: "d", type: "merge", coefficients: { b: 0.5, c: 0.5 } },
      { parent: "c", child: "d", type: "merge", coefficients: { b: 0.5, c: 0.5 } },
    ];
    expect(problemsOf(edges)).toEqual([]);
  });

  test("directions name listed roots, once each, with finite margins", () => {
    const ok = { root: "a", margin: 0 };
    expect(graphProblems(ids, [], [ok])).toEqual([]);
    expect(graphProblems(ids, [], [ok, ok, { root: "zz", margin: Number.POSITIVE_INFINITY }]).map((p) => p.problem)).toEqual([
      "direction listed twice for one tree",
      "direction names a root that is not listed",
      "direction margin is not a finite number",
    ]);
  });

  test("names duplicates, unknown ids, self edges and repeated pairs", () => {
    expect(problemsOf([], ["a", "a"])).toEqual(["model listed twice: a"]);
    expect(problemsOf([{ parent: "x", child: "a" }])).toEqual(["edge names a model that is not listed: x"]);
    expect(problemsOf([{ parent: "a", child: "a" }])).toEqual(["edge from a model to itself: a", "edges form a cycle: a → a"]);
    expect(
      problemsOf([
        { parent: "a", child: "b" },
        { parent: "a", child: "b" },
      ]),
    ).toContain("edge listed twice: a → b");
  });

  test("two parents need every edge typed merge; coefficients only on merges and naming exactly the parents", () => {
    expect(
      problemsOf([
        { parent: "a", child: "c" },
        { parent: "b", child: "c", type: "merge" },
      ]),
    ).toEqual(['child has several parents but not all its edges are typed "merge": c ← a, b']);
    expect(problemsOf([{ parent: "a", child: "b", type: "finetune", coefficients: { a: 1 } }])).toEqual(["coefficients on an edge that is not a merge: a → b"]);
    expect(
      problemsOf([
        { parent: "a", child: "c", type: "merge", coefficients: { a: 0.5, d: 0.5 } },
        { parent: "b", child: "c", type: "merge" },
      ]),
    ).toEqual(["merge coefficients must name exactly the child's parents: c: a, d"]);
  });

  test("finds a cycle through merges and names it from an ancestor down", () => {
    const edges: CheckedEdge[] = [
      { parent: "a", child: "b", type: "merge" },
      { parent: "d", child: "b", type: "merge" },
      { parent: "b", child: "c" },
      { parent: "c", child: "d" },
    ];
    expect(problemsOf(edges)).toEqual(["edges form a cycle: b → c → d → b"]);
  });

  test("a 100 000-model chain is checked without deep recursion", () => {
    const n = 100_000;
    const chain = Array.from({ length: n }, (_, i) => `m${i}`);
    const edges = chain.slice(1).map((child, i) => ({ parent: chain[i]!, child }));
    expect(graphProblems(chain, edges)).toEqual([]);
    expect(graphProblems(chain, [...edges, { parent: chain[n - 1]!, child: chain[0]! }]).map((p) => p.problem)).toEqual(["edges form a cycle"]);
  });

  test("a random parent array has a cycle exactly when following parents from some node never reaches a root (brute force)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 7 }), { minLength: 1, maxLength: 8 }), (parents) => {
        const names = parents.map((_, i) => `n${i}`);
        const edges = parents.flatMap((p, i) => (p >= 0 && p < parents.length && p !== i ? [{ parent: names[p]!, child: names[i]! }] : []));
        const parentOf = new Map(edges.map((e) => [e.child, e.parent]));
        const looping = names.some((start) => {
          let at: string | undefined = start;
          for (let step = 0; step <= names.length && at !== undefined; step++) at = parentOf.get(at);
          return at !== undefined;
        });
        expect(graphProblems(names, edges).some((p) => p.problem === "edges form a cycle")).toBe(looping);
      }),
      { numRuns: 300 },
    );
  });
});
