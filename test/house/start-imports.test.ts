/**
 * A recovery's threads load only what they use before their first task: a package that takes
 * milliseconds to load and that most runs never touch stays out of their static imports, loaded
 * where it is used. At 1,000 models the tree thread sets the pace from its start, and on a few
 * big models the first layer waits for the main thread's modules (docs/scale.md, docs/gguf.md).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { eagerImports } from "./import-graph.ts";

const ROOT = join(import.meta.dir, "../..");

/** The modules a `mother recover` loads on each thread, and what they must not load with them (and why). */
const ENTRIES = [
  "src/cli/main.ts",
  "src/cli/start.ts",
  "src/cli/program.ts",
  "src/recover/recover.ts",
  "src/recover/pool-worker.ts",
  "src/index/recover-at-scale.ts",
  "src/index/recover-from-index.ts",
  "src/index/speculative-trees.ts",
  "src/index/tree-worker.ts",
  "src/index/fingerprint-worker.ts",
];

/** Packages a recovery's entry modules must not load before their code runs, and where they are used instead. */
const NOT_AT_START: Record<string, string> = {
  "apache-arrow": "only the stats tables and the index folder read or write Arrow (~0.04 s of CPU, 146 files)",
  "ml-matrix": "only an adapter's alignment with candidate bases uses it",
  valibot: "only an adapter's config is checked with it",
};

describe("a recovery's modules", () => {
  for (const entry of ENTRIES) {
    test(`${entry} loads none of ${Object.keys(NOT_AT_START).join(", ")} before it runs`, async () => {
      const { files, packages } = await eagerImports(ROOT, [entry]);
      expect(files.size).toBeGreaterThan(0);
      const loaded = Object.keys(NOT_AT_START).filter((name) => packages.has(name));
      expect(loaded.map((name) => `${name}: ${NOT_AT_START[name]}`)).toEqual([]);
    });
  }

  test("the process that may relaunch itself (main.ts, start.ts, jit-tier.ts) loads no package: it reads the command line with recover-words.ts", async () => {
    const { packages } = await eagerImports(ROOT, ["src/cli/main.ts", "src/cli/start.ts"]);
    expect([...packages].filter((name) => !name.startsWith("node:"))).toEqual([]);
  });
});

describe("the guessed trees' modules", () => {
  test("load no usearch: `mother recover` on a large set guesses its first tree once they are loaded, and usearch's native addon (~0.015 s) is needed only for the components' search", async () => {
    const { files, packages } = await eagerImports(ROOT, [
      "src/index/recover-at-scale.ts",
      "src/index/speculative-trees.ts",
      "src/index/recover-from-index.ts",
    ]);
    expect(files).toContain("src/index/related-components.ts");
    expect([...packages]).not.toContain("usearch");
  });
});

describe("the check itself", () => {
  test("follows static value imports into files and packages, not dynamic, worker or type-only ones", async () => {
    const { files, packages } = await eagerImports(ROOT, ["src/stats/stats-table.ts"]);
    expect(packages).toContain("apache-arrow");
    expect(files).toContain("src/stats/stat-columns.ts");
    const index = await eagerImports(ROOT, ["src/cli/program.ts"]);
    // index-command.ts (usearch, Arrow) is imported dynamically, recover-command.ts statically.
    expect(index.files).toContain("src/cli/recover-command.ts");
    expect(index.files).not.toContain("src/cli/index-command.ts");
  });
});
