import { describe, expect, test } from "bun:test";
import { familyTruth, type FamilyMember } from "../../../src/harness/families/family-member.ts";
import { DEFAULT_LM_PRETRAIN } from "../../../src/train/default-recipes.ts";

const member = (id: string, parent?: string): FamilyMember => ({
  id,
  paperName: id,
  ...(parent ? { parent } : {}),
  stage: "specialization",
  data: "",
  config: DEFAULT_LM_PRETRAIN,
});

describe("familyTruth", () => {
  test("names the tree after the root and has one edge per non-root", () => {
    const truth = familyTruth([member("base"), member("chat", "base"), member("code", "base"), member("python", "code")]);
    expect(truth.models.map((m) => m.tree)).toEqual(["base", "base", "base", "base"]);
    expect(truth.edges).toEqual([
      { parent: "base", child: "chat" },
      { parent: "base", child: "code" },
      { parent: "code", child: "python" },
    ]);
  });

  test("rejects plans that are not one tree", () => {
    expect(() => familyTruth([member("a"), member("b")])).toThrow("exactly one root");
    expect(() => familyTruth([member("a"), member("b", "zzz")])).toThrow("unknown parent");
    expect(() => familyTruth([member("a"), member("a", "a")])).toThrow("duplicate");
    expect(() => familyTruth([member("r"), member("a", "b"), member("b", "a")])).toThrow("cycle");
  });
});
