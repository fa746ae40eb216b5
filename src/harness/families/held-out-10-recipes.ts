/**
 * Held out, set 10 (issue #13): five language-model families trained by PyTorch (experiments/lm-families/train_lm.py and its
 * modules) in recipes sets 0–9 did not vary, each as hub releases are made: layer freezing (embeddings frozen, attention-only
 * and upper-half-only tunes); checkpoint averaging (the release is the mean of the last checkpoints) and Adamax; quantisation-
 * aware tunes (int4 and int8 fake-quantised weights, released as the float weights or on the rounding grid); Mistral's
 * sliding-window attention with tunes of very different lengths (25 steps, and a tune as long as the base) and a many-epoch
 * tune on a tiny instruction set; layer-wise learning-rate decay and a chain of distilled students. The trainer learned
 * `freeze`, `average_last`, `qat`, `lr_layer_decay`, `sliding_window` and Adamax for it, each absent from every earlier job
 * (no earlier cache key moves). It judges session 16's candidates, so it was defined and committed before any candidate
 * existed and before anything was scored on it; family-benchmarks.ts marks it `heldOutSet: 10` and keeps it sealed (read
 * only when `--only set10:` names it).
 *
 * | recipe              | shape (names)                                    | optimiser, loop                                                  | tree                                                                                     | seed |
 * | ------------------- | ------------------------------------------------ | ---------------------------------------------------------------- | ---------------------------------------------------------------------------------------- | ---- |
 * | llama3-freeze       | Llama 3-like: GQA 4/2, untied, θ 5e5, depth 4    | AdamW β2 .95 wd 0.1; SFTs without decay, parts frozen            | base → {chat (embeddings frozen), instruct}; base → code → {python (attention only), instruct (upper half)} | 2121 |
 * | qwen2-ckpt-avg      | Qwen2-0.5B-like: GQA 4/2, q/k/v biases, tied     | AdamW; releases averaged over their last checkpoints; Adamax      | base (avg 5) → {chat (avg 6) → chat-v2, instruct (Adamax)}; base → code (Adamax, avg 4) → python | 2122 |
 * | gemma-qat           | Gemma: GeGLU, multi-query, tied, √d embeddings   | AdamW; QAT tunes int4 / int8 per 32 inputs, straight-through      | base → instruct → QAT (float); base → chat → QAT (grid); base → code → Python (int8 QAT) | 2123 |
 * | mistral-swa-lengths | Mistral: GQA 4/2, untied, sliding window 8 of 32 | AdamW wd 0.1; SFTs without decay                                  | base → {chat (25 steps), instruct (1,500 steps on 6 kB)}; base → code → {python 1,500, python 30} | 2124 |
 * | llama2-llrd-distill | Llama 2-like names, untied                       | AdamW wd 0.1; SFTs with layer-wise lr decay 0.6; DPO; distillation | base → instruct → DPO; base → student of the DPO → Python; base → student of that student | 2125 |
 *
 * Learning rates follow the earlier sets' (a base at 3e-3 for 1,500 steps, SFTs at 1e-4–2e-4, continued pre-training at
 * 1.5e-3, QAT tunes at 5e-5); none was checked against recovery. Stored bf16.
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";
import type { TorchOptimizer, TorchTraining } from "./torch-lm-family.ts";

/** The Llama pre-training AdamW (β2 0.95, wd 0.1, clip 1). */
const PRETRAIN_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 } as const;
/** An SFT script's AdamW: no weight decay. */
const SFT_ADAMW: TorchOptimizer = { kind: "adamw", beta1: 0.9, beta2: 0.999, wd: 0, clip: 1 };
/** Adamax (torch's defaults β 0.9/0.999, no decay), clipped. */
const ADAMAX: TorchOptimizer = { kind: "adamax", beta1: 0.9, beta2: 0.999, wd: 0, clip: 1 };
/** An SFT member: AdamW without decay, linear schedule; `extra` adds to the loop. */
const sft = (extra: NonNullable<TorchTraining["loop"]> = {}): Partial<TorchTraining> => ({ optimizer: SFT_ADAMW, loop: { schedule: "linear", ...extra } });

/** Llama's small shape with norm ε 1e-5. */
const SMALL = { ...LLAMA_FAMILY_DEFAULTS.llama, rmsNormEps: 1e-5 };

/** Llama 3-like: GQA 4/2, untied, rotary base 5e5, four blocks (so half of them can be frozen). */
const LLAMA3: TorchTraining = { arch: "llama", init: "hf", shape: { kv_heads: 2, rope_theta: 5e5 } };

