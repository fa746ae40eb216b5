import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { checkOutputFolder, checkOutputPath } from "../../src/io/check-output-path.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { mountTmpfs, unmount } from "../faults/mount-tmpfs.ts";

let readOnly: string | undefined;
// Registered before the folder's own removal, which bun runs after it: rm cannot take a mount point.
afterAll(async () => {
  if (readOnly) await unmount(readOnly);
});
const root = temporaryFolder("mother-check-output-path-");
const models = join(root, "models");
const checkpoint = join(models, "a", "model.safetensors");

beforeAll(async () => {
  for (const id of ["a", "b"]) {
    await writeSafetensors(join(models, id, "model.safetensors"), [{ name: "w", dtype: "F32", shape: [2], data: Float32Array.of(1, 2) }]);
    await writeFile(join(models, id, "config.json"), "{}");
  }
  await writeFile(join(root, "plain.txt"), "x");
  readOnly = await mountTmpfs(join(root, "read-only"), { readOnly: true });
});

async function refusal(path: string, inputs: string[] = [models]): Promise<MotherError> {
  const error = await checkOutputPath(path, "--out", inputs).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MotherError);
  expect((error as MotherError).code).toBe("output");
  expect((error as MotherError).message).toStartWith(`${path}: `);
  expect((error as MotherError).message).not.toContain("\n");
  return error as MotherError;
}

/** Every entry under `folder`, recursively: a refused check must leave no probe file behind. */
async function listing(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true })).map(String).sort();
}

describe("checkOutputPath", () => {
  test("a directory is refused, and so is a path ending in a slash (a folder yet to be made)", async () => {
    expect((await refusal(join(root, "models"), [join(models, "a")])).message).toMatch(/names a folder/);
    expect((await refusal(`${join(root, "results")}/`)).message).toMatch(/names a folder/);
  });

  test("a path under a regular file is refused", async () => {
    expect((await refusal(join(root, "plain.txt", "graph.json"))).message).toMatch(/under a file/);
    expect((await refusal(join(root, "plain.txt", "deeper", "graph.json"))).message).toMatch(/under a file/);
  });

  test("a folder root cannot create files in (/proc) is refused", async () => {
    expect((await refusal("/proc/mother-graph.json")).message).toMatch(/cannot write/);
  });

  test.skipIf(process.platform !== "linux")("a folder on a read-only mount is refused (skipped where mount is not permitted)", async () => {
    if (!readOnly) return;
    expect((await refusal(join(readOnly, "graph.json"))).message).toMatch(/cannot write/);
  });

  test("an input checkpoint, directly or through a symlink, is refused and left as it was", async () => {
    const before = await Bun.file(checkpoint).bytes();
    expect((await refusal(checkpoint)).message).toMatch(/input/);
    expect((await refusal(checkpoint, [join(models, "a")])).message).toMatch(/input/);
    expect((await refusal(checkpoint, [checkpoint])).message).toMatch(/input/);
    const link = join(root, "link.json");
    await symlink(checkpoint, link);
    expect((await refusal(link, [models])).message).toMatch(/input/);
    expect(await Bun.file(checkpoint).bytes()).toEqual(before);
  });

  test("any file inside an input model's folder, or a name recovery would read as a model, is refused", async () => {
    expect((await refusal(join(models, "a", "config.json"))).message).toMatch(/input/);
    expect((await refusal(join(models, "a", "graph.json"))).message).toMatch(/input/);
    expect((await refusal(join(models, "c.safetensors"))).message).toMatch(/input/);
  });

  test("a new file beside the model folders, in a new folder, or over a file that is not an input is accepted, and nothing is left behind", async () => {
    const before = await listing(root);
    await checkOutputPath(join(models, "graph.json"), "--out", [models]);
    await checkOutputPath(join(root, "new", "deeper", "graph.json"), "--out", [models]);
    await checkOutputPath(join(root, "plain.txt"), "--out", [models]);
    await refusal(join(root, "plain.txt", "x.json"));
    await refusal(join(models, "a", "graph.json"));
    expect(await listing(root)).toEqual(before);
  });

  test("a relative path is checked against the working folder", async () => {
    await mkdir(join(root, "cwd"), { recursive: true });
    const previous = process.cwd();
    process.chdir(join(root, "cwd"));
    try {
      await checkOutputPath("graph.json", "--out", [models]);
      await refusal("../models/a/model.safetensors", [models]);
    } finally {
      process.chdir(previous);
    }
  });
});

describe("checkOutputFolder (--index, --cache)", () => {
  async function folderRefusal(path: string, writing = true): Promise<string> {
    const error = await checkOutputFolder(path, "--index", writing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).code).toBe("output");
    expect((error as MotherError).message).toStartWith(`${path}: --index`);
    return (error as MotherError).message;
  }

  test("a file is refused, read or written, and left as it was", async () => {
    const file = join(root, "plain.txt");
    expect(await folderRefusal(file)).toMatch(/names a file, not a folder/);
    expect(await folderRefusal(file, false)).toMatch(/names a file, not a folder/);
    expect(await Bun.file(file).text()).toBe("x");
  });

  test("a folder under a file, or where no file can be created, is refused; nothing is created on the way", async () => {
    expect(await folderRefusal(join(root, "plain.txt", "index"))).toMatch(/under a file/);
    expect(await folderRefusal("/proc/mother-index")).toMatch(/cannot write in \/proc/);
    if (readOnly) expect(await folderRefusal(join(readOnly, "index"))).toMatch(/cannot write/);
    const before = await listing(root);
    await checkOutputFolder(join(root, "new", "index"), "--index", true);
    await checkOutputFolder(models, "--cache", true);
    expect(await listing(root)).toEqual(before);
  });

  test("a folder only read (recover --index without paths) may be missing or unwritable", async () => {
    await checkOutputFolder(join(root, "absent"), "--index", false);
    await checkOutputFolder("/proc/mother-index", "--index", false);
  });
});
