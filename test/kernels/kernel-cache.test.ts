import { describe, expect, test } from "bun:test";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KERNEL_CACHE_FOLDER, pruneOtherBuilds } from "../../src/kernels/kernel-cache.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-kernel-cache-");

describe("pruneOtherBuilds", () => {
  test("removes other builds of the same kind and their failure notes, keeps the fresh one, other kinds and other files", async () => {
    const names = [
      "weight-kernels-aaaa.wasm", // stale
      "weight-kernels-aaaa.wasm.unavailable", // stale failure note
      "weight-kernels-bbbb.wasm", // fresh
      "weight-kernels-cccc.so", // another kind of build
      "notes.txt",
    ];
    for (const name of names) await writeFile(join(dir, name), "x");
    await pruneOtherBuilds(join(dir, "weight-kernels-bbbb.wasm"));
    expect((await readdir(dir)).sort()).toEqual(["notes.txt", "weight-kernels-bbbb.wasm", "weight-kernels-cccc.so"]);
  });

  test("the cache folder is the package's .cache/kernels, whatever the working directory", () => {
    expect(KERNEL_CACHE_FOLDER).toBe(join(import.meta.dir, "..", "..", ".cache", "kernels"));
  });
});
