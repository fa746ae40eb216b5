/**
 * `experiments/derived-copies.ts` reads cached models only, so the suite checks the command
 * line: help, refused arguments, and a run on an empty cache (nothing to measure: it says
 * what is missing, exits non-zero and trains nothing). The transforms and the argument
 * parsers are tested under test/harness/derived/.
 */
import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment } from "../fixtures/spawn-experiment.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/derived-copies.ts command line", () => {
  test("--help lists the copy kinds and options and exits 0", async () => {
    const run = await spawnExperiment("derived-copies", ["--help"]);
    expect(run.code).toBe(0);
    for (const word of ["--quick", "--kinds", "--sources", "--sets", "--reports", "--cache", "int8", "int4", "fp16", "prune30", "foreign", "vthr"])
      expect(run.stdout).toContain(word);
  });

  test("an unknown copy kind is refused with the choices and a non-zero exit", async () => {
    const run = await spawnExperiment("derived-copies", ["--kinds", "int8,int2"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("unknown copy kind 'int2' (choose from int8, int4, fp16, prune30)");
  });

  test("an unknown --sources or --sets value is refused", async () => {
    const sources = await spawnExperiment("derived-copies", ["--sources", "some"]);
    expect(sources.code).not.toBe(0);
    expect(sources.stderr).toContain("unknown source choice 'some'");
    const sets = await spawnExperiment("derived-copies", ["--sets", "llama"]);
    expect(sets.code).not.toBe(0);
    expect(sets.stderr).toContain("unknown set family 'llama'");
  });

  test("an empty cache: says which caches are missing, exits 1, writes no report and trains nothing", async () => {
    const dir = temporaryFolder("mother-derived-");
    const run = await spawnExperiment("derived-copies", ["--quick", "--cache", join(dir, "cache"), "--reports", join(dir, "reports")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("skipped foreign adamw-cosine: no cached tree");
    expect(run.stderr).toMatch(/skipped VTHR FT: \d+\/\d+ models not cached/);
    expect(run.stderr).toContain("nothing to measure");
    expect(await readdir(dir)).toEqual([]);
  });
});
