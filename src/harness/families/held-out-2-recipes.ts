/**
 * Held out, set 2 (issue #13): six language-model families trained by PyTorch
 * (experiments/lm-families/train_lm.py: torch's modules, init and optimizers) with optimizers,
 * schedules, tree shapes, names, dtypes and sizes no direction rule on the board was tuned on.
 * Defined and committed before any rule was scored on them; family-benchmarks.ts marks them
 * `heldOutSet: 2` so every table pools them apart. Each has its own seed (2041–2046).
 *
 * | recipe         | names | optimiser (torch.optim)          | tree                                                       | size, dtype    |
 * | -------------- | ----- | -------------------------------- | ---------------------------------------------------------- | -------------- |
 * | sgd-star       | Llama | SGD, Nesterov momentum 0.9       | base → 4 direct fine-tunes                                 | 0.13 M, F32    |
 * | rmsprop-levels | GPT-2 | RMSprop α 0.99                   | base → instruct → {code, python}: 3 levels                 | 0.17 M, BF16   |
 * | cpt-chain      | Llama | AdamW β2 .95, re-warmed cosine   | one LM continued 4 times on shifting data (no labels)      | 0.13 M, BF16   |
 * | lora-star      | Llama | AdamW wd 0.1, warmup + cosine    | base → {chat LoRA r4, instruct LoRA r8, code} → python LoRA r16 | 0.13 M, F32 |
 * | nadam-up       | GPT-2 | NAdam                            | base → 3 fine-tunes at 1–3× the base's learning rate       | 0.12 M, F32    |
 * | radam-wide     | Llama | RAdam                            | base → chat; base → code → python → python-instruct        | 0.46 M, BF16   |
 *
 * Learning rates were checked only for a falling loss (a 200-step run of a base), never
 * against recovery. Names are as releases name models: some extend their parent's name
 * (gpt2-mini-code), some do not (atlas-*, orca-*, run-*); recovery never reads names.
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";

/** GPT-2 blocks at dim 64: LayerNorm ε 1e-5, a 4× MLP as GPT-2's. */
const GPT2_SMALL = { ...LLAMA_FAMILY_DEFAULTS.llama, mlpDim: 256, rmsNormEps: 1e-5 };

/** LoRA on query and value (torchJob maps the targets to the architecture's names). */
const loraQv = (rank: number) => ({ rank, alpha: 2 * rank, targets: ["self_attn.q_proj", "self_attn.v_proj"] });

