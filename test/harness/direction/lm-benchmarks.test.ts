import { describe, expect, test } from "bun:test";
import { FAMILY_BENCHMARKS, familyGroup } from "../../../src/harness/direction/lm-benchmarks.ts";

describe("familyGroup", () => {
  test("one group per trainer, and held-out set 2 as one group whatever its trainer or names", () => {
    expect(familyGroup({ name: "llama:llama-2@2023", kind: "lm", heldOutSet: 0 })).toBe("llama-ours");
    expect(familyGroup({ name: "llama:torch@2035", kind: "lm", heldOutSet: 1 })).toBe("llama-torch");
    expect(familyGroup({ name: "llama:gpt2@2030", kind: "lm", heldOutSet: 0 })).toBe("gpt2-like");
    expect(familyGroup({ name: "sd@2024", kind: "chain", heldOutSet: 0 })).toBe("sd-like");
    expect(familyGroup({ name: "set2:nadam-up@2045", kind: "lm", heldOutSet: 2 })).toBe("held-out-2");
  });

  test("the leaderboard lists the six set-2 families in that group, as language models", () => {
    const set2 = FAMILY_BENCHMARKS.filter((b) => b.family === "held-out-2");
    expect(set2.map((b) => b.name)).toHaveLength(6);
    expect(set2.every((b) => b.name.startsWith("set2:") && b.domain === "lm")).toBe(true);
  });
});
