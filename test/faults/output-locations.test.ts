/**
 * Fault injection, part 3: output locations that really fail — a read-only mount (refused
 * before any work) and a full one (the write fails at the end: one line, no output file, no
 * temp file, the user's files there untouched). Both need a tmpfs mount (root); without one
 * they are skipped, and test/cli/recover-command.test.ts covers the full disk by injection. And an index on a disk that
 * fills while `mother index` saves its segments: one line, every segment left whole, and the next run resumes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { mountTmpfs, resizeTmpfs, unmount } from "./mount-tmpfs.ts";
import { loadIndex, SEGMENTS } from "../../src/index/index-store.ts";
import { FAST_CLOCK, INDEX_SET_MODELS, indexChecksums, writeIndexSet } from "./index-set.ts";
import { hashTree, runMother } from "../fixtures/run-mother.ts";

let dir: string;
let cacheHome: string;
let models: string;
let readOnly: string | undefined;
let full: string | undefined;
let filling: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-faults-output-"));
  cacheHome = await mkdtemp(join(tmpdir(), "mother-faults-output-xdg-"));
  models = join(dir, "models");
  await writeSyntheticTrees(models, [{ root: "o", children: 2, grandchildren: 0 }], { seed: 29 });
  readOnly = await mountTmpfs(join(dir, "read-only"), { readOnly: true });
  full = await mountTmpfs(join(dir, "full"), { sizeBytes: 64 * 1024 });
  // The user's own file fills the mount but for a few hundred bytes: room for an empty probe, not for a graph.
  if (full) await writeFile(join(full, "user-data.bin"), new Uint8Array(64 * 1024 - 512)).catch(() => {});
});
afterAll(async () => {
  for (const mount of [readOnly, full, filling]) if (mount) await unmount(mount);
  await rm(dir, { recursive: true, force: true });
  await rm(cacheHome, { recursive: true, force: true });
});

describe("output on a read-only mount", () => {
  test("is refused before any work, in one line", async () => {
    if (!readOnly) return; // mount not permitted here
    const run = await runMother(["recover", models, "--out", join(readOnly, "graph.json")], { cacheHome });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      `mother: ${join(readOnly, "graph.json")}: --out: cannot write in ${readOnly} (EROFS); help: choose a writable folder`,
    ]);
  }, 30_000);
});

describe("output on a full mount", () => {
  test("fails at the write with one line (ENOSPC), leaving no output, no temp file, and the user's file as it was", async () => {
    if (!full) return; // mount not permitted here
    const before = await hashTree(full);
    const out = join(full, "graph.json");
    const run = await runMother(["recover", models, "--out", out, "--stats", join(full, "stats.arrow"), "--quiet", "--no-cache"], { cacheHome });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot write \(ENOSPC\)/);
    expect(await readdir(full)).toEqual(["user-data.bin"]);
    expect(await hashTree(full)).toEqual(before);
  }, 30_000);
});

describe("an index on a disk that fills while mother index runs", () => {
  /** With the fast clock a segment (~8 KB) is saved after each model. */
  const MODELS = INDEX_SET_MODELS;
  const checksums = indexChecksums;

  test("fails with one line naming the index (ENOSPC), leaves every saved segment whole and no temp file, and the next run resumes", async () => {
    filling = await mountTmpfs(join(dir, "filling"), { sizeBytes: 96 * 1024 });
    if (!filling) return; // mount not permitted here
    const set = join(dir, "index-set");
    await writeIndexSet(set);
    const wholeIndex = join(dir, "whole-index");
    expect((await runMother(["index", set, "--index", wholeIndex, "-q"], { cacheHome })).code).toBe(0);
    const whole = checksums(await loadIndex(wholeIndex));
    expect(whole.size).toBe(MODELS);

    const index = join(filling, "index");
    const run = await runMother(["index", set, "--index", index, "-q"], { cacheHome, preload: FAST_CLOCK });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      `mother: ${index}: cannot write an index segment (ENOSPC); help: the segments already written stay whole; free space and run \`mother index\` again: it reads only the models not saved`,
    ]);
    const stopped = await loadIndex(index);
    expect(stopped.bad).toEqual([]);
    expect(stopped.entries.size).toBeGreaterThan(0);
    expect(stopped.entries.size).toBeLessThan(MODELS);
    expect((await readdir(join(index, SEGMENTS))).filter((name) => name.includes(".tmp-"))).toEqual([]);
    for (const [path, checksum] of checksums(stopped)) expect(whole.get(path)).toBe(checksum);

    // Room freed: the next run reads only the models that were not saved.
    expect(resizeTmpfs(filling, 4 * 1024 * 1024)).toBe(true);
    const again = await runMother(["index", set, "--index", index], { cacheHome });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`(${MODELS - stopped.entries.size} added, 0 read again, 0 removed, ${stopped.entries.size} unchanged)`);
    expect(checksums(await loadIndex(index))).toEqual(whole);
  }, 60_000);
});

describe("standard output on a full disk", () => {
  test.skipIf(!existsSync("/dev/full"))(
    "a result printed into /dev/full is one output error (ENOSPC), not a stack trace",
    async () => {
      const proc = Bun.spawn(["bun", join(import.meta.dir, "../../src/cli/main.ts"), "recover", models, "--quiet", "--no-cache"], {
        stdout: Bun.file("/dev/full"),
        stderr: "pipe",
        env: { ...process.env, XDG_CACHE_HOME: cacheHome },
      });
      const stderr = await new Response(proc.stderr).text();
      expect(await proc.exited).toBe(1);
      expect(stderr.trim().split("\n")).toEqual(["mother: standard output: cannot write the result (ENOSPC); help: free space, or write to a file with --out"]);
    },
    30_000,
  );
});
