/**
 * Fault injection, part 2: processes killed at random points, and concurrent runs on one layer
 * cache. A `mother recover --out` run killed by SIGKILL (no handler runs) must leave no output
 * file, and nothing it left in the cache may change a later result; runs sharing a cache folder
 * must all give the result of a run without one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeUniform } from "../../src/recover/seeded-random.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { hashTree, runMother, spawnMother } from "./run-mother.ts";

/** Kill points tried: one per seed, bounded so the suite stays fast. */
const SEEDS = [1, 2, 3, 4, 5];

let dir: string;
let cacheHome: string;
let models: string;
/** The result of an uncached, uninterrupted run, and how long it took (ms). */
let reference: { stdout: string; ms: number };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-faults-killed-"));
  cacheHome = await mkdtemp(join(tmpdir(), "mother-faults-killed-xdg-"));
  models = join(dir, "models");
  // Layers of 256² f32 in 4 blocks: a pass long enough to be cut in the middle.
  await writeSyntheticTrees(models, [{ root: "k", children: 3, grandchildren: 2 }], { hidden: 256, blocks: 4, seed: 23 });
  const started = performance.now();
  const run = await runMother(["recover", models, "--no-cache", "--quiet"], { cacheHome });
  expect(run.code).toBe(0);
  reference = { stdout: run.stdout, ms: performance.now() - started };
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(cacheHome, { recursive: true, force: true });
});

describe("SIGKILL at a random point", () => {
  test.each(SEEDS)(
    "seed %d: no output file after the kill, and a re-run on the same cache gives the uninterrupted result",
    async (seed) => {
      const before = await hashTree(models);
      const cache = join(dir, `cache-${seed}`);
      const out = join(dir, `graph-${seed}.json`);
      // Anywhere from start-up to just past a clean run's length.
      const delay = Math.floor(makeUniform(1, seed)[0]! * 1.1 * reference.ms);
      const proc = spawnMother(["recover", models, "--out", out, "--cache", cache, "--quiet"], { cacheHome });
      await Bun.sleep(delay);
      proc.kill("SIGKILL");
      const code = await proc.exited;
      if (code === 0) {
        // The run beat the kill: its output must be whole.
        expect(await Bun.file(out).text()).toBe(reference.stdout);
      } else {
        expect(existsSync(out)).toBe(false);
      }
      const again = await runMother(["recover", models, "--out", out, "--cache", cache, "--quiet"], { cacheHome });
      expect(again.code).toBe(0);
      expect(await Bun.file(out).text()).toBe(reference.stdout);
      // Only the finished output is visible beside it (a killed write leaves at most a hidden temp file).
      expect((await readdir(dir)).filter((name) => name.startsWith(`graph-${seed}`))).toEqual([`graph-${seed}.json`]);
      expect(await hashTree(models)).toEqual(before);
    },
    60_000,
  );
});

describe("concurrent runs on one cache folder", () => {
  test("three runs started together on an empty cache all give the uncached result, and a fourth reads it all from the cache", async () => {
    const cache = join(dir, "shared-cache");
    const runs = await Promise.all([1, 2, 3].map(() => runMother(["recover", models, "--cache", cache, "--quiet"], { cacheHome })));
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(reference.stdout);
    }
    const fourth = await runMother(["recover", models, "--cache", cache], { cacheHome });
    expect(fourth.stdout).toBe(reference.stdout);
    expect(fourth.stderr).toMatch(/(\d+) of \1 layers taken from the layer cache/);
  }, 60_000);
});
