/**
 * A recovery's threads load only what they use before their first task: a package that takes tens
 * of milliseconds to load (Apache Arrow ~0.04 s of CPU, 146 files) and that their tasks never touch
 * stays out of their static imports. At 1,000 models the tree thread sets the pace from its start,
 * so every module it loads first delays every tree (docs/scale.md "What is left").
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { eagerImports } from "./import-graph.ts";

const ROOT = join(import.meta.dir, "../..");

/** The modules a `mother recover` loads on each thread, and what they must not load with them (and why). */
const ENTRIES = [
  "src/cli/main.ts",
  "src/cli/program.ts",
  "src/recover/recover.ts",
  "src/recover/pool-worker.ts",
  "src/index/recover-at-scale.ts",
  "src/index/recover-from-index.ts",
  "src/index/speculative-trees.ts",
  "src/index/tree-worker.ts",
  "src/index/fingerprint-worker.ts",
];

describe("a recovery's modules", () => {
  for (const entry of ENTRIES) {
    test(`${entry} loads no Apache Arrow (only the stats tables and the index folder read or write Arrow)`, async () => {
      const { files, packages } = await eagerImports(ROOT, [entry]);
      expect(files.size).toBeGreaterThan(0);
      expect([...packages]).not.toContain("apache-arrow");
    });
  }
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
