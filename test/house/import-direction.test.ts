/**
 * Dependencies point one way (README "Layout"): experiments → harness → library, the CLI → library
 * and src/ui, and nothing in the library reaches back into the harness, the experiments, the data
 * sets or the tests; inside the library, training and recovery never import each other. No file
 * is part of an import cycle. To add a rule, add a line to RULES.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type DirectionRule, directionViolations, type ImportEdge, importCycles, readImportGraph, scanSpecifiers } from "./import-graph.ts";

const ROOT = join(import.meta.dir, "../..");

const under =
  (...folders: string[]) =>
  (file: string) =>
    folders.some((folder) => file.startsWith(`${folder}/`));
const library = (file: string) => under("src")(file) && !under("src/harness")(file);

/** The directions the code base keeps; each says why. */
const RULES: readonly DirectionRule[] = [
  {
    reason: "the library (src/ but src/harness) never imports the harness, experiments, data sets, benchmarks or tests; they import it",
    from: library,
    to: under("src/harness", "experiments", "datasets", "bench", "test"),
  },
  {
    reason: "the harness serves experiments and benchmarks; it never imports them or the tests",
    from: under("src/harness"),
    to: under("experiments", "bench", "test"),
  },
  {
    reason: "an experiment is settings and calls into the harness: what two share lives in src/harness/",
    from: under("experiments"),
    to: under("experiments"),
  },
  { reason: "data sets build on the library only", from: under("datasets"), to: under("src/harness", "experiments", "bench", "test") },
  {
    reason: "src/ui is shared by the CLI and the harness, so it imports nothing of the project outside itself",
    from: under("src/ui"),
    to: (file) => !under("src/ui")(file),
  },
  { reason: "the CLI is an entry point: nothing imports it", from: (file) => !under("src/cli")(file), to: under("src/cli") },
  { reason: "the training engine never imports recovery code (STYLE.md convention 1)", from: under("src/train"), to: under("src/recover") },
  { reason: "recovery never imports training code (STYLE.md convention 1)", from: under("src/recover"), to: under("src/train") },
  {
    reason: "direction is decided once, in the registry (src/direction/, issue #13): everything else asks a rule for its trend",
    from: (file) => !under("src/direction")(file),
    to: (file) => file === "src/recover/score-trend.ts",
  },
];

describe("the repository's imports", async () => {
  const edges = await readImportGraph(ROOT);

  test("are found: the scan sees the library's known imports", () => {
    expect(edges).toContainEqual({ from: "src/cli/recover-command.ts", to: "src/recover/recover.ts", runtime: true });
    expect(edges).toContainEqual({ from: "src/recover/recover.ts", to: "src/types.ts", runtime: false });
    expect(edges.length).toBeGreaterThan(500);
  });

  test("point one way", () => {
    expect(directionViolations(edges, RULES)).toEqual([]);
  });

  test("form no cycle (type-only imports included)", () => {
    expect(importCycles(edges)).toEqual([]);
  });
});

describe("the checks themselves", () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, runtime: true });

  test("an import from the library into the harness, an experiment or a data set is reported with its reason", () => {
    const bad = [
      edge("src/recover/recover.ts", "src/harness/progress.ts"),
      edge("src/train/x.ts", "datasets/index.ts"),
      edge("src/io/a.ts", "experiments/vthr.ts"),
    ];
    const found = directionViolations([...bad, edge("src/harness/x.ts", "src/recover/recover.ts"), edge("experiments/vthr.ts", "src/harness/x.ts")], RULES);
    expect(found).toHaveLength(3);
    expect(found[0]).toStartWith("src/recover/recover.ts → src/harness/progress.ts: the library");
  });

  test("cycles are found whatever their length, and a self-import is one", () => {
    const cycles = importCycles([
      edge("a", "b"),
      edge("b", "c"),
      edge("c", "a"),
      edge("c", "d"),
      edge("d", "e"),
      edge("e", "d"),
      edge("f", "f"),
      edge("g", "a"),
    ]);
    expect(cycles.map((cycle) => cycle.join(" ")).sort()).toEqual(["a b c", "d e", "f"]);
    expect(importCycles([edge("a", "b"), edge("b", "c"), edge("a", "c")])).toEqual([]);
  });

  test("the scanner reads static, type-only, re-exported, dynamic and worker imports, not ones in comments or strings", () => {
    const source = [
      "#!/usr/bin/env bun",
      'import type { A } from "./a.ts";',
      "import {",
      "  b,",
      '} from "./b.ts";',
      'export { c } from "./c.ts";',
      'import "./side-effect.ts";',
      "/**",
      ' * import { z } from "./comment.ts";',
      " */",
      'const d = await import("./d.ts");',
      'const w = new Worker(new URL("./worker.ts", import.meta.url).href);',
      "const s = 'import { q } from \"./string.ts\"';",
      "b(c, d, s);",
    ].join("\n");
    const { all, runtime } = scanSpecifiers(source);
    expect([...all].sort()).toEqual(["./a.ts", "./b.ts", "./c.ts", "./d.ts", "./side-effect.ts", "./worker.ts"]);
    expect([...runtime].sort()).toEqual(["./b.ts", "./c.ts", "./d.ts", "./side-effect.ts", "./worker.ts"]);
  });
});
