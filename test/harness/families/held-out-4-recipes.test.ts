import { describe, expect, test } from "bun:test";
import { FAMILY_BENCHMARKS } from "../../../src/harness/direction/lm-benchmarks.ts";
import { benchmarksNamed, familyBenchmarks, isSealed } from "../../../src/harness/families/family-benchmarks.ts";
import { HELD_OUT_4_RECIPES } from "../../../src/harness/families/held-out-4-recipes.ts";
import { describeSealedSet, expectNewTorchFamilies, heldOutSet, jobsOf, trainedKeys } from "./held-out-set.ts";

const view = heldOutSet(4, HELD_OUT_4_RECIPES);
const { members: set4, earlier, earlierTorch, plan, edges, jobs } = view;

describe("held-out set 4 recipes", () => {
  test("five PyTorch-trained LM families, 24 true edges, seeds 2061–2065 no earlier family used", () => {
    expectNewTorchFamilies(view, ["set4:qwen-tree@2061", "set4:mistral-lion@2062", "set4:deep-cpt@2063", "set4:lora-on-ft@2064", "set4:adafactor-t5@2065"], 24);
    const configs = new Set(earlier.flatMap((b) => b.members.map((m) => JSON.stringify(m.config))));
    expect(set4.flatMap((b) => b.members).some((m) => configs.has(JSON.stringify(m.config)))).toBe(false);
  });

  test("trees: a Qwen-like 3-branch tree, the Llama 2 tree, a chain of 7, LoRAs on fine-tunes, two depth-2 branches", () => {
    expect(edges("qwen-tree")).toEqual([
      "qwen2-base>qwen2-coder",
      "qwen2-base>qwen2-instruct",
      "qwen2-base>qwen2-py",
      "qwen2-coder>qwen2-coder-instruct",
      "qwen2-py>qwen2-py-chat",
    ]);
    expect(edges("mistral-lion")).toEqual([
      "codestral>codestral-instruct",
      "codestral>codestral-python",
      "mistral-base>codestral",
      "mistral-base>mistral-chat",
    ]);
    const chain = plan("deep-cpt");
    expect(chain.length).toBe(7);
    chain.slice(1).forEach((m, i) => expect(m.parent).toBe(chain[i]!.id));
    expect(new Set(chain.map((m) => m.stage))).toEqual(new Set(["generalization"]));
    const lora = plan("lora-on-ft");
    const root = lora.find((m) => m.parent === undefined)!.id;
    const adapters = lora.filter((m) => m.config.lora);
    expect(adapters.map((m) => m.id)).toEqual(["lm32-chat-instruct-lora", "lm32-chat-python-lora", "lm32-code-python-lora"]);
    // A LoRA on a fine-tune: no adapter hangs off the base.
    expect(adapters.every((m) => m.parent !== root)).toBe(true);
    expect(edges("adafactor-t5")).toEqual([
      "t5ish-base>t5ish-chat",
      "t5ish-base>t5ish-python",
      "t5ish-chat>t5ish-chat-v2",
      "t5ish-python>t5ish-python-instruct",
    ]);
  });

  test("shapes no earlier set has: Qwen2 (GQA, q/k/v biases, tied; 1.6 M), Mistral multi-query, Llama 3.2 (GQA, tied), dim 96 × depth 3", () => {
    expect(jobs("qwen-tree")[0]!).toMatchObject({
      arch: "qwen2",
      init: "hf",
      config: { dim: 192, depth: 4, heads: 6, kv_heads: 2, qkv_bias: true, tied: true, rope_theta: 1e6 },
    });
    expect(jobs("mistral-lion")[0]!).toMatchObject({ arch: "mistral", config: { kv_heads: 1 } });
    expect(jobs("lora-on-ft")[0]!).toMatchObject({ arch: "llama", config: { kv_heads: 2, tied: true, rope_theta: 5e5 } });
    expect(jobs("adafactor-t5")[0]!.config).toMatchObject({ dim: 96, depth: 3, mlp: 256, dropout: 0.1 });
    for (const b of earlierTorch) {
      for (const job of jobsOf(b)) {
        expect(["llama", "gpt2"]).toContain(job.arch);
        expect(job.config.kv_heads ?? job.config.qkv_bias ?? job.config.tied ?? job.config.dropout).toBeUndefined();
      }
    }
  });

  test("recipes no earlier set has: Lion, Adafactor, WSD / linear / constant / inverse-√ schedules, label smoothing, dropout, autocast, accumulation", () => {
    expect(jobs("mistral-lion").every((j) => j.optimizer.kind === "lion")).toBe(true);
    expect(jobs("adafactor-t5").every((j) => j.optimizer.kind === "adafactor" && j.schedule === "inverse-sqrt" && j.label_smoothing === 0.1)).toBe(true);
    // Dropout only in the base: the fine-tunes' own settings replace the family's shape.
    expect(jobs("adafactor-t5").map((j) => j.config.dropout ?? 0)).toEqual([0.1, 0, 0, 0, 0]);
    expect(jobs("qwen-tree").map((j) => j.schedule)).toEqual(["wsd", "linear", "wsd", "linear", "wsd", "linear"]);
    expect(jobs("qwen-tree").every((j) => j.autocast === "bf16" && j.batch === 24)).toBe(true);
    expect(jobs("deep-cpt").every((j) => j.schedule === "wsd" && j.accumulate === 2 && j.batch === 8)).toBe(true);
    const chat = jobs("lora-on-ft")[1]!;
    expect(chat).toMatchObject({ schedule: "constant", label_smoothing: 0.1, config: { dropout: 0.1, kv_heads: 2, tied: true } });
    const adapter = jobs("lora-on-ft")[2]!;
    expect(adapter.lora).toEqual({ rank: 8, alpha: 16, targets: expect.arrayContaining(["mlp.down_proj", "self_attn.o_proj"]), dropout: 0.05 });
    for (const b of earlierTorch) {
      for (const job of jobsOf(b)) {
        expect(["lion", "adafactor"]).not.toContain(job.optimizer.kind);
        expect(job.schedule ?? job.label_smoothing ?? job.autocast ?? job.accumulate).toBeUndefined();
      }
    }
  });

  test("earlier sets keep their cache keys (the artefact keys frozen for set 2 in /work/lmfam-findings.md)", () => {
    expect(trainedKeys("set2:sgd-star@2041").get("atlas-instruct")).toBe("10ee143703c4fe640aed1ee236bf2daa06eb2723722e452f64b1ae3508246952");
    expect(trainedKeys("set2:lora-star@2044").get("orca-python-lora")).toBe("bb5ee1a278d0f6e175f288e912ad4f36635f9cbb4490618fcb1798aa9f632e3c");
    expect(trainedKeys("set2:rmsprop-levels@2042").get("gpt2-mini-python")).toBe("89a3d1cf0f6c48d8b66cab989058f49d5dece8f229ecd2060e6080307675ed29");
  });
});

describeSealedSet(4, "deep-cpt");

describe("the sets before set 4 stay open", () => {
  test("no earlier set is sealed, set 3 is on the leaderboard, and a full run reads every open family", () => {
    expect(familyBenchmarks().filter((b) => b.heldOutSet < 4 && isSealed(b))).toEqual([]);
    expect(FAMILY_BENCHMARKS.some((b) => b.name.startsWith("set3:"))).toBe(true);
    const names = (words?: string[]) => benchmarksNamed(words).map((b) => b.name);
    expect(names().length).toBe(familyBenchmarks().filter((b) => !isSealed(b)).length);
    expect(names(["set"]).every((n) => n.startsWith("set2:") || n.startsWith("set3:"))).toBe(true);
    expect(names(["sd@"]).length).toBe(3);
  });
});
