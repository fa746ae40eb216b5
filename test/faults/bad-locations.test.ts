/**
 * Fault injection, part 3: the bad-input sweep's cases (docs/robustness.md "The sweep"), given to
 * the CLI as a user would. Each refusal is one line naming the path, exit 1, no output file, and
 * every file of the user's byte-identical: a folder where a weights file is expected (the model was
 * skipped unseen), an --index or --cache that names a file or a place no file can be created in (a
 * stack trace after the work, or a cache silently not kept), an unreachable --redis (a hang).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { hashTree, runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { freePort } from "../fixtures/free-port.ts";

const dir = temporaryFolder("mother-faults-locations-");
const cacheHome = temporaryFolder("mother-faults-locations-xdg-");
/** The set every case copies or points at: four models in one tree. */
const good = join(dir, "good");
beforeAll(() => writeSyntheticTrees(good, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 19 }));

/** Runs `args`; expects one line naming `named` and matching `problem`, exit 1, no `out`, and `dir`'s files as they were. */
async function refused(args: string[], named: string, problem: RegExp, out?: string): Promise<void> {
  const before = await hashTree(dir);
  const run = await runMother(args, { cacheHome });
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).toStartWith(`mother: ${named}: `);
  expect(run.stderr).toMatch(problem);
  if (out !== undefined) expect(existsSync(out)).toBe(false);
  expect(await hashTree(dir)).toEqual(before);
}

describe("a folder where a weights file is expected", () => {
  // Before: the model holding it was left out of the graph without a word (exit 0).
  test.each([
    ["model.safetensors", "r-c0/model.safetensors"],
    ["a GGUF file's name", "r-c0/r-c0.Q8_0.gguf"],
    ["a shard index's name, in a folder of no weights", "r-c0/model.safetensors.index.json"],
    ["a model's own folder, empty", "x.safetensors"],
  ])("named like %s: one line naming it, exit 1, no output", async (_, relative) => {
    const set = join(dir, `folder-${relative.replace(/\W+/g, "-")}`);
    await cp(good, set, { recursive: true });
    if (relative.startsWith("r-c0/")) await rm(join(set, "r-c0", "model.safetensors"));
    await mkdir(join(set, relative), { recursive: true });
    const out = join(dir, "folder-graph.json");
    await refused(["recover", set, "--no-cache", "--out", out], join(set, relative), /is a folder named like a weights file/, out);
  });
});

describe("--index and --cache", () => {
  test("--index naming a file: index and recover --index refuse it in one line, the file unchanged (was: a bug report and a stack trace)", async () => {
    const file = join(dir, "notes.txt");
    await writeFile(file, "my notes\n");
    await refused(["index", good, "--index", file, "-q"], file, /--index names a file, not a folder/);
    await refused(["recover", "--index", file, "-q"], file, /--index names a file, not a folder/);
    await refused(["recover", good, "--index", file, "-q"], file, /--index names a file, not a folder/);
  }, 30_000);

  test("--index where no file can be created: refused before any model is read (was: a stack trace after the reading)", async () => {
    await refused(["index", good, "--index", "/proc/mother-index", "-q"], "/proc/mother-index", /--index: cannot write in \/proc/);
  });

  test("an index whose segments folder is a file: one line naming it", async () => {
    const index = join(dir, "odd-index");
    await mkdir(index, { recursive: true });
    await writeFile(join(index, "segments"), "not a folder\n");
    await refused(["recover", "--index", index, "-q"], join(index, "segments"), /cannot read the index's segments folder \(ENOTDIR\)/);
  });

  test("--cache naming a file, or where no file can be created: refused in one line (was: exit 0, the cache not kept, silently under -q)", async () => {
    const file = join(dir, "cache.txt");
    await writeFile(file, "mine\n");
    const out = join(dir, "cache-graph.json");
    await refused(["recover", good, "--cache", file, "-q", "--out", out], file, /--cache names a file, not a folder/, out);
    await refused(["recover", good, "--cache", "/proc/mother-cache", "-q", "--out", out], "/proc/mother-cache", /--cache: cannot write in \/proc/, out);
  }, 30_000);

  test("--cache naming a folder that is there but cannot be written: used as it is (a shared, filled cache), one line about what it cannot keep", async () => {
    // Before this session's check of --cache, such a folder served its entries; the check first refused it (review15).
    const out = join(dir, "read-only-cache-graph.json");
    const run = await runMother(["recover", good, "--cache", "/proc/self/fdinfo", "--out", out], { cacheHome });
    expect(run.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(run.stderr).toMatch(/cannot write the layer cache in \/proc\/self\/fdinfo .*: continuing without it/);
  }, 30_000);
});

describe("--redis that does not answer", () => {
  // A free port, left closed: nothing listens there.
  test("index --redis and index-worker: one line naming the URL and ECONNREFUSED, exit 1 (was: retrying for ever, printing an error object every ~0.25 s)", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await refused(["index", good, "--index", join(dir, "redis-index"), "--redis", url, "-q"], url, /--redis: cannot reach Redis \(ECONNREFUSED\)/);
    expect(existsSync(join(dir, "redis-index"))).toBe(false);
    await refused(["index-worker", "--redis", url], url, /--redis: cannot reach Redis \(ECONNREFUSED\)/);
  }, 30_000);
});
