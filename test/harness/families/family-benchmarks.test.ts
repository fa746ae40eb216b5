import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ArtifactStore } from "../../../src/harness/artifact-store.ts";
import { familyBenchmarks } from "../../../src/harness/families/family-benchmarks.ts";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { LLAMA_RECIPES } from "../../../src/harness/families/llama-family-recipes.ts";
import { planLlamaFamily } from "../../../src/harness/families/plan-llama-family.ts";
import { torchJob, torchLmKey } from "../../../src/harness/families/torch-lm-family.ts";

const edges = (members: readonly { id: string; parent?: string }[]) =>
  members
    .filter((m) => m.parent)
    .map((m) => `${m.parent}>${m.id}`)
    .sort();

describe("familyBenchmarks", () => {
  const benchmarks = familyBenchmarks();

  test("at least six Llama-like families and three SD-like seeds, every name once", () => {
    expect(benchmarks.filter((b) => b.kind === "lm").length).toBeGreaterThanOrEqual(6);
    expect(benchmarks.filter((b) => b.kind === "chain").length).toBeGreaterThanOrEqual(3);
    expect(new Set(benchmarks.map((b) => b.name)).size).toBe(benchmarks.length);
  });

  test("every LM family before set 2 is the Llama 2 tree, every chain the SD tree, and no two benchmarks share a model's training", () => {
    const configs = new Set<string>();
    for (const benchmark of benchmarks) {
      familyTruth(benchmark.members);
      if (benchmark.heldOutSet >= 2) continue;
      if (benchmark.kind === "lm") {
        expect(edges(benchmark.members)).toEqual(["codellama>codellama-instruct", "codellama>codellama-python", "llama-2>codellama", "llama-2>llama-2-chat"]);
      } else {
        expect(edges(benchmark.members)).toEqual(["sd-v1-1>sd-v1-2", "sd-v1-2>sd-v1-3", "sd-v1-2>sd-v1-4", "sd-v1-4>sd-v1-5"]);
      }
      // The SD chains share their root (the VTHR MAE root); every other model is its benchmark's own.
      for (const member of benchmark.members.filter((m) => m.parent !== undefined)) {
        const key = JSON.stringify({ config: member.config, torch: member.torch ?? null });
        expect(configs.has(key)).toBe(false);
        configs.add(key);
      }
    }
  });

  test("the command of a benchmark names its recipe and seed", () => {
    expect(benchmarks.find((b) => b.name === "llama:llama-2@2023")?.command).toBe("bun run experiments/llama-family.ts");
    expect(benchmarks.find((b) => b.name === "llama:llama-2@2024")?.command).toBe("bun run experiments/llama-family.ts --seed 2024");
    expect(benchmarks.find((b) => b.name.startsWith("llama:gpt2@"))?.command).toBe("bun run experiments/llama-family.ts --recipe gpt2");
    expect(benchmarks.find((b) => b.name === "sd@2025")?.command).toBe("bun run experiments/sd-family.ts --seed 2025");
    expect(benchmarks.find((b) => b.name === "llama:torch@2035")?.command).toBe("bun run experiments/llama-family.ts --recipe torch --seed 2035");
  });

  test("held out set 1: new seeds of the default and PyTorch recipes and a whole new recipe; the default recipe has five seeds", () => {
    const heldOut = benchmarks.filter((b) => b.heldOutSet === 1).map((b) => b.name);
    expect(heldOut).toEqual(["llama:llama-2@2031", "llama:llama-2@2032", "llama:llama-2@2033", "llama:torch@2035", "llama:hf-adamw@2034"]);
    expect(benchmarks.filter((b) => b.name.startsWith("llama:llama-2@")).length).toBe(5);
    expect(benchmarks.filter((b) => b.name.startsWith("llama:hf-adamw@")).every((b) => b.heldOutSet === 1)).toBe(true);
    expect(benchmarks.filter((b) => b.kind === "chain").some((b) => b.heldOutSet !== 0)).toBe(false);
  });

  test("held out set 2: six PyTorch-trained LM families, each its own seed, trained by lm-families.ts --train", () => {
    const set2 = benchmarks.filter((b) => b.heldOutSet === 2);
    expect(set2.map((b) => b.name)).toEqual([
      "set2:sgd-star@2041",
      "set2:rmsprop-levels@2042",
      "set2:cpt-chain@2043",
      "set2:lora-star@2044",
      "set2:nadam-up@2045",
      "set2:radam-wide@2046",
    ]);
    for (const b of set2) {
      expect(b.kind).toBe("lm");
      expect(b.members.every((m) => m.torch !== undefined)).toBe(true);
      expect(b.command).toBe(`bun run experiments/lm-families.ts --train --only ${b.name}`);
    }
    expect(new Set(set2.map((b) => b.family)).size).toBe(6);
    expect(set2.map((b) => b.dtype)).toEqual(["F32", "BF16", "BF16", "F32", "F32", "BF16"]);
  });

  test("held out set 3: new seeds (2051–2054) of the PyTorch Llama 2 recipe and three set-2 shapes; same trees, no model of theirs trained before", () => {
    const set3 = benchmarks.filter((b) => b.heldOutSet === 3);
    expect(set3.map((b) => b.name)).toEqual(["set3:llama-2-torch@2051", "set3:nadam-up@2052", "set3:cpt-chain@2053", "set3:rmsprop-levels@2054"]);
    const earlier = benchmarks.filter((b) => b.heldOutSet !== 3);
    const configs = new Set(earlier.flatMap((b) => b.members.map((m) => JSON.stringify(m.config))));
    for (const b of set3) {
      expect(b.command).toBe(`bun run experiments/lm-families.ts --train --only ${b.name}`);
      expect(b.members.every((m) => m.torch !== undefined && !configs.has(JSON.stringify(m.config)))).toBe(true);
      const shape = b.name === "set3:llama-2-torch@2051" ? "llama:torch@2029" : b.name.replace("set3:", "set2:").replace(/@\d+$/, "");
      const original = earlier.find((e) => e.name.startsWith(shape))!;
      expect(edges(b.members)).toEqual(edges(original.members));
    }
  });
});

