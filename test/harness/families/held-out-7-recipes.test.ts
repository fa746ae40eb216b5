import { describe, expect, test } from "bun:test";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { HELD_OUT_7_RECIPES } from "../../../src/harness/families/held-out-7-recipes.ts";
import type { TorchLmJob } from "../../../src/harness/families/torch-lm-family.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, jobsOf, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(7, HELD_OUT_7_RECIPES);
const { members: set7, earlierTorch, plan, edges, jobs } = view;
const earlierJobs = earlierTorch.flatMap(jobsOf);

describe("held-out set 7 recipes", () => {
  test("six PyTorch-trained LM families, 31 true edges, seeds 2091–2096 no earlier family used", () => {
    const names = ["phi3-simpo@2091", "internlm2-longctx@2092", "bigcode-sophia@2093", "opt-vocab@2094", "cohere-cdpo@2095", "deepseek-moe@2096"];
    expectNewTorchFamilies(
      view,
      names.map((n) => `set7:${n}`),
      31,
    );
    expect(set7.map((b) => familyTruth(b.members).edges.length)).toEqual([5, 5, 6, 5, 5, 5]);
  });

  test("trees: a chain of 6, a star of 6, mixed trees of three levels", () => {
    const chain = plan("internlm2-longctx");
    expect(chain.length).toBe(6);
    chain.slice(1).forEach((m, i) => expect(m.parent).toBe(chain[i]!.id));
    const star = plan("bigcode-sophia");
    expect(star.slice(1).every((m) => m.parent === "bigcode-base")).toBe(true);
    expect(star.length).toBe(7);
    expect(edges("phi3-simpo")).toEqual([
      "phi3-base>phi3-chat",
      "phi3-base>phi3-code",
      "phi3-base>phi3-instruct-soup",
      "phi3-chat>phi3-chat-simpo",
      "phi3-code>phi3-code-instruct",
    ]);
    expect(edges("opt-vocab")).toContain("opt-iml-chat>opt-iml-chat-v2");
    expect(edges("cohere-cdpo")).toContain("cohere-chat>cohere-chat-cdpo");
    expect(edges("deepseek-moe")).toContain("deepseek-coder>deepseek-coder-instruct");
  });

  test("architectures no earlier set has: Phi-3, InternLM2, GPT-BigCode, OPT, Cohere, DeepSeekMoE", () => {
    expect(jobs("phi3-simpo")[0]!).toMatchObject({ arch: "phi3", init: "hf" });
    expect(jobs("internlm2-longctx")[0]!).toMatchObject({ arch: "internlm2", config: { kv_heads: 2, context: 32 } });
    expect(jobs("bigcode-sophia")[0]!).toMatchObject({ arch: "gpt_bigcode", dtype: "F32", config: { mlp: 256 } });
    expect(jobs("opt-vocab")[0]!).toMatchObject({ arch: "opt", config: { mlp: 256 } });
    expect(jobs("cohere-cdpo")[0]!).toMatchObject({ arch: "cohere", config: { logit_scale: 0.0625 } });
    expect(jobs("deepseek-moe")[0]!).toMatchObject({ arch: "deepseek", config: { experts: 4, top_k: 2, shared_experts: 1, moe_mlp: 48, first_dense: 1 } });
    const earlierArchs = new Set(earlierJobs.map((j) => j.arch));
    for (const arch of ["phi3", "internlm2", "gpt_bigcode", "opt", "cohere", "deepseek"]) expect(earlierArchs.has(arch as TorchLmJob["arch"])).toBe(false);
  });

  test("recipes no earlier set has: SimPO, IPO, cDPO, a soup, long context, added tokens, Sophia; decay and none, tied and untied", () => {
    const phi3 = jobs("phi3-simpo");
    expect(phi3[2]!.simpo).toEqual({ beta: 2, gamma: 1 });
    expect(phi3[3]!.soup).toEqual({ lr_scales: [0.5, 1, 2] });
    // Long context: the base at context 32, θ 1e4; every later link of the chain at 128, θ 1e6, with 4 sequences a batch (the same tokens).
    const chain = jobs("internlm2-longctx");
    expect(chain.map((j) => [j.config.context, j.config.rope_theta, j.batch])).toEqual([[32, 1e4, 16], ...Array.from({ length: 5 }, () => [128, 1e6, 4])]);
    expect(chain[5]!.ipo).toEqual({ tau: 0.1 });
    const bigcode = jobs("bigcode-sophia");
    expect(bigcode.map((j) => j.optimizer.kind)).toEqual(["sophia", "sophia", "sophia", "adamw", "adamw", "adamw", "adamw"]);
    expect(bigcode[6]!.lora).toMatchObject({ rank: 8, targets: ["attn.c_attn"] });
    // Added tokens: the chat SFT resizes (256 → 264) and its child keeps the larger vocabulary; nothing else does.
    const opt = jobs("opt-vocab");
    expect(opt.map((j) => [j.config.vocab, j.resize_vocab])).toEqual([
      [256, undefined],
      [256, undefined],
      [264, 8],
      [264, undefined],
      [256, undefined],
      [256, undefined],
    ]);
    expect(opt.every((j) => j.schedule === "linear")).toBe(true);
    const cohere = jobs("cohere-cdpo");
    expect(cohere.every((j) => j.optimizer.wd === 0)).toBe(true);
    expect(cohere[2]!.dpo).toEqual({ beta: 0.1, label_smoothing: 0.1 });
    expect(jobs("deepseek-moe").every((j) => j.autocast === "bf16")).toBe(true);
    expect(jobs("deepseek-moe")[0]!.optimizer.wd).toBe(0.1);
    for (const job of earlierJobs) {
      expect(job.optimizer.kind).not.toBe("sophia");
      expect(job.simpo ?? job.ipo ?? job.soup ?? job.resize_vocab ?? job.dpo?.label_smoothing).toBeUndefined();
      expect([job.config.context, job.config.vocab]).toEqual([32, 256]);
    }
  });

  test("earlier sets keep their cache keys (set 6's trained keys in /work/set6-protocol.md)", () => {
    expect(trainedKeys("set6:mixtral-muon@2081").get("mixtral-code-python")?.slice(0, 16)).toBe("51bd2ebdaabecc9b");
    expect(trainedKeys("set6:stablelm-distill@2084").get("stablelm-chat-distilled")?.slice(0, 16)).toBe("639b1c2d91c61f0b");
    expect(trainedKeys("set6:qwen2-qlora@2085").get("qwen2-coder-qlora")?.slice(0, 16)).toBe("24b437158d623a09");
    expect(new Set(trainedKeys("set7:phi3-simpo@2091").values()).size).toBe(6);
  });
});

describeSealedSet(7, "opt-vocab");
