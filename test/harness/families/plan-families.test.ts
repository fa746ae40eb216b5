import { describe, expect, test } from "bun:test";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { LLAMA_FAMILY_DEFAULTS, LLAMA_FAMILY_QUICK } from "../../../src/harness/families/llama-family-settings.ts";
import { planLlamaFamily } from "../../../src/harness/families/plan-llama-family.ts";
import { SD_FAMILY_DEFAULTS, SD_FAMILY_QUICK } from "../../../src/harness/families/sd-family-settings.ts";
import { planSdFamily } from "../../../src/harness/families/plan-sd-family.ts";
import { planVthr } from "../../../src/harness/vthr/plan-vthr.ts";

const edges = (members: { id: string; parent?: string }[]) =>
  members
    .filter((m) => m.parent)
    .map((m) => `${m.parent}>${m.id}`)
    .sort();

describe("planLlamaFamily", () => {
  test("mirrors Llama 2 / Code Llama: chat and code from the base, python and instruct from code, all specialization", () => {
    for (const settings of [LLAMA_FAMILY_DEFAULTS, LLAMA_FAMILY_QUICK]) {
      const members = planLlamaFamily(settings);
      expect(edges(members)).toEqual(["codellama>codellama-instruct", "codellama>codellama-python", "llama-2>codellama", "llama-2>llama-2-chat"]);
      expect(members.every((m) => m.stage === "specialization" && m.config.objective.kind === "llama-next-token")).toBe(true);
      expect(members.map((m) => (m.config.data.kind === "text" ? m.config.data.corpus : ""))).toEqual(["english", "chat", "code", "python", "instruct"]);
      expect(new Set(members.map((m) => m.config.seed)).size).toBe(members.length);
      familyTruth(members);
    }
  });

  test("is a pure function of the settings (same settings, same cache keys)", () => {
    expect(JSON.stringify(planLlamaFamily(LLAMA_FAMILY_DEFAULTS))).toBe(JSON.stringify(planLlamaFamily(LLAMA_FAMILY_DEFAULTS)));
    expect(JSON.stringify(planLlamaFamily({ ...LLAMA_FAMILY_DEFAULTS, seed: 1 }))).not.toBe(JSON.stringify(planLlamaFamily(LLAMA_FAMILY_DEFAULTS)));
  });
});

describe("planSdFamily", () => {
  test("mirrors paper Fig. 8 with generalization nodes, rooted at the VTHR MAE root's exact config", () => {
    for (const settings of [SD_FAMILY_DEFAULTS, SD_FAMILY_QUICK]) {
      const members = planSdFamily(settings);
      expect(edges(members)).toEqual(["sd-v1-1>sd-v1-2", "sd-v1-2>sd-v1-3", "sd-v1-2>sd-v1-4", "sd-v1-4>sd-v1-5"]);
      expect(members.every((m) => m.stage === "generalization" && m.config.objective.kind === "vit-masked-patches")).toBe(true);
      const vthrRoot = planVthr(settings.vthr).roots.find((r) => r.id === "mae-all")!;
      expect(members[0]!.config).toEqual(vthrRoot.config);
      // Continuations keep a constant learning rate after warmup, as SD v1 trained.
      expect(members.slice(1).every((m) => m.config.lrFloor === m.config.lr)).toBe(true);
    }
  });

  test("refuses a supervised root: the chain's objective must be generative", () => {
    expect(() => planSdFamily({ ...SD_FAMILY_DEFAULTS, rootName: "sup-all" })).toThrow("masked-patch");
    expect(() => planSdFamily({ ...SD_FAMILY_DEFAULTS, rootName: "nope" })).toThrow("no VTHR root");
  });
});
