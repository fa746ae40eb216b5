import { describe, expect, test } from "bun:test";
import { applyRecipe, recipeByName } from "../../../src/harness/direction/recipes.ts";
import type { TrainConfig } from "../../../src/train/train-config.ts";

const base: TrainConfig = {
  objective: {
    kind: "vit-classification",
    vit: { dim: 8, depth: 1, heads: 2, mlpDim: 16, patch: 4, imageSize: 8, numClasses: 3, layerNormEps: 1e-12, initializerRange: 0.02 },
  },
  data: { kind: "image-task", task: "shape", seed: 1, trainCount: 8, evalCount: 8 },
  seed: 5,
  steps: 300,
  batchSize: 4,
  optimizer: { kind: "adamw", weightDecay: 0.05 },
  lr: 1e-3,
  warmupSteps: 30,
  lora: { rank: 4, alpha: 4, targets: ["attention.attention.query"] },
};

describe("applyRecipe", () => {
  test("a full-fine-tuning recipe drops the base's LoRA and sets optimizer and lr, keeping data and seed", () => {
    const sgd = applyRecipe(base, recipeByName("sgd-momentum"));
    expect(sgd.lora).toBeUndefined();
    expect(sgd.optimizer).toMatchObject({ kind: "sgd", momentum: 0.9 });
    expect(sgd.lr).toBe(3e-2);
    expect([sgd.data, sgd.seed, sgd.steps]).toEqual([base.data, 5, 300]);
  });

  test("long and short scale steps and warmup together", () => {
    expect([applyRecipe(base, recipeByName("long")).steps, applyRecipe(base, recipeByName("long")).warmupSteps]).toEqual([900, 90]);
    expect([applyRecipe(base, recipeByName("short")).steps, applyRecipe(base, recipeByName("short")).warmupSteps]).toEqual([100, 10]);
  });

  test("LoRA recipes set rank, α = rank and their targets", () => {
    expect(applyRecipe(base, recipeByName("lora-all-r8")).lora).toMatchObject({ rank: 8, alpha: 8 });
    expect(applyRecipe(base, recipeByName("lora-all-r8")).lora!.targets).toContain("intermediate.dense");
    expect(() => recipeByName("adafactor")).toThrow(/known: adamw-default/);
  });
});
