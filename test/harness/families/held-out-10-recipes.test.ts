import { describe, expect, test } from "bun:test";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { HELD_OUT_10_RECIPES } from "../../../src/harness/families/held-out-10-recipes.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(10, HELD_OUT_10_RECIPES);
const { members: set10, edges, jobs } = view;

describe("held-out set 10 recipes", () => {
  test("five PyTorch-trained LM families, 26 true edges, seeds 2121–2125 no earlier family used, stored bf16", () => {
    const names = ["llama3-freeze@2121", "qwen2-ckpt-avg@2122", "gemma-qat@2123", "mistral-swa-lengths@2124", "llama2-llrd-distill@2125"];
    expectNewTorchFamilies(
      view,
      names.map((n) => `set10:${n}`),
      26,
    );
    expect(set10.map((b) => familyTruth(b.members).edges.length)).toEqual([5, 5, 6, 5, 5]);
    expect(set10.every((b) => b.dtype === "BF16")).toBe(true);
  });

  test("layer freezing: embeddings and head, every MLP, the lower two of four blocks", () => {
    expect(edges("llama3-freeze")).toEqual([
      "l3f-base>l3f-chat",
      "l3f-base>l3f-code",
      "l3f-base>l3f-instruct",
      "l3f-code>l3f-code-instruct",
      "l3f-code>l3f-code-python",
    ]);
    const l3 = jobs("llama3-freeze");
    expect(l3.map((j) => j.freeze ?? null)).toEqual([null, ["embed_tokens", "lm_head"], null, null, ["mlp."], ["embed_tokens", "layers.0.", "layers.1."]]);
    expect(l3.every((j) => j.config.depth === 4 && j.config.kv_heads === 2 && !j.config.tied)).toBe(true);
  });

  test("checkpoint-averaged releases (base, chat SFT, code stage) and Adamax", () => {
    expect(edges("qwen2-ckpt-avg")).toEqual([
      "qwen-base>qwen-chat",
      "qwen-base>qwen-code",
      "qwen-base>qwen-instruct",
      "qwen-chat>qwen-chat-v2",
      "qwen-code>qwen-code-python",
    ]);
    const qwen = jobs("qwen2-ckpt-avg");
    expect(qwen.map((j) => j.average_last ?? null)).toEqual([{ every: 100, count: 5 }, { every: 25, count: 6 }, null, null, { every: 50, count: 4 }, null]);
    expect(qwen.map((j) => j.optimizer.kind)).toEqual(["adamw", "adamw", "adamw", "adamax", "adamax", "adamw"]);
  });

  test("quantisation-aware tunes: int4 released as float weights and on the grid, int8; every matrix divisible by the group", () => {
    expect(edges("gemma-qat")).toEqual([
      "codegemma>codegemma-python-qat8",
      "gemma-base>codegemma",
      "gemma-base>gemma-chat",
      "gemma-base>gemma-it",
      "gemma-chat>gemma-chat-qat-q4",
      "gemma-it>gemma-it-qat",
    ]);
    const gemma = jobs("gemma-qat");
    expect(gemma.map((j) => j.qat ?? null)).toEqual([
      null,
      null,
      { bits: 4, group: 32, release: "master" },
      null,
      { bits: 4, group: 32, release: "grid" },
      null,
      { bits: 8, group: 32, release: "master" },
    ]);
    expect(gemma.every((j) => j.config.dim % 32 === 0 && j.config.mlp % 32 === 0)).toBe(true);
  });

  test("sliding-window attention; tunes of 25 and 30 steps beside ones as long as the base, one on 6 kB", () => {
    expect(edges("mistral-swa-lengths")).toEqual([
      "mistral-base>mistral-chat-blip",
      "mistral-base>mistral-code",
      "mistral-base>mistral-instruct-tiny",
      "mistral-code>mistral-code-python-long",
      "mistral-code>mistral-code-python-short",
    ]);
    const mistral = jobs("mistral-swa-lengths");
    expect(mistral.every((j) => j.config.sliding_window === 8 && j.config.context === 32)).toBe(true);
    expect(mistral.map((j) => j.steps)).toEqual([1500, 25, 1500, 600, 1500, 30]);
    expect(mistral[2]!.maxBytes).toBe(6000);
  });

  test("layer-wise lr decay on SFTs; students started at the base, distilled from the DPO model and from the first student", () => {
    expect(edges("llama2-llrd-distill")).toEqual([
      "llrd-base>llrd-instruct",
      "llrd-base>llrd-student",
      "llrd-base>llrd-student-2",
      "llrd-instruct>llrd-instruct-dpo",
      "llrd-student>llrd-student-python",
    ]);
    const llrd = jobs("llama2-llrd-distill");
    expect(llrd.map((j) => j.lr_layer_decay ?? null)).toEqual([null, 0.6, null, null, null, 0.6]);
    expect([llrd[3]!.distill?.teacher, llrd[4]!.distill?.teacher]).toEqual(["llrd-instruct-dpo", "llrd-student"]);
  });

  test("earlier sets keep their cache keys; set 10's members all have keys of their own (a student's names its teacher's)", () => {
    expect(new Set(trainedKeys("set10:gemma-qat@2123").values()).size).toBe(7);
    expect(new Set(trainedKeys("set10:llama2-llrd-distill@2125").values()).size).toBe(6);
    expect(trainedKeys("set9:phi3-lora-chain@2115").size).toBe(7);
  });
});

describeSealedSet(10, "gemma-qat");
