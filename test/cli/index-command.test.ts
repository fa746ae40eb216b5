import { beforeAll, describe, expect, test } from "bun:test";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-index-cli-");
let models: string;

beforeAll(async () => {
  models = join(dir, "models");
  await writeSyntheticTrees(models, [
    { root: "a", children: 2, grandchildren: 1 },
    { root: "b", children: 2, grandchildren: 1 },
  ]);
});

const run = (...args: string[]) => runMother(args);

describe("mother index / recover --index", () => {
  test("index, then recover from the index: the same graph as recover --index with the paths", async () => {
    const index = join(dir, "index");
    const indexed = await run("index", models, "--index", index);
    expect(indexed.code).toBe(0);
    expect(indexed.stderr).toContain("10 models indexed (10 added, 0 read again, 0 removed, 0 unchanged)");
    const fromIndex = await run("recover", "--index", index, "-q");
    expect(fromIndex.code).toBe(0);
    const graph = JSON.parse(fromIndex.stdout);
    expect(graph.trees).toHaveLength(2);
    expect(graph.edges).toHaveLength(8);
    const withPaths = await run("recover", models, "--index", index, "-q");
    expect(JSON.parse(withPaths.stdout)).toEqual(graph);
  }, 60_000);

  test("a damaged index gives one line, exit 1 and no output file", async () => {
    const index = join(dir, "damaged");
    await run("index", models, "--index", index, "-q");
    const [segment] = await readdir(join(index, "segments"));
    await writeFile(join(index, "segments", segment!), "garbage");
    const out = join(dir, "graph.json");
    const result = await run("recover", "--index", index, "--out", out);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("unreadable index segment");
    expect(await Bun.file(out).exists()).toBe(false);
  }, 60_000);

  test("recover with neither paths nor --index says what it needs in one line", async () => {
    const result = await run("recover");
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("needs model paths, or --index DIR");
  }, 60_000);

  test("index --verify reads every model again and says so; with --redis it is refused in one line before any connection", async () => {
    const index = join(dir, "verify-index");
    expect((await run("index", models, "--index", index, "-q")).code).toBe(0);
    const verified = await run("index", models, "--index", index, "--verify");
    expect(verified.code).toBe(0);
    expect(verified.stderr).toContain("10 models indexed (0 added, 0 read again, 0 removed, 10 unchanged)");
    const refused = await run("index", models, "--index", index, "--verify", "--redis", "redis://127.0.0.1:1");
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain("--verify");
  }, 60_000);
});
