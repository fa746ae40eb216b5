import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { cachedVthrSplit } from "../../../src/harness/derived/cached-vthr-split.ts";
import { VTHR_QUICK } from "../../../src/harness/vthr/vthr-settings.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

describe("cachedVthrSplit", () => {
  test("an empty cache: counts every model of the split (roots included) as missing and creates nothing", async () => {
    const cache = temporaryFolder("mother-vthr-cache-");
    // Quick settings: 2 roots × (2 children × (1 + 1 grandchild)) = 10 models.
    expect(await cachedVthrSplit(VTHR_QUICK, "ft", cache)).toEqual({ missing: 10, total: 10 });
    expect(await readdir(cache)).toEqual([]);
  });
});
