/**
 * Fault injection, part 2: processes killed at random points, and concurrent runs on one layer
 * cache. A `mother recover --out` run killed by SIGKILL (no handler runs) must leave no output
 * file, and nothing it left in the cache may change a later result; runs sharing a cache folder
 * must all give the result of a run without one.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeUniform } from "../../src/recover/seeded-random.ts";
import { loadIndex, SEGMENTS } from "../../src/index/index-store.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { hashTree, MAIN, runMother, spawnMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { FAST_CLOCK, INDEX_SET_MODELS, indexChecksums, writeIndexSet } from "./index-set.ts";

/** Kill points tried: one per seed, bounded so the suite stays fast. */
const SEEDS = [1, 2, 3, 4, 5];

const dir = temporaryFolder("mother-faults-killed-");
const cacheHome = temporaryFolder("mother-faults-killed-xdg-");
let models: string;
/** The result of an uncached, uninterrupted run. */
let reference: { stdout: string };
/** Layers the pass reads (and caches): 4 blocks × query, key, value, output. */
const LAYERS = 16;

beforeAll(async () => {
  models = join(dir, "models");
  // Layers of 256² f32 in 4 blocks: 16 layer-cache entries to be cut between.
  await writeSyntheticTrees(models, [{ root: "k", children: 3, grandchildren: 2 }], { hidden: 256, blocks: 4, seed: 23 });
  const run = await runMother(["recover", models, "--no-cache", "--quiet"], { cacheHome });
  expect(run.code).toBe(0);
  reference = { stdout: run.stdout };
}, 60_000);

/** Layer-cache entries finished so far (temp files are hidden and not counted). */
async function finishedEntries(cache: string): Promise<number> {
  return (await readdir(cache).catch(() => [] as string[])).filter((name) => name.endsWith(".layer")).length;
}

