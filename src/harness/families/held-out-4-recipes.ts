/**
 * Held out, set 4 (issue #13; protocol /work/set4-protocol.md): five language-model families
 * trained by PyTorch (experiments/lm-families/train_lm.py) with shapes and recipes no earlier
 * set used, as hub families differ: grouped-query attention, q/k/v biases, tied heads,
 * Lion and Adafactor, warmup-stable-decay, linear, constant and inverse-√ schedules, label
 * smoothing, dropout, bf16 autocast, gradient accumulation, LoRA on every linear layer and
 * LoRA on a fine-tune, and fine-tunes trained by "another team's script" (a member's own
 * `torch` settings). It judges the direction and placement candidates of this session, so it
 * was defined and committed before anything was scored on it; family-benchmarks.ts marks it
 * `heldOutSet: 4` and keeps it sealed (no experiment or board reads it unless named).
 *
 * | recipe       | shape (names)                          | optimiser, loop                                   | tree                                                      | seed |
 * | ------------ | -------------------------------------- | ------------------------------------------------- | --------------------------------------------------------- | ---- |
 * | qwen-tree    | Qwen2: GQA 6/2, q/k/v bias, tied, θ 1e6; dim 192, depth 4 (1.6 M), batch 24 | AdamW β2 .95, WSD, bf16 autocast; SFTs linear | base → instruct; base → coder → coder-instruct; base → py → py-chat | 2061 |
 * | mistral-lion | Mistral: multi-query (4/1), untied     | Lion (β .9/.99, wd 0.3), cosine                   | Llama 2: base → chat; base → code → {python, instruct}    | 2062 |
 * | deep-cpt     | Llama, HF init                         | AdamW β2 .95, WSD, batch 8 × 2 accumulated        | a chain of 7 checkpoints (no labels), F32                 | 2063 |
 * | lora-on-ft   | Llama 3.2-like: GQA 4/2, tied, θ 5e5   | AdamW; chat SFT dropout + label smoothing 0.1     | base → chat → {all-linear LoRA r8, q/v LoRA r4}; base → code → all-linear LoRA r16 | 2064 |
 * | adafactor-t5 | Llama, dim 96, depth 3 (0.37 M)        | Adafactor, inverse-√, label smoothing, dropout    | base → chat → chat-v2; base → python → python-instruct, F32 | 2065 |
 *
 * Learning rates were checked only for a falling loss (200-step runs of each base), never
 * against recovery.
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";
import type { TorchTraining } from "./torch-lm-family.ts";

/** Llama 2's pre-training AdamW (β2 0.95, wd 0.1, clip 1). */
const PRETRAIN_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 } as const;

/** Every linear layer of a Llama block (QLoRA's and peft's "all-linear"). */
const ALL_LINEAR = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

/**
 * Qwen2's shape: 2 key/value heads for 6 query heads, biases on q/k/v, the head tied to the
 * embedding; bf16 autocast (also what makes 1.6 M parameters affordable here: Debian's float32
 * BLAS runs this model ~15× slower than oneDNN's bfloat16 path).
 */
const QWEN2: TorchTraining = { arch: "qwen2", init: "hf", shape: { kv_heads: 2, qkv_bias: true, tied: true }, loop: { schedule: "wsd", autocast: "bf16" } };
/** Qwen's SFT script: a linear decay. */
const QWEN2_SFT: Partial<TorchTraining> = { loop: { schedule: "linear", autocast: "bf16" } };

/** Llama 3.2 1B's shape: grouped-query attention and a tied head. */
const LLAMA32_SHAPE = { kv_heads: 2, tied: true } as const;
/** A chat SFT by another team: dropout and label smoothing 0.1, constant learning rate after warmup. */
const SFT_SMOOTHED: Partial<TorchTraining> = { shape: { ...LLAMA32_SHAPE, dropout: 0.1 }, loop: { schedule: "constant", label_smoothing: 0.1 } };
/** A peft run: linear schedule, lora_dropout 0.05. */
const PEFT: Partial<TorchTraining> = { loop: { schedule: "linear" }, loraDropout: 0.05 };

