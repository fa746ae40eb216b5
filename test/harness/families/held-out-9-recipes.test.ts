import { describe, expect, test } from "bun:test";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { HELD_OUT_9_RECIPES } from "../../../src/harness/families/held-out-9-recipes.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(9, HELD_OUT_9_RECIPES);
const { members: set9, plan, edges, jobs } = view;

describe("held-out set 9 recipes", () => {
  test("five PyTorch-trained LM families, 26 true edges, seeds 2111–2115 no earlier family used", () => {
    const names = ["qwen2-lora-ranks@2111", "llama32-pref-chain@2112", "starcoder2-cpt@2113", "gpt2-siblings@2114", "phi3-lora-chain@2115"];
    expectNewTorchFamilies(
      view,
      names.map((n) => `set9:${n}`),
      26,
    );
    expect(set9.map((b) => familyTruth(b.members).edges.length)).toEqual([5, 5, 5, 5, 6]);
    expect(set9.map((b) => b.dtype)).toEqual(["BF16", "BF16", "BF16", "F32", "BF16"]);
  });

  test("merged LoRAs at ranks 4, 16 and 32 of one base beside a full SFT, and a LoRA of the SFT", () => {
    expect(edges("qwen2-lora-ranks")).toEqual([
      "qwen-base>qwen-chat",
      "qwen-base>qwen-code-lora16",
      "qwen-base>qwen-instruct-lora4",
      "qwen-base>qwen-python-lora32",
      "qwen-chat>qwen-chat-lora8",
    ]);
    const qwen = jobs("qwen2-lora-ranks");
    expect(qwen.map((j) => j.lora?.rank ?? null)).toEqual([null, null, 4, 16, 32, 8]);
    expect(qwen[2]!.lora!.targets).toEqual(["self_attn.q_proj", "self_attn.v_proj"]);
    expect(qwen.every((j) => j.config.qkv_bias === true && j.config.tied === true && j.config.kv_heads === 2)).toBe(true);
  });

  test("an SFT → DPO → SFT chain; a short low-rate SFT with an IPO tune under it", () => {
    expect(edges("llama32-pref-chain")).toEqual([
      "l32-base>l32-chat-short",
      "l32-base>l32-instruct",
      "l32-chat-short>l32-chat-short-ipo",
      "l32-instruct-dpo>l32-instruct-dpo-chat",
      "l32-instruct>l32-instruct-dpo",
    ]);
    const l32 = jobs("llama32-pref-chain");
    expect(l32.map((j) => j.schedule)).toEqual(["wsd", "linear", "linear", "linear", "linear", "linear"]);
    expect([l32[2]!.dpo, l32[5]!.ipo]).toEqual([{ beta: 0.1 }, { tau: 0.1 }]);
    expect([l32[4]!.steps, l32[4]!.lr]).toEqual([60, 5e-5]);
  });

  test("an unlabelled continued-pre-training chain, each stage on its own schedule (truth: generalization)", () => {
    const chain = plan("starcoder2-cpt");
    expect(chain.map((m) => m.parent)).toEqual([undefined, "sc2-base", "sc2-python", "sc2-english", "sc2-anneal", "sc2-python"]);
    expect(jobs("starcoder2-cpt").map((j) => j.schedule)).toEqual([undefined, "inverse-sqrt", "constant", "linear", "linear", "linear"]);
    expect(
      familyTruth(chain)
        .models.filter((m) => m.stage === "generalization")
        .map((m) => m.id),
    ).toEqual(["sc2-base", "sc2-python", "sc2-english", "sc2-anneal"]);
  });

  test("three chat SFTs of one base on the same data (plain, EMA release, accumulated), stored in float32", () => {
    const g2 = plan("gpt2-siblings");
    expect(g2.filter((m) => m.parent === "g2-base" && m.id.startsWith("g2-chat")).map((m) => m.id)).toEqual(["g2-chat", "g2-chat-ema", "g2-chat-accum"]);
    const jobs2 = jobs("gpt2-siblings");
    expect([jobs2[2]!.ema, jobs2[3]!.accumulate, jobs2[3]!.steps]).toEqual([0.99, 2, 125]);
    expect(jobs2.every((j) => j.arch === "gpt2" && j.dtype === "F32")).toBe(true);
  });

  test("a merged LoRA at a chain's end beside a code → instruct → DPO chain and a short SFT of the base", () => {
    expect(edges("phi3-lora-chain")).toEqual([
      "phi3-base>phi3-chat",
      "phi3-base>phi3-code",
      "phi3-base>phi3-instruct-short",
      "phi3-chat>phi3-chat-lora",
      "phi3-code-instruct>phi3-code-instruct-dpo",
      "phi3-code>phi3-code-instruct",
    ]);
    const phi3 = jobs("phi3-lora-chain");
    expect(phi3[5]!.lora).toMatchObject({ rank: 32, targets: ["self_attn.qkv_proj", "self_attn.o_proj"] });
    expect(phi3[4]!.label_smoothing).toBe(0.1);
  });

  test("earlier sets keep their cache keys; set 9's members all have keys of their own", () => {
    expect(new Set(trainedKeys("set9:phi3-lora-chain@2115").values()).size).toBe(7);
    expect(trainedKeys("set8:llama3-coder@2101").size).toBe(7);
  });
});

describeSealedSet(9, "starcoder2-cpt");