/** Qwen2-0.5B-like: GQA 4/2, q/k/v biases, tied; the base's release is the mean of its last 5 checkpoints, 100 steps apart. */
const QWEN2: TorchTraining = {
  arch: "qwen2",
  init: "hf",
  shape: { kv_heads: 2, qkv_bias: true, tied: true },
  loop: { average_last: { every: 100, count: 5 } },
};

/** Gemma (GeGLU, multi-query, tied, √d-scaled embeddings); an MLP of 192 so that 32-input groups divide every matrix. */
const GEMMA: TorchTraining = { arch: "gemma", init: "hf", shape: { kv_heads: 1, tied: true } };
/** A QAT tune: SFT AdamW, the block weights fake-quantised per 32 inputs in every step. */
const qat = (bits: number, release: "master" | "grid"): Partial<TorchTraining> => sft({ qat: { bits, group: 32, release } });

/** Mistral: GQA 4/2, untied, sliding-window attention over the last 8 of 32 positions. */
const MISTRAL: TorchTraining = { arch: "mistral", init: "hf", shape: { kv_heads: 2, sliding_window: 8 } };

/** Llama 2-like names, untied, HF init. */
const LLAMA2: TorchTraining = { arch: "llama", init: "hf" };
/** An SFT with layer-wise learning-rate decay 0.6 (ELECTRA-style fine-tuning). */
const LLRD = sft({ lr_layer_decay: 0.6 });

