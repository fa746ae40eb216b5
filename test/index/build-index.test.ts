import { beforeAll, describe, expect, test } from "bun:test";
import { cp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { COMPACT_AFTER, indexModels } from "../../src/index/build-index.ts";
import { loadIndex, SEGMENTS, writeSegment } from "../../src/index/index-store.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-build-index-");
let models: string;
beforeAll(async () => {
  models = join(dir, "models");
  await writeSyntheticTrees(models, [{ root: "r", children: 2, grandchildren: 1 }]);
});

function recorder() {
  const lines: string[] = [];
  return { lines, effects: { progress: () => {}, log: (line: string) => lines.push(line) } };
}

/** Rewrites `file` by `rewrite`, its mtime put back to the nanosecond (as cp -p or rsync -t would), kept meanwhile on a file beside the set. */
async function rewriteKeepingMtime(file: string, rewrite: (file: string) => Promise<unknown>): Promise<void> {
  const reference = `${dirname(dirname(file))}-mtime`;
  await writeFile(reference, "");
  expect(Bun.spawnSync(["touch", "-r", file, reference]).exitCode).toBe(0);
  await rewrite(file);
  expect(Bun.spawnSync(["touch", "-r", reference, file]).exitCode).toBe(0);
}

describe("indexModels", () => {
  test("reads every model once, then only what is new, changed or gone", async () => {
    const set = join(dir, "set");
    const index = join(dir, "index");
    await cp(models, set, { recursive: true });
    expect(await indexModels([set], index)).toEqual({ kept: 0, added: 5, updated: 0, removed: 0, models: 5 });
    expect(await indexModels([set], index)).toEqual({ kept: 5, added: 0, updated: 0, removed: 0, models: 5 });
    // A re-save (new mtime), a new model, a removed one.
    const later = new Date(Date.now() + 5_000);
    await utimes(join(set, "r-c0", "model.safetensors"), later, later);
    await cp(join(models, "r"), join(set, "copy-of-r"), { recursive: true });
    await rm(join(set, "r-c1-g0"), { recursive: true });
    expect(await indexModels([set], index)).toEqual({ kept: 3, added: 1, updated: 1, removed: 1, models: 5 });
    const entries = (await loadIndex(index)).entries;
    expect([...entries.values()].map((e) => e.id).sort()).toEqual(["copy-of-r", "r", "r-c0", "r-c0-g0", "r-c1"]);
    // Same bytes, same checksum: a copy is recognisable as one.
    expect([...entries.values()].find((e) => e.id === "copy-of-r")!.checksum).toBe([...entries.values()].find((e) => e.id === "r")!.checksum);
  });

  test("a file rewritten in place with the same size and mtime: kept without --verify, found and read again with it", async () => {
    const set = join(dir, "rewritten");
    const index = join(dir, "rewritten-index");
    await cp(models, set, { recursive: true });
    await indexModels([set], index);
    // Another model's bytes (same layout, same size).
    await rewriteKeepingMtime(join(set, "r-c0", "model.safetensors"), (file) => cp(join(set, "r-c1", "model.safetensors"), file));
    const before = (await loadIndex(index)).entries;
    expect(await indexModels([set], index)).toEqual({ kept: 5, added: 0, updated: 0, removed: 0, models: 5 });
    const { lines, effects } = recorder();
    expect(await indexModels([set], index, effects, true)).toEqual({ kept: 4, added: 0, updated: 1, removed: 0, models: 5 });
    expect(lines).toEqual([`${join(set, "r-c0")}: its weights changed with its files' sizes and mtimes unchanged; fingerprinted again`]);
    const after = (await loadIndex(index)).entries;
    const r = (entries: typeof after, id: string) => [...entries.values()].find((e) => e.id === id)!;
    expect(r(after, "r-c0").checksum).toBe(r(after, "r-c1").checksum);
    expect(r(after, "r-c0").checksum).not.toBe(r(before, "r-c0").checksum);
    // Verified again with nothing changed: nothing is written.
    const segments = (await readdir(join(index, SEGMENTS))).length;
    expect(await indexModels([set], index, effects, true)).toEqual({ kept: 5, added: 0, updated: 0, removed: 0, models: 5 });
    expect((await readdir(join(index, SEGMENTS))).length).toBe(segments);
  });

  test("--verify: a header-only rename (same bytes, same size and mtime) is found: the entry's layer names are the file's", async () => {
    const set = join(dir, "renamed");
    const index = join(dir, "renamed-index");
    await cp(models, set, { recursive: true });
    await indexModels([set], index);
    // Block 1 renamed block 2: same name lengths, same order by name, the same bytes under each.
    await rewriteKeepingMtime(join(set, "r-c0", "model.safetensors"), async (file) => {
      const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
      const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + length)).replaceAll(".layer.1.", ".layer.2.");
      bytes.set(new TextEncoder().encode(header), 8);
      await writeFile(file, bytes);
    });
    expect(await indexModels([set], index, recorder().effects, true)).toEqual({ kept: 4, added: 0, updated: 1, removed: 0, models: 5 });
    const entry = [...(await loadIndex(index)).entries.values()].find((e) => e.id === "r-c0")!;
    expect(entry.layers.some((layer) => layer.name.includes(".layer.2."))).toBe(true);
  });

  test("a safetensors file added to a model folder gets the model read again, its files unchanged or not", async () => {
    const set = join(dir, "sharded");
    const index = join(dir, "sharded-index");
    await cp(models, set, { recursive: true });
    await indexModels([set], index);
    await cp(join(set, "r-c0", "model.safetensors"), join(set, "r", "extra.safetensors"));
    const summary = await indexModels([set], index).catch((error: unknown) => error);
    // Two files with the same tensor names are refused by discovery, or the model is read again: never kept as it was.
    if (summary instanceof Error) expect(summary.message).toContain(join(set, "r"));
    else expect(summary).toMatchObject({ updated: 1, kept: 4 });
  });

  test("an unreadable segment is dropped with one line and its models are read again", async () => {
    const index = join(dir, "damaged");
    await indexModels([models], index);
    const [segment] = await readdir(join(index, SEGMENTS));
    await writeFile(join(index, SEGMENTS, segment!), "not arrow");
    const { lines, effects } = recorder();
    expect(await indexModels([models], index, effects)).toMatchObject({ added: 5, models: 5 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("unreadable index segment");
    expect((await loadIndex(index)).bad).toEqual([]);
  });

  test("an update stopped part-way (Ctrl-C, a crash) keeps what it had saved as it went: the next run reads only the rest, to the same index", async () => {
    const set = join(dir, "stopped");
    await cp(models, set, { recursive: true });
    const whole = join(dir, "whole-index");
    await indexModels([set], whole);
    // A short run saves once, at its end (SAVE_EVERY_MS): one segment, as before.
    expect(await readdir(join(whole, SEGMENTS))).toHaveLength(1);
    // Saving after every model, stopped once three are fingerprinted.
    const index = join(dir, "stopped-index");
    const stopping = {
      progress: (done: number) => {
        if (done === 3) throw new Error("stopped");
      },
      log: () => {},
    };
    await expect(indexModels([set], index, stopping, false, 0)).rejects.toThrow("stopped");
    expect((await loadIndex(index)).entries.size).toBe(3);
    expect(await indexModels([set], index)).toEqual({ kept: 3, added: 2, updated: 0, removed: 0, models: 5 });
    const [want, got] = [(await loadIndex(whole)).entries, (await loadIndex(index)).entries];
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [path, entry] of want) expect(got.get(path)!.checksum).toBe(entry.checksum);
    // Saved as it went, nothing written twice: a run that saves after every model ends with one segment a model.
    const each = join(dir, "each-index");
    expect(await indexModels([set], each, undefined, false, 0)).toEqual({ kept: 0, added: 5, updated: 0, removed: 0, models: 5 });
    expect(await readdir(join(each, SEGMENTS))).toHaveLength(5);
    // The segments saved as it went count toward compaction and are folded with the rest: an index one segment short of
    // COMPACT_AFTER, updated saving after every model, ends as one segment holding every entry.
    const piled = join(dir, "piled-index");
    for (let at = 0; at < COMPACT_AFTER - 1; at++) await writeSegment(piled, [{ removed: join(set, `gone-${at}`) }]);
    expect(await indexModels([set], piled, undefined, false, 0)).toEqual({ kept: 0, added: 5, updated: 0, removed: 0, models: 5 });
    expect(await readdir(join(piled, SEGMENTS))).toHaveLength(1);
    expect([...(await loadIndex(piled)).entries.keys()].sort()).toEqual([...want.keys()].sort());
  });

  test("a model reached twice (a folder given and a model inside it) is one line saying so, and nothing is written", async () => {
    const index = join(dir, "twice-index");
    await expect(indexModels([models, join(models, "r")], index)).rejects.toThrow(`${join(models, "r")}: is given twice`);
    expect(existsSync(index)).toBe(false);
  });

  test("an entry of another fingerprint version is read again", async () => {
    const index = join(dir, "versions");
    await indexModels([models], index);
    const entries = [...(await loadIndex(index)).entries.values()];
    await writeSegment(index, [{ ...entries[0]!, version: 0 }]);
    expect(await indexModels([models], index)).toMatchObject({ kept: 4, updated: 1 });
  });
});
