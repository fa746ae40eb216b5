import { describe, expect, test } from "bun:test";
import { HELD_OUT_2_RECIPES } from "../../../src/harness/families/held-out-2-recipes.ts";
import { familyTruth } from "../../../src/harness/families/family-member.ts";
import { planLlamaFamily } from "../../../src/harness/families/plan-llama-family.ts";
import { torchJob } from "../../../src/harness/families/torch-lm-family.ts";

const plan = (name: string) => planLlamaFamily(HELD_OUT_2_RECIPES[name]!.settings);
const edges = (name: string) =>
  familyTruth(plan(name))
    .edges.map((e) => `${e.parent}>${e.child}`)
    .sort();
const jobs = (name: string) => plan(name).map((m) => torchJob(m.config, m.torch!, HELD_OUT_2_RECIPES[name]!.settings.dtype));

describe("held-out set 2 recipes", () => {
  test("each family has its own tree: a star of 4, three levels, a chain of 5 checkpoints, LoRA children, a star of 3, a deep branch", () => {
    expect(edges("sgd-star")).toEqual(["atlas-base>atlas-chat", "atlas-base>atlas-code", "atlas-base>atlas-instruct", "atlas-base>atlas-python"]);
    expect(edges("rmsprop-levels")).toEqual(["gpt2-mini-instruct>gpt2-mini-code", "gpt2-mini-instruct>gpt2-mini-python", "gpt2-mini>gpt2-mini-instruct"]);
    expect(edges("cpt-chain")).toEqual(["run-chat>run-code", "run-code>run-python", "run-english>run-chat", "run-python>run-instruct"]);
    expect(edges("lora-star")).toEqual(["orca-base>orca-chat-lora", "orca-base>orca-code", "orca-base>orca-instruct-lora", "orca-code>orca-python-lora"]);
    expect(edges("nadam-up")).toEqual(["gpt2-nano>gpt2-nano-chat", "gpt2-nano>gpt2-nano-code", "gpt2-nano>gpt2-nano-instruct"]);
    expect(edges("radam-wide")).toEqual(["vega-code-python>vega-code-python-instruct", "vega-code>vega-code-python", "vega>vega-chat", "vega>vega-code"]);
  });

  test("only the continued pre-training chain is generalization; every other model is a fine-tune (specialization)", () => {
    for (const name of Object.keys(HELD_OUT_2_RECIPES)) {
      const stages = new Set(plan(name).map((m) => m.stage));
      expect([...stages]).toEqual([name === "cpt-chain" ? "generalization" : "specialization"]);
    }
  });

  test("torch.optim optimisers none of the other families use, with their settings", () => {
    const kinds = Object.keys(HELD_OUT_2_RECIPES).map((name) => jobs(name)[0]!.optimizer);
    expect(kinds).toEqual([
      { kind: "sgd", wd: 5e-4, momentum: 0.9, nesterov: true, clip: 1 },
      { kind: "rmsprop", alpha: 0.99, clip: 1 },
      { kind: "adamw", wd: 0.1, beta1: 0.9, beta2: 0.95, clip: 1 },
      { kind: "adamw", wd: 0.1, beta1: 0.9, beta2: 0.999, clip: 1 },
      { kind: "nadam", beta1: 0.9, beta2: 0.999, clip: 1 },
      { kind: "radam", beta1: 0.9, beta2: 0.999, clip: 1 },
    ]);
  });

  test("architectures, names and sizes: GPT-2 for two families, dim 128 for one, LoRA on q/v with ranks 4, 8, 16", () => {
    expect(Object.keys(HELD_OUT_2_RECIPES).map((name) => jobs(name)[0]!.arch)).toEqual(["llama", "gpt2", "llama", "llama", "gpt2", "llama"]);
    const wide = jobs("radam-wide")[0]!;
    expect(wide.config).toMatchObject({ dim: 128, depth: 2, mlp: 344 });
    expect(wide.batch).toBe(8);
    expect(jobs("rmsprop-levels")[0]!.config).toMatchObject({ dim: 64, depth: 3, mlp: 256 });
    const lora = jobs("lora-star").map((j) => j.lora?.rank ?? 0);
    expect(lora).toEqual([0, 4, 8, 0, 16]);
    expect(jobs("lora-star")[1]!.lora?.targets).toEqual(["self_attn.q_proj", "self_attn.v_proj"]);
  });

  test("fine-tunes at one to three times the base's learning rate (nadam-up); every model its own seed", () => {
    const [base, ...tunes] = plan("nadam-up");
    expect(tunes.map((m) => m.config.lr / base!.config.lr)).toEqual([2, 1, 3]);
    const seeds = Object.keys(HELD_OUT_2_RECIPES).flatMap((name) => plan(name).map((m) => m.config.seed));
    expect(new Set(seeds).size).toBe(seeds.length);
  });
});
