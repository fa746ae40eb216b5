import { describe, expect, test } from "bun:test";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cachedVthrSplit } from "../../../src/harness/derived/cached-vthr-split.ts";
import { VTHR_QUICK } from "../../../src/harness/vthr/vthr-settings.ts";

describe("cachedVthrSplit", () => {
  test("an empty cache: counts every model of the split (roots included) as missing and creates nothing", async () => {
    const cache = await mkdtemp(join(tmpdir(), "mother-vthr-cache-"));
    // Quick settings: 2 roots × (2 children × (1 + 1 grandchild)) = 10 models.
    expect(await cachedVthrSplit(VTHR_QUICK, "ft", cache)).toEqual({ missing: 10, total: 10 });
    expect(await readdir(cache)).toEqual([]);
  });
});
