import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { angleTable, familyAngles, type FamilyAngle } from "../../../src/harness/families/family-angles.ts";
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

describe("angleTable", () => {
  test("families of one tree share a table (a row each), a family of another tree gets its own", () => {
    const chain = (cosine: number): FamilyAngle => ({ kind: "chain", at: "m", from: "a", to: "b", cosine });
    const siblings: FamilyAngle = { kind: "siblings", at: "x", from: "a", to: "y", cosine: -0.25 };
    const text = angleTable([
      { benchmark: "one", angles: [chain(0.01)] },
      { benchmark: "other-tree", angles: [siblings] },
      { benchmark: "two", angles: [chain(-0.5)] },
    ]);
    const tables = text.split("\n\n");
    expect(tables.length).toBe(2);
    expect(tables[0]).toContain("chain a→m→b");
    expect(tables[0]).toContain("0.01");
    expect(tables[0]).toContain("-0.50");
    expect(tables[0]).not.toContain("other-tree");
    expect(tables[1]).toContain("siblings of a: x, y");
    expect(tables[1]).toContain("-0.25 at x");
  });
});