describe("SIGKILL at a random point", () => {
  test.each(SEEDS)(
    "seed %d: killed mid-pass, no output file is left, and a re-run on the same cache gives the uninterrupted result",
    async (seed) => {
      const before = await hashTree(models);
      const cache = join(dir, `cache-${seed}`);
      const out = join(dir, `graph-${seed}.json`);
      // Killed once a seeded number of the 16 layers are in the cache: a point inside the pass,
      // between (or during) cache writes, whatever the machine's speed.
      const target = 1 + Math.floor(makeUniform(1, seed)[0]! * (LAYERS - 1));
      const proc = spawnMother(["recover", models, "--out", out, "--cache", cache, "--quiet"], { cacheHome });
      let exited = false;
      void proc.exited.then(() => (exited = true));
      while (!exited && (await finishedEntries(cache)) < target) await Bun.sleep(2);
      proc.kill("SIGKILL");
      const code = await proc.exited;
      if (code === 0) {
        // The run beat the kill: its output must be whole.
        expect(await Bun.file(out).text()).toBe(reference.stdout);
      } else {
        // Killed in the pass, or just after it (building the trees, writing): never a partial output.
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

describe("SIGINT (Ctrl-C) and SIGTERM at a random point", () => {
  test.each(SEEDS.map((seed) => [seed, seed % 2 === 0 ? "SIGTERM" : "SIGINT"] as const))(
    "seed %d, %s: the run dies of the signal, leaves no output and no temp file anywhere (src/cli/stop-cleanly.ts), and a re-run takes up the cache",
    async (seed, signal) => {
      const cache = join(dir, `stopped-cache-${seed}`);
      // In a folder of its own: the SIGKILL cases above may leave a hidden temp file beside theirs.
      const out = join(dir, "stopped", `graph-${seed}.json`);
      const target = 1 + Math.floor(makeUniform(1, seed + 100)[0]! * (LAYERS - 1));
      const proc = spawnMother(["recover", models, "--out", out, "--cache", cache, "--quiet"], { cacheHome });
      let exited = false;
      void proc.exited.then(() => (exited = true));
      while (!exited && (await finishedEntries(cache)) < target) await Bun.sleep(2);
      proc.kill(signal);
      const code = await proc.exited;
      if (code === 0) expect(await Bun.file(out).text()).toBe(reference.stdout);
      else {
        expect([code, proc.signalCode]).toEqual([signal === "SIGINT" ? 130 : 143, signal]);
        expect(existsSync(out)).toBe(false);
      }
      // Before, a stop during a cache write left its hidden temp file there for good.
      expect((await readdir(cache)).filter((name) => name.includes(".tmp-"))).toEqual([]);
      expect((await readdir(join(dir, "stopped")).catch(() => [] as string[])).filter((name) => name.includes(".tmp-"))).toEqual([]);
      const again = await runMother(["recover", models, "--out", out, "--cache", cache, "--quiet"], { cacheHome });
      expect(again.code).toBe(0);
      expect(await Bun.file(out).text()).toBe(reference.stdout);
    },
    60_000,
  );
});

describe("SIGINT ignored from the start (a script's background job, `mother recover … &`)", () => {
  test("stays ignored: the run goes on to its whole output (was: it died of the SIGINT its shell meant for the script)", async () => {
    const cache = join(dir, "ignored-cache");
    const out = join(dir, "ignored", "graph.json");
    // exec keeps an ignored signal ignored, as a shell starting a background job does.
    const proc = Bun.spawn(["sh", "-c", `trap '' INT; exec bun "$0" "$@"`, MAIN, "recover", models, "--out", out, "--cache", cache, "--quiet"], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, XDG_CACHE_HOME: cacheHome },
    });
    let exited = false;
    void proc.exited.then(() => (exited = true));
    while (!exited && (await finishedEntries(cache)) < 4) await Bun.sleep(2);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(await Bun.file(out).text()).toBe(reference.stdout);
  }, 60_000);
});

describe("mother index stopped at a random point (SIGKILL, SIGINT, SIGTERM), saving a segment after each model", () => {
  /** 30 segments to be stopped between. */
  const MODELS = INDEX_SET_MODELS;
  let set: string;
  let whole: Map<string, string>;
  beforeAll(async () => {
    set = join(dir, "index-set");
    await writeIndexSet(set);
    const index = join(dir, "whole-index");
    expect((await runMother(["index", set, "--index", index, "-q"], { cacheHome })).code).toBe(0);
    whole = checksums(await loadIndex(index));
    expect(whole.size).toBe(MODELS);
  }, 60_000);

  const checksums = indexChecksums;
  const segmentsOf = async (index: string) => (await readdir(join(index, SEGMENTS)).catch(() => [] as string[])).filter((name) => name.endsWith(".arrow"));

  test.each(SEEDS.map((seed) => [seed, (["SIGKILL", "SIGINT", "SIGTERM"] as const)[seed % 3]!] as const))(
    "seed %d, %s: every segment left is whole, and the next run reads only the models not saved, to the index of an uninterrupted run",
    async (seed, signal) => {
      const index = join(dir, `stopped-index-${seed}`);
      const target = 1 + Math.floor(makeUniform(1, seed + 200)[0]! * (MODELS - 2));
      const proc = spawnMother(["index", set, "--index", index, "-q"], { cacheHome, preload: FAST_CLOCK });
      let exited = false;
      void proc.exited.then(() => (exited = true));
      while (!exited && (await segmentsOf(index)).length < target) await Bun.sleep(1);
      proc.kill(signal);
      const code = await proc.exited;
      const stopped = await loadIndex(index);
      expect(stopped.bad).toEqual([]);
      // The run beat the stop: it still saved after each model (one segment a model, nothing left for a last one).
      if (code === 0) expect(await segmentsOf(index)).toHaveLength(MODELS);
      else {
        expect(proc.signalCode).toBe(signal);
        // Saved as it went: what was fingerprinted before the stop is there (a segment is written whole or not at all).
        expect(stopped.entries.size).toBeGreaterThanOrEqual(target);
        expect(stopped.entries.size).toBeLessThanOrEqual(MODELS); // the stop may land after the last save
        // SIGKILL runs no handler: a segment being written may leave its hidden temp file, never read as a segment.
        if (signal !== "SIGKILL") expect((await readdir(join(index, SEGMENTS))).filter((name) => name.includes(".tmp-"))).toEqual([]);
      }
      for (const [path, checksum] of checksums(stopped)) expect(whole.get(path)).toBe(checksum);
      const again = await runMother(["index", set, "--index", index], { cacheHome });
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`(${MODELS - stopped.entries.size} added, 0 read again, 0 removed, ${stopped.entries.size} unchanged)`);
      expect(checksums(await loadIndex(index))).toEqual(whole);
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
    expect(fourth.stderr).toContain(`${LAYERS} of ${LAYERS} layers taken from the layer cache`);
  }, 60_000);
});
