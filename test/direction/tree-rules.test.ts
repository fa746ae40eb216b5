import { describe, expect, test } from "bun:test";
import { rulesByModel } from "../../src/direction/tree-rules.ts";

describe("rulesByModel", () => {
  test("gives every model of a tree the rule recorded for its root; trees without a direction are left out", () => {
    const rules = rulesByModel({
      trees: [["a", "b"], ["c", "d"], ["e"]],
      directions: [
        { root: "b", rule: "variance", trend: "rises", margin: 2, decidedBy: "branches" },
        { root: "c", rule: "variance-lora", trend: "rises", margin: 1, decidedBy: "stages" },
      ],
    });
    expect(Object.fromEntries([...rules].map(([id, rule]) => [id, rule.name]))).toEqual({
      a: "variance",
      b: "variance",
      c: "variance-lora",
      d: "variance-lora",
    });
  });

  test("trees a pair rule oriented have no per-model statistic rule: their models are left out", () => {
    const rules = rulesByModel({
      trees: [["a", "b"], ["c"]],
      directions: [
        { root: "a", rule: "pair-tanh", trend: "falls", margin: 1, decidedBy: "rule" },
        { root: "c", rule: "kurtosis", trend: "falls", margin: 0, decidedBy: "single" },
      ],
    });
    expect([...rules.keys()]).toEqual(["c"]);
  });

  test("a rule the registry does not know is a bug, not a silent default", () => {
    expect(() => rulesByModel({ trees: [["a"]], directions: [{ root: "a", rule: "magic", trend: "falls", margin: 0, decidedBy: "single" }] })).toThrow(/magic/);
  });
});
