import { describe, expect, test } from "bun:test";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { HELD_OUT_8_RECIPES } from "../../../src/harness/families/held-out-8-recipes.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(8, HELD_OUT_8_RECIPES);
const { members: set8, plan, edges, jobs } = view;

describe("held-out set 8 recipes", () => {
  test("five PyTorch-trained LM families, 26 true edges, seeds 2101–2105 no earlier family used", () => {
    const names = ["llama3-coder@2101", "olmo-longctx@2102", "stablelm-lion@2103", "neox-siblings@2104", "mistral-codemix@2105"];
    expectNewTorchFamilies(
      view,
      names.map((n) => `set8:${n}`),
      26,
    );
    expect(set8.map((b) => familyTruth(b.members).edges.length)).toEqual([6, 5, 5, 5, 5]);
  });

  test("class A: a long code stage beside instruction and chat tunes of the same base, with tunes of its own", () => {
    expect(edges("llama3-coder")).toEqual([
      "llama3-base>llama3-chat",
      "llama3-base>llama3-code",
      "llama3-base>llama3-instruct",
      "llama3-code>llama3-code-instruct",
      "llama3-code>llama3-code-python",
      "llama3-instruct>llama3-instruct-dpo",
    ]);
    const llama3 = jobs("llama3-coder");
    expect(llama3.map((j) => [j.steps, j.optimizer.wd ?? null])).toEqual([
      [1500, 0.1],
      [250, 0],
      [150, 0],
      [250, 0],
      [700, 0.1],
      [200, 0],
      [300, 0.1],
    ]);
    expect(llama3[2]!.dpo).toEqual({ beta: 0.1 });
    expect(llama3.every((j) => j.config.kv_heads === 2 && j.config.rope_theta === 5e5)).toBe(true);
  });

  test("class B: an unlabelled continued-pre-training chain with a long-context stage (truth: generalization)", () => {
    const chain = plan("olmo-longctx");
    expect(chain.slice(0, 5).map((m) => m.parent)).toEqual([undefined, "olmo-base", "olmo-long", "olmo-long-code", "olmo-long-python"]);
    expect(chain[5]!.parent).toBe("olmo-long");
    const olmo = jobs("olmo-longctx");
    expect(olmo.map((j) => [j.config.context, j.config.rope_theta, j.batch])).toEqual([[32, 1e4, 16], ...Array.from({ length: 5 }, () => [128, 1e6, 4])]);
    expect(
      familyTruth(chain)
        .models.filter((m) => m.stage === "generalization")
        .map((m) => m.id),
    ).toEqual(["olmo-base", "olmo-long", "olmo-long-code", "olmo-long-python"]);
  });

  test("class C: a Lion code stage (sign steps) beside AdamW tunes", () => {
    const lion = jobs("stablelm-lion");
    expect(lion.map((j) => j.optimizer.kind)).toEqual(["adamw", "adamw", "adamw", "lion", "adamw", "adamw"]);
    expect(lion[3]!.optimizer).toMatchObject({ wd: 1, beta2: 0.99 });
    expect(edges("stablelm-lion")).toContain("stablelm-code>stablelm-code-python");
  });

  test("class D: siblings tuned on the same data (three chat tunes of one base; two Python tunes of one code model)", () => {
    const neox = plan("neox-siblings");
    const chats = neox.filter((m) => m.parent === "pythia-base" && m.id.startsWith("pythia-chat"));
    expect(chats.map((m) => m.id)).toEqual(["pythia-chat", "pythia-chat-b", "pythia-chat-lora"]);
    expect(jobs("neox-siblings")[3]!.lora).toMatchObject({ rank: 16, targets: ["attention.query_key_value", "attention.dense"] });
    expect(edges("mistral-codemix")).toEqual(
      [
        "codestral>codestral-instruct",
        "codestral>codestral-python",
        "codestral>codestral-python-b",
        "mistral-base>codestral",
        "mistral-base>mistral-instruct",
      ].sort(),
    );
    expect(jobs("mistral-codemix").every((j) => j.autocast === "bf16")).toBe(true);
  });

  test("earlier sets keep their cache keys (set 7's as trained); set 8's members all have keys of their own", () => {
    expect(new Set(trainedKeys("set8:llama3-coder@2101").values()).size).toBe(7);
    expect(trainedKeys("set7:phi3-simpo@2091").size).toBe(6);
  });
});

describeSealedSet(8, "olmo-longctx");
