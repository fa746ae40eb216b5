import { describe, expect, test } from "bun:test";
import { BugError } from "../../src/errors.ts";
import type { Fingerprint } from "../../src/index/fingerprint.ts";
import { allLocated, isOpened, type KnownModel, modelsOf } from "../../src/index/recover-tree-job.ts";

const opened: KnownModel = { id: "a", path: "/set/a", tensors: [] };
const located: KnownModel = { id: "b", path: "/set/b", kind: "folder" };
const member = (path: string) => ({ path }) as Fingerprint;

describe("opened or only located", () => {
  test("a model with tensors is opened; a location (any kind) is not", () => {
    expect(isOpened(opened)).toBe(true);
    for (const kind of ["file", "folder", "gguf", "adapter"] as const) expect(isOpened({ id: "b", path: "/set/b", kind })).toBe(false);
    expect(allLocated([located, located])).toBe(true);
    expect(allLocated([located, opened])).toBe(false);
  });

  test("a tree job carries opened models as models and located ones as locations; a mix is a bug", () => {
    const known = new Map<string, KnownModel>([
      ["/set/a", opened],
      ["/set/b", located],
    ]);
    expect(modelsOf([member("/set/a")], known)).toEqual({ models: [opened] });
    expect(modelsOf([member("/set/b")], known)).toEqual({ locations: [located] });
    expect(() => modelsOf([member("/set/a"), member("/set/b")], known)).toThrow(BugError);
  });
});
