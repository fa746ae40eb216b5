import { describe, expect, test } from "bun:test";
import { HELD_OUT_5_RECIPES } from "../../../src/harness/families/held-out-5-recipes.ts";
import type { TorchLmJob } from "../../../src/harness/families/torch-lm-family.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, jobsOf, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(5, HELD_OUT_5_RECIPES);
const { earlierTorch, plan, edges, jobs } = view;

describe("held-out set 5 recipes", () => {
  test("six PyTorch-trained LM families, 31 true edges, seeds 2071–2076 no earlier family used", () => {
    expectNewTorchFamilies(
      view,
      ["set5:gemma-tied@2071", "set5:phi-dpo@2072", "set5:olmo-sgd@2073", "set5:neox-lamb@2074", "set5:llama2-ema@2075", "set5:falcon-chain@2076"],
      31,
    );
  });

  test("trees: near-duplicate siblings (same data, another lr), DPO on an SFT, mixed full/LoRA, the Llama 2 tree, a chain of 7", () => {
    expect(edges("gemma-tied")).toEqual([
      "codegemma>codegemma-it",
      "codegemma>codegemma-py",
      "gemma-base>codegemma",
      "gemma-base>gemma-it",
      "gemma-base>gemma-it-hot",
    ]);
    const gemma = plan("gemma-tied");
    const [it, hot] = ["gemma-it", "gemma-it-hot"].map((id) => gemma.find((m) => m.id === id)!);
    expect(it!.parent).toBe(hot!.parent!);
    expect(it!.config.data).toEqual(hot!.config.data.kind === "text" ? { ...hot!.config.data, seed: it!.config.data.seed } : hot!.config.data);
    expect(hot!.config.lr).toBeCloseTo(3 * it!.config.lr, 12);
    expect(edges("phi-dpo")).toContain("phi-sft>phi-sft-dpo");
    expect(edges("llama2-ema")).toEqual([
      "ember-base>ember-chat",
      "ember-base>ember-chat-lowlr",
      "ember-base>ember-code",
      "ember-code>ember-code-instruct",
      "ember-code>ember-code-python",
    ]);
    const neox = plan("neox-lamb");
    expect(neox.filter((m) => m.config.lora).map((m) => m.id)).toEqual(["pythia-chat-lora", "pythia-code-lora"]);
    const olmo = plan("olmo-sgd");
    // A LoRA on a fine-tune, next to a full tune of the same parent.
    expect(olmo.find((m) => m.config.lora)!.parent).toBe("olmo-code");
    const chain = plan("falcon-chain");
    expect(chain.length).toBe(7);
    chain.slice(1).forEach((m, i) => expect(m.parent).toBe(chain[i]!.id));
  });

  test("architectures and names no earlier set has: Gemma, OLMo, Phi, GPT-NeoX, Falcon", () => {
    expect(jobs("gemma-tied")[0]!).toMatchObject({ arch: "gemma", init: "hf", config: { kv_heads: 1, tied: true, mlp: 256 } });
    expect(jobs("phi-dpo")[0]!).toMatchObject({ arch: "phi", config: { rotary_pct: 0.5, mlp: 256 } });
    expect(jobs("olmo-sgd")[0]!.arch).toBe("olmo");
    expect(jobs("neox-lamb")[0]!).toMatchObject({ arch: "gpt_neox", config: { rotary_pct: 0.25 } });
    expect(jobs("llama2-ema")[0]!.arch).toBe("llama");
    expect(jobs("falcon-chain")[0]!).toMatchObject({ arch: "falcon", config: { kv_heads: 1, tied: true } });
    const earlierArchs = new Set(earlierTorch.flatMap(jobsOf).map((j) => j.arch));
    for (const arch of ["gemma", "olmo", "phi", "gpt_neox", "falcon"]) expect(earlierArchs.has(arch as TorchLmJob["arch"])).toBe(false);
    expect(earlierTorch.flatMap(jobsOf).some((j) => j.config.rotary_pct !== undefined)).toBe(false);
  });

  test("recipes no earlier set has: LAMB, heavy-ball SGD without decay, warm restarts, EMA releases, DPO; decay with and without tied embeddings", () => {
    expect(jobs("neox-lamb").map((j) => j.optimizer.kind)).toEqual(["lamb", "lamb", "adamw", "adamw", "lamb", "lamb"]);
    expect(jobs("neox-lamb")[2]!.lora).toMatchObject({ rank: 8, targets: ["attention.query_key_value", "attention.dense"], dropout: 0.05 });
    expect(jobs("olmo-sgd").every((j) => j.optimizer.kind === "sgd" && j.optimizer.momentum === 0.9 && !j.optimizer.nesterov && !j.optimizer.wd)).toBe(true);
    expect(jobs("gemma-tied").map((j) => j.schedule)).toEqual(["cosine-restarts", "linear", "linear", "cosine-restarts", "linear", "linear"]);
    expect(jobs("gemma-tied").every((j) => j.optimizer.wd === 0 && j.autocast === "bf16")).toBe(true);
    expect(jobs("falcon-chain").every((j) => j.schedule === "cosine-restarts" && j.optimizer.wd === 0.1)).toBe(true);
    expect(jobs("llama2-ema").map((j) => j.ema)).toEqual([0.998, 0.99, 0.99, 0.995, 0.99, 0.99]);
    expect(jobs("phi-dpo").map((j) => j.dpo?.beta)).toEqual([undefined, undefined, 0.1, undefined, undefined, undefined]);
    // Weight decay on untied embeddings (Phi, Llama 2 EMA) and none on untied ones (OLMo); tied with (Falcon) and without (Gemma).
    expect(jobs("phi-dpo")[0]!.optimizer.wd).toBe(0.1);
    expect(jobs("phi-dpo")[0]!.config.tied).toBeUndefined();
    for (const job of earlierTorch.flatMap(jobsOf)) {
      expect(job.optimizer.kind).not.toBe("lamb");
      expect(job.schedule).not.toBe("cosine-restarts");
      expect(job.ema ?? job.dpo).toBeUndefined();
    }
  });

  test("earlier sets keep their cache keys (set 2's frozen keys, and set 4's trained ones in /work/set4-protocol.md)", () => {
    expect(trainedKeys("set2:sgd-star@2041").get("atlas-instruct")).toBe("10ee143703c4fe640aed1ee236bf2daa06eb2723722e452f64b1ae3508246952");
    expect(trainedKeys("set4:qwen-tree@2061").get("qwen2-py-chat")?.slice(0, 16)).toBe("12d34adbb839bb3b");
    expect(trainedKeys("set4:lora-on-ft@2064").get("lm32-code-python-lora")?.slice(0, 16)).toBe("ac38f9cd4af8c0ae");
    expect(trainedKeys("set4:deep-cpt@2063").get("pico-anneal")?.slice(0, 16)).toBe("5205e5d297167811");
  });
});

describeSealedSet(5, "olmo-sgd");
