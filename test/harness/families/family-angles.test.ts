import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { familyAngles } from "../../../src/harness/families/family-angles.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSyntheticTrees } from "../../fixtures/synthetic-trees.ts";

describe("familyAngles", () => {
  test("independent equal fine-tunes: chains meet at a right angle, two siblings at 45° seen from the nearer (cos ≈ 0.71)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mother-angles-"));
    try {
      const truth = await writeSyntheticTrees(dir, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 4 });
      const angles = await familyAngles(await discoverModels([dir]), truth);
      const chains = angles.filter((a) => a.kind === "chain");
      const siblings = angles.filter((a) => a.kind === "siblings");
      expect(chains.length).toBe(2); // r → c0 → c0-g0, r → c1 → c1-g0
      expect(siblings.map((a) => `${a.from}: ${[a.at, a.to].sort().join(", ")}`)).toEqual(["r: r-c0, r-c1"]);
      for (const a of chains) expect(Math.abs(a.cosine)).toBeLessThan(0.1);
      for (const a of siblings) expect(a.cosine).toBeCloseTo(Math.SQRT1_2, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
