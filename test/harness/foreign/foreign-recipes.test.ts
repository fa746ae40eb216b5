import { describe, expect, test } from "bun:test";
import { FOREIGN_RECIPES, foreignTreesFolder, parseRecipes, TRAINER_VERSION } from "../../../src/harness/foreign/foreign-recipes.ts";

describe("parseRecipes", () => {
  test("takes letters and names, keeps the order given and drops repeats", () => {
    expect(parseRecipes("c,a,adamw-cosine, b").map((r) => r.name)).toEqual(["adam-constant", "adamw-cosine", "sgd-momentum"]);
  });
  test("refuses unknown names and an empty list", () => {
    expect(() => parseRecipes("a,zz")).toThrow("unknown recipe 'zz'");
    expect(() => parseRecipes(" , ")).toThrow("at least one recipe");
  });
});

describe("foreignTreesFolder", () => {
  test("keys the cache by trainer version and preset", () => {
    expect(foreignTreesFolder("/c", "quick")).toBe(`/c/foreign-trees/v${TRAINER_VERSION}/quick`);
  });
  test("every recipe has its own letter and name", () => {
    expect(new Set(FOREIGN_RECIPES.map((r) => r.letter)).size).toBe(FOREIGN_RECIPES.length);
    expect(new Set(FOREIGN_RECIPES.map((r) => r.name)).size).toBe(FOREIGN_RECIPES.length);
  });
});
