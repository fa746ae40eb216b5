import { describe, expect, test } from "bun:test";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FileWriteError, removeTemporaryFiles, temporaryPathFor, writeFileAtomic, writeFilesAtomic } from "../../src/io/write-file-atomic.ts";
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

describe("removeTemporaryFiles (a stopped process, src/cli/stop-cleanly.ts)", () => {
  test("removes the temp files being written now, and only those: finished files and the user's stay", async () => {
    const folder = join(dir, "stopped");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "mine.txt"), "mine");
    await writeFileAtomic(join(folder, "done.json"), "done");
    // A write caught mid-way: its temp file written, the rename never reached (the process is being stopped).
    let started!: () => void;
    const written = new Promise<void>((resolve) => (started = resolve));
    const stuck = writeFilesAtomic([{ path: join(folder, "out.json"), contents: "half" }], {
      writeFile: async (path, contents) => {
        await writeFile(path, contents);
        started();
        await new Promise(() => {}); // never ends
      },
      rename: async () => {},
    });
    void stuck;
    await written;
    expect((await readdir(folder)).filter((name) => name.includes(".tmp-"))).toHaveLength(1);
    removeTemporaryFiles();
    expect((await readdir(folder)).sort()).toEqual(["done.json", "mine.txt"]);
    removeTemporaryFiles(); // nothing left to remove: no error
  });
});
