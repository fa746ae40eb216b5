import { describe, expect, test } from "bun:test";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { HELD_OUT_6_RECIPES } from "../../../src/harness/families/held-out-6-recipes.ts";
import type { TorchLmJob } from "../../../src/harness/families/torch-lm-family.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, jobsOf, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(6, HELD_OUT_6_RECIPES);
const { members: set6, earlierTorch, plan, edges, jobs } = view;
const earlierJobs = earlierTorch.flatMap(jobsOf);

describe("held-out set 6 recipes", () => {
  test("six PyTorch-trained LM families, 32 true edges, seeds 2081–2086 no earlier family used", () => {
    const names = ["mixtral-muon@2081", "bloom-adagrad@2082", "gptj-schedulefree@2083", "stablelm-distill@2084", "qwen2-qlora@2085", "starcoder2-star@2086"];
    expectNewTorchFamilies(
      view,
      names.map((n) => `set6:${n}`),
      32,
    );
    expect(set6.map((b) => familyTruth(b.members).edges.length)).toEqual([5, 5, 6, 5, 6, 5]);
  });

  test("trees: a chain of 7, two mixed trees (full tunes, ORPO, QLoRA, LoRA), a distilled sibling, near-duplicate siblings, three levels", () => {
    const chain = plan("gptj-schedulefree");
    expect(chain.length).toBe(7);
    chain.slice(1).forEach((m, i) => expect(m.parent).toBe(chain[i]!.id));
    expect(edges("qwen2-qlora")).toEqual([
      "qwen2-base>qwen2-chat-qlora",
      "qwen2-base>qwen2-coder",
      "qwen2-base>qwen2-instruct",
      "qwen2-base>qwen2-orpo",
      "qwen2-coder>qwen2-coder-python",
      "qwen2-coder>qwen2-coder-qlora",
    ]);
    expect(
      plan("qwen2-qlora")
        .filter((m) => m.config.lora)
        .map((m) => m.id),
    ).toEqual(["qwen2-chat-qlora", "qwen2-coder-qlora"]);
    // The distilled model starts at the base (its parent) and learns from its sibling, which is trained first.
    const stablelm = plan("stablelm-distill");
    const distilled = stablelm.find((m) => m.id === "stablelm-chat-distilled")!;
    expect(distilled.parent).toBe("stablelm-base");
    expect(jobs("stablelm-distill")[2]!.distill).toEqual({ teacher: "stablelm-chat", temperature: 2, alpha: 0.5 });
    expect(stablelm.findIndex((m) => m.id === "stablelm-chat")).toBeLessThan(stablelm.indexOf(distilled));
    expect(edges("starcoder2-star")).toEqual([
      "starcoder2-base>starcoder2-instruct",
      "starcoder2-base>starcoder2-python",
      "starcoder2-instruct>starcoder2-instruct-chat",
      "starcoder2-instruct>starcoder2-instruct-chat-hot",
      "starcoder2-instruct>starcoder2-instruct-lora",
    ]);
    expect(edges("bloom-adagrad")).toContain("bloom-code-python>bloom-code-python-instruct");
    expect(edges("mixtral-muon")).toContain("mixtral-instruct>mixtral-instruct-kto");
  });

  test("architectures no earlier set has: Mixtral experts, StableLM 2, Starcoder2, BLOOM, GPT-J; and an untied Qwen2", () => {
    expect(jobs("mixtral-muon")[0]!).toMatchObject({ arch: "mixtral", init: "hf", config: { experts: 4, top_k: 2, router_aux: 0.02, kv_heads: 2 } });
    expect(jobs("bloom-adagrad")[0]!).toMatchObject({ arch: "bloom", config: { mlp: 256 } });
    expect(jobs("gptj-schedulefree")[0]!).toMatchObject({ arch: "gptj", config: { rotary_pct: 0.25 } });
    expect(jobs("stablelm-distill")[0]!).toMatchObject({ arch: "stablelm", config: { rotary_pct: 0.25 } });
    expect(jobs("starcoder2-star")[0]!).toMatchObject({ arch: "starcoder2", config: { kv_heads: 2, tied: true } });
    expect(jobs("qwen2-qlora")[0]!).toMatchObject({ arch: "qwen2", config: { kv_heads: 2, qkv_bias: true, rope_theta: 1e6 } });
    expect(jobs("qwen2-qlora")[0]!.config.tied).toBeUndefined();
    const earlierArchs = new Set(earlierJobs.map((j) => j.arch));
    for (const arch of ["mixtral", "stablelm", "starcoder2", "bloom", "gptj"]) expect(earlierArchs.has(arch as TorchLmJob["arch"])).toBe(false);
    // Every earlier Qwen2 was tied.
    expect(earlierJobs.filter((j) => j.arch === "qwen2").every((j) => j.config.tied)).toBe(true);
  });

  test("recipes no earlier set has: Muon, schedule-free AdamW, Adagrad, AdamW wd 0.3 with clip 0.5, KTO, ORPO, distillation, QLoRA; decay and none, tied and untied", () => {
    expect(jobs("mixtral-muon").map((j) => j.optimizer.kind)).toEqual(["muon", "adamw", "adamw", "muon", "adamw", "adamw"]);
    expect(jobs("mixtral-muon").map((j) => j.kto?.beta)).toEqual([undefined, undefined, 0.1, undefined, undefined, undefined]);
    expect(jobs("bloom-adagrad").every((j) => j.optimizer.kind === "adagrad" && !j.optimizer.wd)).toBe(true);
    expect(jobs("gptj-schedulefree").every((j) => j.optimizer.kind === "adamw-schedulefree" && j.optimizer.wd === 0.05 && j.schedule === "constant")).toBe(
      true,
    );
    expect(jobs("stablelm-distill").every((j) => j.optimizer.wd === 0.3 && j.optimizer.clip === 0.5)).toBe(true);
    const qwen = jobs("qwen2-qlora");
    expect(qwen.map((j) => j.lora?.merge_into)).toEqual([undefined, undefined, undefined, "original", undefined, "dequantized", undefined]);
    expect(qwen.filter((j) => j.lora).every((j) => j.lora!.quantize === "nf4" && j.lora!.targets.length === 7)).toBe(true);
    expect(qwen[2]!.orpo).toEqual({ lambda: 0.1 });
    expect(jobs("starcoder2-star").every((j) => j.optimizer.wd === 0 || j.lora)).toBe(true);
    expect(jobs("starcoder2-star")[5]!.lora).toMatchObject({ rank: 16, targets: expect.arrayContaining(["mlp.c_fc", "mlp.c_proj"]) });
    for (const job of earlierJobs) {
      expect(["muon", "adamw-schedulefree", "adagrad"]).not.toContain(job.optimizer.kind);
      expect(job.orpo ?? job.kto ?? job.distill ?? job.lora?.quantize).toBeUndefined();
      // Set 4's Lion had wd 0.3 (Lion's decoupled decay is scaled by its small lr); no earlier AdamW decayed that hard or clipped that tight.
      if (job.optimizer.kind === "adamw") expect((job.optimizer.wd ?? 0) < 0.3 && (job.optimizer.clip ?? 1) >= 1).toBe(true);
    }
  });

  test("earlier sets keep their cache keys (set 5's trained keys in /work/set5-protocol.md); a distilled member's key follows its teacher's", () => {
    expect(trainedKeys("set5:falcon-chain@2076").get("falcon-r5")?.slice(0, 16)).toBe("5b51cbae27d0c2d0");
    expect(trainedKeys("set5:phi-dpo@2072").get("phi-sft-dpo")?.slice(0, 16)).toBe("8c886469e404f8f4");
    expect(trainedKeys("set5:neox-lamb@2074").get("pythia-chat-lora")?.slice(0, 16)).toBe("0df4d6aae2903c49");
    const keys = trainedKeys("set6:stablelm-distill@2084");
    expect(new Set(keys.values()).size).toBe(6);
  });
});

describeSealedSet(6, "bloom-adagrad");