/** Every set-4 recipe, by name. */
export const HELD_OUT_4_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "qwen-tree": {
    about:
      "PyTorch, Qwen2 shape and names (GQA 6/2, q/k/v biases, tied head, θ 1e6), dim 192, depth 4 (1.6 M), batch 24, HF init; AdamW β2 .95, warmup-stable-decay, bf16 autocast; SFTs linear; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2061,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, dim: 192, depth: 4, heads: 6, mlpDim: 512, ropeTheta: 1e6 },
      batchSize: 24,
      optimizer: PRETRAIN_ADAMW,
      torch: QWEN2,
      members: [
        member("qwen2-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("qwen2-instruct", "instruct SFT", "qwen2-base", "chat", 250, 1e-4, 10, { torch: QWEN2_SFT }),
        member("qwen2-coder", "code continued pre-training", "qwen2-base", "code", 600, 1.5e-3, 30),
        member("qwen2-coder-instruct", "instruct SFT of the coder", "qwen2-coder", "instruct", 200, 1e-4, 10, { torch: QWEN2_SFT }),
        member("qwen2-py", "Python continued pre-training", "qwen2-base", "python", 400, 1e-3, 20),
        member("qwen2-py-chat", "chat SFT of the Python model", "qwen2-py", "chat", 200, 1e-4, 10, { torch: QWEN2_SFT }),
      ],
    },
  },
  "mistral-lion": {
    about:
      "PyTorch, Mistral shape and names (multi-query: 1 key/value head), torch init; Lion (β .9/.99, wd 0.3, lr ÷10 of AdamW's), cosine; Llama 2 tree; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2062,
      torch: { arch: "mistral", init: "torch", shape: { kv_heads: 1 }, optimizer: { kind: "lion", beta1: 0.9, beta2: 0.99, wd: 0.3, clip: 1 } },
      members: [
        member("mistral-base", "base (English)", undefined, "english", 1500, 5e-4, 60),
        member("mistral-chat", "chat tune", "mistral-base", "chat", 250, 3e-5, 10),
        member("codestral", "code tune", "mistral-base", "code", 600, 3e-4, 30),
        member("codestral-python", "Python tune of the code tune", "codestral", "python", 200, 1e-4, 10),
        member("codestral-instruct", "instruction tune of the code tune", "codestral", "instruct", 150, 3e-5, 10),
      ],
    },
  },
  "deep-cpt": {
    about:
      "PyTorch, Llama names, HF init; AdamW β2 .95, warmup-stable-decay, batch 8 × 2 accumulated; one run's 7 checkpoints, continued on shifting data, then annealed; no stage labels; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2063,
      dtype: "F32",
      batchSize: 8,
      optimizer: PRETRAIN_ADAMW,
      torch: { arch: "llama", init: "hf", loop: { schedule: "wsd", accumulate: 2 } },
      // Continued pre-training is the paper's generalization stage (§4.2); the release carries no label, so recovery sees none.
      members: [
        member("pico-800", "checkpoint 1: English", undefined, "english", 800, 3e-3, 40, { stage: "generalization" }),
        member("pico-1200", "checkpoint 2: more English", "pico-800", "english", 400, 2e-3, 10, { stage: "generalization" }),
        member("pico-chat-mix", "checkpoint 3: + chat", "pico-1200", "chat", 300, 1e-3, 10, { stage: "generalization" }),
        member("pico-code-mix", "checkpoint 4: + code", "pico-chat-mix", "code", 300, 1e-3, 10, { stage: "generalization" }),
        member("pico-python-mix", "checkpoint 5: + Python", "pico-code-mix", "python", 300, 1e-3, 10, { stage: "generalization" }),
        member("pico-instruct-mix", "checkpoint 6: + instructions", "pico-python-mix", "instruct", 300, 1e-3, 10, { stage: "generalization" }),
        member("pico-anneal", "checkpoint 7: English, annealed at a low rate", "pico-instruct-mix", "english", 300, 3e-4, 10, { stage: "generalization" }),
      ],
    },
  },
  "lora-on-ft": {
    about:
      "PyTorch, Llama 3.2-like (GQA 4/2, tied head, θ 5e5), torch init, AdamW (wd 0.01); chat SFT with dropout and label smoothing 0.1; LoRA adapters (all-linear r8/r16, q/v r4, lora_dropout 0.05) on fine-tunes, merged; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2064,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, ropeTheta: 5e5 },
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.999, weightDecay: 0.01, clipGradNorm: 1 },
      torch: { arch: "llama", init: "torch", shape: LLAMA32_SHAPE },
      members: [
        member("lm32-base", "base (English)", undefined, "english", 1500, 2e-3, 50),
        member("lm32-chat", "chat SFT (dropout, label smoothing)", "lm32-base", "chat", 300, 1e-4, 10, { torch: SFT_SMOOTHED }),
        member("lm32-chat-instruct-lora", "all-linear LoRA r8 on the chat model", "lm32-chat", "instruct", 250, 1e-3, 10, {
          lora: { rank: 8, alpha: 16, targets: ALL_LINEAR },
          torch: PEFT,
        }),
        member("lm32-chat-python-lora", "q/v LoRA r4 on the chat model", "lm32-chat", "python", 250, 2e-3, 10, {
          lora: { rank: 4, alpha: 8, targets: ["self_attn.q_proj", "self_attn.v_proj"] },
          torch: PEFT,
        }),
        member("lm32-code", "code tune (every weight)", "lm32-base", "code", 500, 1e-3, 20),
        member("lm32-code-python-lora", "all-linear LoRA r16 on the code tune", "lm32-code", "python", 250, 1e-3, 10, {
          lora: { rank: 16, alpha: 16, targets: ALL_LINEAR },
          torch: PEFT,
        }),
      ],
    },
  },
  "adafactor-t5": {
    about:
      "PyTorch, Llama names, dim 96, depth 3 (0.37 M); Adafactor (factored, no momentum), inverse-√ schedule, label smoothing 0.1, dropout 0.1 (base); base → chat → chat-v2; base → python → python-instruct; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2065,
      dtype: "F32",
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, dim: 96, depth: 3, mlpDim: 256 },
      torch: {
        arch: "llama",
        init: "torch",
        shape: { dropout: 0.1 },
        optimizer: { kind: "adafactor" },
        loop: { schedule: "inverse-sqrt", label_smoothing: 0.1 },
      },
      members: [
        member("t5ish-base", "base (English)", undefined, "english", 800, 1e-2, 80),
        member("t5ish-chat", "chat tune", "t5ish-base", "chat", 200, 1e-3, 10, { torch: { shape: {} } }),
        member("t5ish-chat-v2", "chat tune continued on instructions", "t5ish-chat", "instruct", 150, 5e-4, 10, { torch: { shape: {} } }),
        member("t5ish-python", "Python tune", "t5ish-base", "python", 250, 2e-3, 10, { torch: { shape: {} } }),
        member("t5ish-python-instruct", "instruction tune of the Python tune", "t5ish-python", "instruct", 150, 1e-3, 10, { torch: { shape: {} } }),
      ],
    },
  },
};