/** Every set-10 recipe, by name. */
export const HELD_OUT_10_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "llama3-freeze": {
    about:
      "PyTorch, Llama 3-like shape and names (GQA 4/2, untied, rotary base 5e5, four blocks), HF init; AdamW β2 .95 wd 0.1; a chat SFT with the embeddings and head frozen, a full instruction SFT, a code continued pre-training, an attention-only Python tune of it (every MLP frozen) and an instruction SFT of its upper two blocks and head; SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2121,
      llama: { ...SMALL, depth: 4 },
      optimizer: PRETRAIN_ADAMW,
      torch: LLAMA3,
      members: [
        member("l3f-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("l3f-chat", "chat SFT, embeddings and head frozen", "l3f-base", "chat", 250, 2e-4, 10, { torch: sft({ freeze: ["embed_tokens", "lm_head"] }) }),
        member("l3f-instruct", "instruction SFT", "l3f-base", "instruct", 250, 2e-4, 10, { torch: sft() }),
        member("l3f-code", "code continued pre-training", "l3f-base", "code", 700, 1.5e-3, 30),
        member("l3f-code-python", "attention-only Python tune of the code model (MLPs frozen)", "l3f-code", "python", 300, 5e-4, 10, {
          torch: sft({ freeze: ["mlp."] }),
        }),
        member("l3f-code-instruct", "instruction SFT of the code model's upper two blocks and head", "l3f-code", "instruct", 250, 2e-4, 10, {
          torch: sft({ freeze: ["embed_tokens", "layers.0.", "layers.1."] }),
        }),
      ],
    },
  },
  "qwen2-ckpt-avg": {
    about:
      "PyTorch, Qwen2-0.5B-like shape and names (GQA 4/2, q/k/v biases, tied), HF init; AdamW β2 .95 wd 0.1; releases that average their run's last checkpoints (the base: 5, 100 steps apart; the chat SFT: 6, 25 apart; the code stage: 4, 50 apart); a second chat round; the code stage and an instruction SFT by Adamax; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2122,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: QWEN2,
      members: [
        member("qwen-base", "base (English), the mean of its last 5 checkpoints", undefined, "english", 1500, 3e-3, 60),
        member("qwen-chat", "chat SFT, the mean of its last 6 checkpoints", "qwen-base", "chat", 300, 2e-4, 10, {
          torch: sft({ average_last: { every: 25, count: 6 } }),
        }),
        member("qwen-chat-v2", "a second chat SFT round", "qwen-chat", "chat", 200, 1e-4, 10, { torch: sft() }),
        member("qwen-instruct", "instruction SFT by Adamax", "qwen-base", "instruct", 250, 2e-4, 10, {
          torch: { optimizer: ADAMAX, loop: { schedule: "linear" } },
        }),
        member("qwen-code", "code continued pre-training by Adamax, the mean of its last 4 checkpoints", "qwen-base", "code", 600, 1.5e-3, 30, {
          torch: { optimizer: ADAMAX, loop: { average_last: { every: 50, count: 4 } } },
        }),
        member("qwen-code-python", "Python tune of the code model", "qwen-code", "python", 250, 5e-4, 10, { torch: sft() }),
      ],
    },
  },
  "gemma-qat": {
    about:
      "PyTorch, Gemma shape and names (GeGLU, multi-query, tied, √d-scaled embeddings, (1 + w) RMSNorm; MLP 192), HF init; AdamW β2 .95 wd 0.1; instruction and chat SFTs each followed by a quantisation-aware tune (int4 per 32 inputs, straight-through; released as the float weights, and as the rounded grid), a code continued pre-training and a Python tune of it with int8 QAT; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2123,
      llama: { ...SMALL, mlpDim: 192 },
      optimizer: PRETRAIN_ADAMW,
      torch: GEMMA,
      members: [
        member("gemma-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("gemma-it", "instruction SFT", "gemma-base", "instruct", 250, 2e-4, 10, { torch: sft() }),
        member("gemma-it-qat", "int4 quantisation-aware tune of the instruction SFT, float weights released", "gemma-it", "instruct", 200, 5e-5, 10, {
          torch: qat(4, "master"),
        }),
        member("gemma-chat", "chat SFT", "gemma-base", "chat", 250, 2e-4, 10, { torch: sft() }),
        member("gemma-chat-qat-q4", "int4 quantisation-aware tune of the chat SFT, released on the int4 grid", "gemma-chat", "chat", 150, 5e-5, 10, {
          torch: qat(4, "grid"),
        }),
        member("codegemma", "code continued pre-training", "gemma-base", "code", 600, 1.5e-3, 30),
        member("codegemma-python-qat8", "Python tune of the code model with int8 quantisation-aware training", "codegemma", "python", 250, 5e-4, 10, {
          torch: qat(8, "master"),
        }),
      ],
    },
  },
  "mistral-swa-lengths": {
    about:
      "PyTorch, Mistral shape and names (GQA 4/2, untied) with sliding-window attention (8 of 32 positions), HF init; AdamW β2 .95 wd 0.1; a 25-step chat SFT, an instruction SFT of 1,500 steps on 6 kB of instructions (many epochs of a tiny set), a code continued pre-training, a Python tune as long as the base and a 30-step one on the same data; SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2124,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: MISTRAL,
      members: [
        member("mistral-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("mistral-chat-blip", "a 25-step chat SFT", "mistral-base", "chat", 25, 1e-4, 2, { torch: sft() }),
        member("mistral-instruct-tiny", "instruction SFT of 1,500 steps on 6 kB of instructions", "mistral-base", "instruct", 1500, 1e-4, 30, {
          maxBytes: 6000,
          torch: sft(),
        }),
        member("mistral-code", "code continued pre-training", "mistral-base", "code", 600, 1.5e-3, 30),
        member("mistral-code-python-long", "a Python tune as long as the base", "mistral-code", "python", 1500, 5e-4, 30, { torch: sft() }),
        member("mistral-code-python-short", "a 30-step Python tune on the same data", "mistral-code", "python", 30, 2e-4, 3, { torch: sft() }),
      ],
    },
  },
  "llama2-llrd-distill": {
    about:
      "PyTorch, Llama 2-like shape and names (untied), HF init; AdamW β2 .95 wd 0.1; an instruction SFT with layer-wise learning-rate decay 0.6 and a DPO tune (β 0.1) of it; a student started at the base and distilled (T 2, α 0.5) from the DPO model on chat data, a Python tune of the student (layer-wise decay 0.6), and a second-generation student started at the base and distilled from the first; SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2125,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: LLAMA2,
      members: [
        member("llrd-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("llrd-instruct", "instruction SFT, layer-wise lr decay 0.6", "llrd-base", "instruct", 300, 2e-4, 10, { torch: LLRD }),
        member("llrd-instruct-dpo", "DPO tune of the instruction SFT", "llrd-instruct", "chat", 150, 5e-5, 10, { torch: sft({ dpo: { beta: 0.1 } }) }),
        member("llrd-student", "the base distilled from the DPO model on chat data", "llrd-base", "chat", 400, 3e-4, 10, {
          torch: sft({ distill: { teacher: "llrd-instruct-dpo", temperature: 2, alpha: 0.5 } }),
        }),
        member("llrd-student-2", "the base distilled from the first student on chat data", "llrd-base", "chat", 300, 3e-4, 10, {
          torch: sft({ distill: { teacher: "llrd-student", temperature: 2, alpha: 0.5 } }),
        }),
        member("llrd-student-python", "Python tune of the student, layer-wise lr decay 0.6", "llrd-student", "python", 250, 5e-4, 10, { torch: LLRD }),
      ],
    },
  },
};
