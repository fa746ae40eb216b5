import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { resolveFtDistance } from "../../src/recover/options.ts";
import { recover } from "../../src/recover/recover.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-options-");

describe("the language-model gate of the LM-only settings", () => {
  test("resolveFtDistance: auto is euclidean for language models and geometric otherwise; any other kind as given", () => {
    expect(resolveFtDistance("auto", true)).toBe("euclidean");
    expect(resolveFtDistance("auto", false)).toBe("geometric");
    for (const kind of ["max", "mean", "geometric", "euclidean"] as const) {
      expect(resolveFtDistance(kind, true)).toBe(kind);
      expect(resolveFtDistance(kind, false)).toBe(kind);
    }
  });

  test("ViT-named trees: --ft-distance auto and --sibling-geometry scale-free or correlation, --sibling-adapters skip recover the defaults' graph exactly", async () => {
    const folder = join(dir, "vit");
    await writeSyntheticTrees(
      folder,
      [
        { root: "alpha", children: 3, grandchildren: 2 },
        { root: "beta", children: 2, grandchildren: 2 },
      ],
      { mode: "ft", seed: 5 },
    );
    const defaults = await recover([folder]);
    const gated = await recover([folder], { ftDistance: "auto", siblingGeometry: "scale-free" });
    expect(JSON.stringify(gated.graph)).toBe(JSON.stringify(defaults.graph));
    const correlation = await recover([folder], { siblingGeometry: "correlation", siblingAdapters: "skip" });
    expect(JSON.stringify(correlation.graph)).toBe(JSON.stringify(defaults.graph));
    // the same settings with a distance that is not gated do change D (the test can fail)
    const euclidean = await recover([folder], { ftDistance: "euclidean" });
    expect(JSON.stringify(euclidean.graph)).not.toBe(JSON.stringify(defaults.graph));
  });
});