describe("llama recipes", () => {
  test("LoRA recipes adapt only chat and instruct; torch recipes mark every member", () => {
    const lora = planLlamaFamily(LLAMA_RECIPES.lora!.settings);
    expect(lora.filter((m) => m.config.lora).map((m) => m.id)).toEqual(["llama-2-chat", "codellama-instruct"]);
    for (const name of ["torch", "gpt2"]) expect(planLlamaFamily(LLAMA_RECIPES[name]!.settings).every((m) => m.torch !== undefined)).toBe(true);
    expect(planLlamaFamily(LLAMA_RECIPES["llama-2"]!.settings).some((m) => m.torch !== undefined)).toBe(false);
  });

  test("the large recipe has tens of millions of weights' order: 12.9 M parameters", () => {
    const { dim, depth, mlpDim, vocabSize } = LLAMA_RECIPES.large!.settings.llama;
    const parameters = depth * (4 * dim * dim + 3 * dim * mlpDim + 2 * dim) + 2 * vocabSize * dim + dim;
    expect(parameters).toBeGreaterThan(12.8e6);
    expect(parameters).toBeLessThan(13e6);
  });
});

describe("torchJob", () => {
  test("carries our run's schedule, optimiser and data to train_lm.py's names", () => {
    const [root, chat] = planLlamaFamily(LLAMA_RECIPES.torch!.settings);
    const job = torchJob(chat!.config, { arch: "llama", init: "torch" }, "BF16");
    expect(job).toMatchObject({
      trainer: "torch",
      arch: "llama",
      init: "torch",
      dtype: "BF16",
      steps: chat!.config.steps,
      lr: chat!.config.lr,
      corpus: "chat",
    });
    expect(job.lr_floor).toBeCloseTo(0.1, 12);
    expect(job.optimizer).toEqual({ kind: "adamw", wd: 0.01, beta1: 0.9, beta2: 0.999, clip: 1 });
    expect(job.corpus_seed).toBe(chat!.config.data.kind === "text" ? chat!.config.data.seed : -1);
    expect(job.config).toMatchObject({ vocab: 256, dim: 64, depth: 2, context: 32 });
    expect(torchJob(root!.config, { arch: "gpt2", init: "hf" }, "F32").lora).toBeUndefined();
  });

  test("LoRA targets follow the architecture's names (q/v for Llama, the fused c_attn for GPT-2)", () => {
    const instruct = planLlamaFamily(LLAMA_RECIPES.lora!.settings).find((m) => m.id === "codellama-instruct")!;
    expect(torchJob(instruct.config, { arch: "llama", init: "torch" }, "BF16").lora?.targets).toEqual(["self_attn.q_proj", "self_attn.v_proj"]);
    expect(torchJob(instruct.config, { arch: "gpt2", init: "hf" }, "F32").lora?.targets).toEqual(["attn.c_attn"]);
  });
});

describe("the cache keys of the PyTorch-trained members of sets 0–9", () => {
  /**
   * SHA-256 of every such member's artefact key, one sorted line `benchmark member key` each (264 members): the keys the
   * cache holds them under, the same at fea8437 (session 16's start) and after set 10's trainer features. A change to
   * torchJob, torchLmKey, a recipe or the trainer version that moves one key retrains that member and every descendant.
   */
  const KEYS_DIGEST = "336a0347016fddc33fba6ed08b0e8c15b53782a0089803b0fc99ef01180ee0c0";

  test("stay as trained (a later set's trainer features must not move an earlier key)", () => {
    const store = new ArtifactStore("/nonexistent", { log: () => {}, now: () => 0 });
    const lines: string[] = [];
    for (const benchmark of familyBenchmarks().filter((b) => b.heldOutSet <= 9)) {
      const keys = new Map<string, string>();
      for (const member of benchmark.members) {
        if (!member.torch) continue;
        const job = torchJob(member.config, member.torch, benchmark.dtype);
        const parent = member.parent === undefined ? undefined : keys.get(member.parent);
        const teacher = job.distill === undefined ? undefined : keys.get(job.distill.teacher);
        keys.set(member.id, store.locate("torch-lm", torchLmKey(job, teacher), parent ? { parent } : {}).key);
        lines.push(`${benchmark.name} ${member.id} ${keys.get(member.id)}`);
      }
    }
    expect(lines.length).toBe(264);
    const digest = createHash("sha256").update(`${lines.sort().join("\n")}\n`);
    expect(digest.digest("hex")).toBe(KEYS_DIGEST);
  });
});
