/**
 * experiments/triple-inheritance.ts as its user runs it, on an empty cache: every family is skipped with the command that
 * trains it, the tables print (empty), and the results file is written. The statistics themselves are tested in
 * test/harness/families/triple-inheritance.test.ts.
 */
import { expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnExperiment } from "../fixtures/spawn-experiment.ts";

test("an empty cache: families skipped, empty tables, results.json written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mother-triple-inheritance-"));
  try {
    const run = await spawnExperiment("triple-inheritance", ["--only", "llama:llama-2@2023", "--cache", join(dir, "cache"), "--reports", dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("llama:llama-2@2023: not trained yet, skipped");
    expect(run.stdout).toContain("Inheritance of i's update by c, per pool");
    expect(run.stdout).toContain("chains' 5th percentiles: none: no chain was read");
    expect(run.stdout).not.toContain("undefined");
    const results = JSON.parse(await readFile(join(dir, "data", "triple-inheritance", "results.json"), "utf8")) as { rows: unknown[] };
    expect(results.rows).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
