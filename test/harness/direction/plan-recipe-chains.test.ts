import { describe, expect, test } from "bun:test";
import { planRecipeChains } from "../../../src/harness/direction/plan-recipe-chains.ts";
import { FINE_TUNE_RECIPES } from "../../../src/harness/direction/recipes.ts";
import { planVthr } from "../../../src/harness/vthr/plan-vthr.ts";
import { VTHR_QUICK } from "../../../src/harness/vthr/vthr-settings.ts";

describe("planRecipeChains", () => {
  const settings = { recipes: FINE_TUNE_RECIPES, chainsPerRoot: 2, snapshotsPerRun: 10, seedOffset: 7 };
  const { roots, chains } = planRecipeChains(VTHR_QUICK, settings);

  test("starts from the VTHR roots unchanged, so their cached checkpoints are reused", () => {
    expect(roots.map((r) => r.config)).toEqual(planVthr(VTHR_QUICK).roots.map((r) => r.config));
  });

  test("gives every recipe the same chains: tasks, seeds and data differ only by the recipe's edits", () => {
    const [first, ...others] = chains;
    for (const other of others) {
      expect(other.models.map((m) => [m.task, m.config.seed, m.config.data])).toEqual(first!.models.map((m) => [m.task, m.config.seed, m.config.data]));
    }
    const ids = chains.flatMap((c) => c.models.map((m) => m.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("each chain is root → child → grandchild with a new task at each step and snapshots on", () => {
    for (const { models, truth } of chains) {
      expect(models).toHaveLength(roots.length * 2 * 2);
      expect(truth.edges).toHaveLength(models.length);
      const byId = new Map(models.map((m) => [m.id, m]));
      for (const model of models) {
        expect(model.config.snapshotEvery).toBeGreaterThan(0);
        const parent = byId.get(model.parent!);
        if (parent) expect(model.task).not.toBe(parent.task);
        else expect(roots.map((r) => r.id)).toContain(model.parent!);
      }
    }
  });
});
