import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bytesUnder, entriesOf, glancedModels, looksLarge } from "../../src/io/set-glance.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-glance-");

describe("a glance at a set's size", () => {
  test("a folder counts its entries (hidden ones too); a file or a missing path counts none", () => {
    const set = join(dir, "set");
    mkdirSync(set);
    for (const name of ["a", "b", ".hidden"]) mkdirSync(join(set, name));
    writeFileSync(join(set, "c.safetensors"), "");
    expect(entriesOf(set)).toBe(4);
    expect(entriesOf(join(set, "c.safetensors"))).toBe(0);
    expect(entriesOf(join(dir, "absent"))).toBe(0);
  });

  test("large from `from` paths, or `from` entries summed over the paths", () => {
    const sizes: Record<string, number> = { "a/": 2, "b/": 1 };
    const entries = (path: string) => sizes[path] ?? 0;
    expect(looksLarge(["a/", "b/"], 3, entries)).toBe(true);
    expect(looksLarge(["a/", "b/"], 4, entries)).toBe(false);
    expect(looksLarge(["x", "y", "z", "w"], 4, entries)).toBe(true);
    expect(looksLarge([], 1, entries)).toBe(false);
  });

  test("the models a glance promises: the entries summed over the paths, or the paths if more", () => {
    const sizes: Record<string, number> = { "a/": 2, "b/": 1 };
    const entries = (path: string) => sizes[path] ?? 0;
    expect(glancedModels(["a/", "b/"], entries)).toBe(3);
    expect(glancedModels(["x", "y", "z", "w"], entries)).toBe(4);
    expect(glancedModels(["a/", "x", "y", "z"], entries)).toBe(4);
    expect(glancedModels([], entries)).toBe(0);
  });

  test("bytes: a file's size, a folder's files, a folder of model folders' files; missing paths count 0; it may stop once enough are counted", () => {
    const set = join(dir, "sized");
    for (const model of ["m1", "m2"]) mkdirSync(join(set, model), { recursive: true });
    writeFileSync(join(set, "m1", "model.gguf"), new Uint8Array(300));
    writeFileSync(join(set, "m2", "a.safetensors"), new Uint8Array(20));
    writeFileSync(join(set, "m2", "b.safetensors"), new Uint8Array(5));
    writeFileSync(join(set, "top.json"), new Uint8Array(7));
    expect(bytesUnder([set], Infinity)).toBe(332);
    expect(bytesUnder([join(set, "m2"), join(set, "m1", "model.gguf"), join(dir, "absent")], Infinity)).toBe(325);
    expect(bytesUnder([join(set, "m1"), join(set, "m2")], 100)).toBe(300);
  });
});