/** Every set-2 recipe, by name. */
export const HELD_OUT_2_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "sgd-star": {
    about: "PyTorch SGD (Nesterov momentum 0.9, coupled wd 5e-4), torch init, Llama names; a base and four direct fine-tunes; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2041,
      dtype: "F32",
      optimizer: { kind: "sgd", momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipGradNorm: 1 },
      members: [
        member("atlas-base", "base (English)", undefined, "english", 1500, 0.3, 50),
        member("atlas-chat", "chat tune", "atlas-base", "chat", 250, 0.05, 10),
        member("atlas-code", "code tune", "atlas-base", "code", 400, 0.1, 20),
        member("atlas-python", "Python tune", "atlas-base", "python", 250, 0.1, 10),
        member("atlas-instruct", "instruction tune", "atlas-base", "instruct", 250, 0.03, 10),
      ],
    },
  },
  "rmsprop-levels": {
    about: "PyTorch RMSprop (α 0.99, no decay), GPT-2 arch, init and names, depth 3; base → instruct → {code, python}; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2042,
      llama: { ...GPT2_SMALL, depth: 3 },
      torch: { arch: "gpt2", init: "torch", optimizer: { kind: "rmsprop", alpha: 0.99, clip: 1 } },
      members: [
        member("gpt2-mini", "base (English)", undefined, "english", 1200, 1e-3, 50),
        member("gpt2-mini-instruct", "instruction tune", "gpt2-mini", "instruct", 300, 3e-4, 10),
        member("gpt2-mini-code", "code tune of the instruct model", "gpt2-mini-instruct", "code", 300, 5e-4, 10),
        member("gpt2-mini-python", "Python tune of the instruct model", "gpt2-mini-instruct", "python", 300, 5e-4, 10),
      ],
    },
  },
  "cpt-chain": {
    about:
      "PyTorch AdamW (β2 0.95, wd 0.1), HF init, Llama names; one LM pre-trained, then continued 4 times on shifting data, re-warmed cosine each time; no stage labels; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2043,
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 },
      torch: { arch: "llama", init: "hf" },
      // Continued pre-training is the paper's generalization stage (§4.2); the release carries no label, so recovery sees none.
      members: [
        member("run-english", "checkpoint 0: English", undefined, "english", 1200, 3e-3, 60, { stage: "generalization" }),
        member("run-chat", "checkpoint 1: + chat", "run-english", "chat", 400, 1e-3, 20, { stage: "generalization" }),
        member("run-code", "checkpoint 2: + code", "run-chat", "code", 400, 1e-3, 20, { stage: "generalization" }),
        member("run-python", "checkpoint 3: + Python", "run-code", "python", 400, 1e-3, 20, { stage: "generalization" }),
        member("run-instruct", "checkpoint 4: + instructions", "run-python", "instruct", 400, 1e-3, 20, { stage: "generalization" }),
      ],
    },
  },
  "lora-star": {
    about: "PyTorch AdamW (wd 0.1, warmup + cosine), HF init, Llama names; chat, instruct and python are q/v LoRA (r 4, 8, 16; merged); float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2044,
      dtype: "F32",
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.999, weightDecay: 0.1, clipGradNorm: 1 },
      torch: { arch: "llama", init: "hf" },
      members: [
        member("orca-base", "base (English)", undefined, "english", 1500, 2e-3, 50),
        member("orca-chat-lora", "chat LoRA r4", "orca-base", "chat", 300, 2e-3, 10, { lora: loraQv(4) }),
        member("orca-instruct-lora", "instruction LoRA r8", "orca-base", "instruct", 300, 1e-3, 10, { lora: loraQv(8) }),
        member("orca-code", "code tune (every weight)", "orca-base", "code", 500, 1e-3, 20),
        member("orca-python-lora", "Python LoRA r16 on the code tune", "orca-code", "python", 300, 1e-3, 10, { lora: loraQv(16) }),
      ],
    },
  },
  "nadam-up": {
    about: "PyTorch NAdam (no decay), GPT-2 arch, init and names; base → chat, code, instruct at 1–3× the base's learning rate; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2045,
      dtype: "F32",
      llama: GPT2_SMALL,
      torch: { arch: "gpt2", init: "torch", optimizer: { kind: "nadam", beta1: 0.9, beta2: 0.999, clip: 1 } },
      members: [
        member("gpt2-nano", "base (English)", undefined, "english", 1500, 1e-3, 50),
        member("gpt2-nano-chat", "chat tune at 2× lr", "gpt2-nano", "chat", 300, 2e-3, 10),
        member("gpt2-nano-code", "code tune at 1× lr", "gpt2-nano", "code", 500, 1e-3, 20),
        member("gpt2-nano-instruct", "instruction tune at 3× lr", "gpt2-nano", "instruct", 250, 3e-3, 10),
      ],
    },
  },
  "radam-wide": {
    about: "PyTorch RAdam (no decay), torch init, Llama names, dim 128 (0.46 M), batch 8; base → chat, base → code → python → python-instruct; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2046,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, dim: 128, mlpDim: 344 },
      batchSize: 8,
      torch: { arch: "llama", init: "torch", optimizer: { kind: "radam", beta1: 0.9, beta2: 0.999, clip: 1 } },
      members: [
        member("vega", "base (English)", undefined, "english", 800, 2e-3, 40),
        member("vega-chat", "chat tune", "vega", "chat", 200, 2e-4, 10),
        member("vega-code", "code tune", "vega", "code", 300, 1e-3, 20),
        member("vega-code-python", "Python tune of the code tune", "vega-code", "python", 200, 5e-4, 10),
        member("vega-code-python-instruct", "instruction tune of the Python tune", "vega-code-python", "instruct", 150, 2e-4, 10),
      ],
    },
  },
};
