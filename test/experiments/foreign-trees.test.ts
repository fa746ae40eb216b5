/**
 * `experiments/foreign-trees.ts` needs PyTorch to train, so the suite checks only what runs
 * without it: the command line (help, bad recipes, a Python without torch). Its helpers are
 * tested under test/harness/foreign/.
 */
import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { FOREIGN_RECIPES } from "../../src/harness/foreign/foreign-recipes.ts";
import { spawnExperiment } from "../fixtures/spawn-experiment.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/foreign-trees.ts command line", () => {
  test("--help lists the recipes and options and exits 0", async () => {
    const run = await spawnExperiment("foreign-trees", ["--help"]);
    expect(run.code).toBe(0);
    for (const word of ["--quick", "--recipes", "--python", "--reports", "--cache", ...FOREIGN_RECIPES.map((r) => r.name)]) expect(run.stdout).toContain(word);
  });

  test("an unknown recipe is refused with the choices and a non-zero exit", async () => {
    const run = await spawnExperiment("foreign-trees", ["--recipes", "a,adamw-nope"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("unknown recipe 'adamw-nope'");
    expect(run.stderr).toContain("sgd-momentum");
  });

  test("a Python without torch gives one line naming it, exit 1, and writes nothing", async () => {
    const dir = temporaryFolder("mother-foreign-");
    const missing = join(dir, "no-such-python");
    const run = await spawnExperiment("foreign-trees", ["--quick", "--python", missing, "--cache", join(dir, "cache"), "--reports", join(dir, "reports")]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining(`${missing}: cannot import torch`)]);
    expect(await readdir(dir)).toEqual([]);
  });
});
