import { describe, expect, test } from "bun:test";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FileWriteError, temporaryPathFor, writeFileAtomic, writeFilesAtomic } from "../../src/io/write-file-atomic.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-atomic-");

describe("writeFileAtomic", () => {
  test("creates missing folders, replaces an existing file whole, and leaves no temp file beside it", async () => {
    const path = join(dir, "one", "deep", "out.json");
    await writeFileAtomic(path, "first");
    await writeFileAtomic(path, new TextEncoder().encode("second"));
    expect(await readFile(path, "utf8")).toBe("second");
    expect(await readdir(join(dir, "one", "deep"))).toEqual(["out.json"]);
  });

  test("a failed rename (a folder in the way) removes its temp file and leaves the folder as it was", async () => {
    const folder = join(dir, "blocked");
    await mkdir(join(folder, "out.txt"), { recursive: true }); // a folder where the file should go: rename fails
    await expect(writeFileAtomic(join(folder, "out.txt"), "new")).rejects.toThrow();
    expect(await readdir(folder)).toEqual(["out.txt"]);
  });
});

describe("temporaryPathFor", () => {
  test("is hidden, beside the target, and different on every call", () => {
    const a = temporaryPathFor("/x/y/out.arrow");
    const b = temporaryPathFor("/x/y/out.arrow");
    expect(a).toStartWith("/x/y/.out.arrow.tmp-");
    expect(a).not.toBe(b);
  });
});

describe("writeFilesAtomic", () => {
  test("writes every file or none: a failed second write leaves neither file nor temp file", async () => {
    const folder = join(dir, "all-or-none");
    await mkdir(folder);
    await writeFile(join(folder, "a.txt"), "old a");
    let writes = 0;
    const diskFullOnSecond = {
      writeFile: async (path: string, contents: string | Uint8Array) => {
        if (++writes === 2) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
        await writeFile(path, contents);
      },
      rename: (from: string, to: string) => import("node:fs/promises").then((fs) => fs.rename(from, to)),
    };
    const files = [
      { path: join(folder, "a.txt"), contents: "new a" },
      { path: join(folder, "b.txt"), contents: "new b" },
    ];
    const failure = await writeFilesAtomic(files, diskFullOnSecond).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FileWriteError);
    expect((failure as FileWriteError).path).toBe(join(folder, "b.txt"));
    expect(await readdir(folder)).toEqual(["a.txt"]);
    expect(await readFile(join(folder, "a.txt"), "utf8")).toBe("old a");
    await writeFilesAtomic(files);
    expect((await readdir(folder)).sort()).toEqual(["a.txt", "b.txt"]);
    expect(await readFile(join(folder, "b.txt"), "utf8")).toBe("new b");
  });
});
