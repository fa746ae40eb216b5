/**
 * Held out, set 9 (issue #13): five language-model families trained by PyTorch (experiments/lm-families/train_lm.py and its
 * modules, nothing added to the trainer) in recipes sets 0–8 did not vary together: merged LoRAs at several ranks on one base
 * (r4 q/v, r16 and r32 every linear layer) beside a full SFT; SFT → DPO → SFT chains and a short low-rate SFT with a short
 * preference step under it; an unlabelled continued-pre-training chain whose stages each run their own learning-rate schedule
 * (cosine, inverse-sqrt, constant, a linear anneal); same-data chat siblings (plain, an EMA release, gradient accumulation)
 * stored in float32; a merged LoRA at the end of a chain next to a DPO chain and a short low-rate SFT of the base. It judges
 * session 15's candidates, so it was defined and committed before any candidate existed and before anything was scored on it;
 * family-benchmarks.ts marks it `heldOutSet: 9` and keeps it sealed (read only when `--only set9:` names it).
 *
 * | recipe             | shape (names)                                         | optimiser, loop                                          | tree                                                                                         | seed |
 * | ------------------ | ----------------------------------------------------- | -------------------------------------------------------- | -------------------------------------------------------------------------------------------- | ---- |
 * | qwen2-lora-ranks   | Qwen2-0.5B-like: GQA 4/2, q/k/v biases, tied           | AdamW β2 .95 wd 0.1; peft LoRAs (AdamW, no decay), merged | base → {chat SFT, LoRA r4 q/v, LoRA r16, LoRA r32}; chat → LoRA r8                          | 2111 |
 * | llama32-pref-chain | Llama 3.2-like: GQA 4/2, tied, θ 5e5                   | AdamW wd 0.1, warmup-stable-decay; SFTs, DPO, IPO         | base → instruct → DPO → chat SFT; base → short chat SFT (60 steps, 5e-5) → IPO                | 2112 |
 * | starcoder2-cpt     | Starcoder2: GQA 4/2, biases, c_fc/c_proj, tied         | AdamW wd 0.1; a schedule per stage                        | chain code → Python → English → anneal → instruct (no stage labels); Python → chat          | 2113 |
 * | gpt2-siblings      | GPT-2: wpe, c_attn, LayerNorm, tied                    | AdamW wd 0.1; chat SFTs plain / EMA / accumulated; F32    | base → {chat, chat EMA, chat accumulated ×2}; base → code → Python                          | 2114 |
 * | phi3-lora-chain    | Phi-3: qkv_proj, gate_up_proj, untied                  | AdamW β2 .95 wd 0.1; SFTs without decay; DPO; LoRA r32    | base → code → instruct → DPO; base → chat (smoothing 0.1) → LoRA r32; base → short instruct | 2115 |
 *
 * Learning rates follow the earlier sets' (a base at 3e-3 for 1,500 steps, SFTs at 1e-4–2e-4, continued pre-training at
 * 1e-3–1.5e-3, LoRAs at 5e-4–2e-3); none was checked against recovery. Stored bf16 except gpt2-siblings (float32).
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";
import type { TorchTraining } from "./torch-lm-family.ts";

/** The Llama pre-training AdamW (β2 0.95, wd 0.1, clip 1). */
const PRETRAIN_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 } as const;
/** An SFT script's AdamW: no weight decay. */
const SFT_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.999, wd: 0, clip: 1 } as const;
/** An SFT member: AdamW without decay, linear schedule. */
const SFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear" } };
/** A DPO run (β 0.1) from an SFT model by the SFT script's AdamW. */
const DPO: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", dpo: { beta: 0.1 } } };
/** A peft run: AdamW without decay, linear schedule, lora_dropout 0.05. */
const PEFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear" }, loraDropout: 0.05 };

/** Llama's small shape with norm ε 1e-5. */
const SMALL = { ...LLAMA_FAMILY_DEFAULTS.llama, rmsNormEps: 1e-5 };
/** A 4× MLP (GPT-2). */
const WIDE_MLP = { ...SMALL, mlpDim: 256 };

/** Every linear layer of a Llama-named block (Qwen2's names too). */
const ALL_LINEAR = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

/** Qwen2-0.5B-like: grouped-query attention (4 heads, 2 key/value), q/k/v biases, tied head. */
const QWEN2: TorchTraining = { arch: "qwen2", init: "hf", shape: { kv_heads: 2, qkv_bias: true, tied: true } };

/** Llama 3.2-like: GQA 4/2, tied head, rotary base 5e5; the base pre-trains under warmup-stable-decay. */
const LLAMA32: TorchTraining = { arch: "llama", init: "hf", shape: { kv_heads: 2, tied: true, rope_theta: 5e5 }, loop: { schedule: "wsd" } };

/** Starcoder2's shape; each continued-pre-training stage picks its own schedule. */
const STARCODER2: TorchTraining = { arch: "starcoder2", init: "hf", shape: { kv_heads: 2, tied: true } };
const schedule = (name: "cosine" | "inverse-sqrt" | "constant" | "linear"): Partial<TorchTraining> => ({ loop: { schedule: name } });

/** GPT-2 (GPT-2's own init); its chat siblings: plain, released as an EMA (0.99), and two micro-batches accumulated a step. */
const GPT2: TorchTraining = { arch: "gpt2", init: "torch" };
const GPT2_EMA: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", ema: 0.99 } };
const GPT2_ACCUMULATED: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", accumulate: 2 } };

/** Phi-3 (fused qkv_proj and gate_up_proj, untied). */
const PHI3: TorchTraining = { arch: "phi3", init: "hf" };
const PHI3_SMOOTHED: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", label_smoothing: 0.1 } };

/** Every set-9 recipe, by name. */
export const HELD_OUT_9_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "qwen2-lora-ranks": {
    about:
      "PyTorch, Qwen2-0.5B-like shape and names (GQA 4/2, q/k/v biases, tied), HF init; AdamW β2 .95 wd 0.1; a chat SFT of the base and three community LoRAs of the base merged at ranks 4 (q/v), 16 and 32 (every linear layer) on instruction, code and Python data; a LoRA r8 on the chat SFT; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2111,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: QWEN2,
      members: [
        member("qwen-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("qwen-chat", "chat SFT", "qwen-base", "chat", 250, 2e-4, 10, { torch: SFT }),
        member("qwen-instruct-lora4", "community LoRA r4 on q/v (instruction data), merged", "qwen-base", "instruct", 250, 2e-3, 10, {
          lora: { rank: 4, alpha: 8, targets: ["self_attn.q_proj", "self_attn.v_proj"] },
          torch: PEFT,
        }),
        member("qwen-code-lora16", "community LoRA r16 on every linear layer (code), merged", "qwen-base", "code", 300, 1e-3, 10, {
          lora: { rank: 16, alpha: 32, targets: ALL_LINEAR },
          torch: PEFT,
        }),
        member("qwen-python-lora32", "community LoRA r32 on every linear layer (Python), merged", "qwen-base", "python", 250, 5e-4, 10, {
          lora: { rank: 32, alpha: 32, targets: ALL_LINEAR },
          torch: PEFT,
        }),
        member("qwen-chat-lora8", "community LoRA r8 on the chat SFT (instruction data), merged", "qwen-chat", "instruct", 200, 1e-3, 10, {
          lora: { rank: 8, alpha: 16, targets: ALL_LINEAR },
          torch: PEFT,
        }),
      ],
    },
  },
  "llama32-pref-chain": {
    about:
      "PyTorch, Llama 3.2-like shape and names (GQA 4/2, tied, rotary base 5e5), HF init; AdamW β2 .95 wd 0.1 under warmup-stable-decay; an instruction SFT, a DPO tune of it (β 0.1) and a chat SFT of the DPO model; a short low-rate chat SFT (60 steps at 5e-5) of the base and an IPO tune (τ 0.1) of it; SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2112,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: LLAMA32,
      members: [
        member("l32-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("l32-instruct", "instruction SFT", "l32-base", "instruct", 250, 2e-4, 10, { torch: SFT }),
        member("l32-instruct-dpo", "DPO tune of the instruction SFT", "l32-instruct", "chat", 150, 5e-5, 10, { torch: DPO }),
        member("l32-instruct-dpo-chat", "chat SFT of the DPO model", "l32-instruct-dpo", "chat", 200, 1e-4, 10, { torch: SFT }),
        member("l32-chat-short", "short low-rate chat SFT of the base", "l32-base", "chat", 60, 5e-5, 5, { torch: SFT }),
        member("l32-chat-short-ipo", "IPO tune of the short chat SFT", "l32-chat-short", "chat", 100, 2e-5, 10, {
          torch: { optimizer: SFT_ADAMW, loop: { schedule: "linear", ipo: { tau: 0.1 } } },
        }),
      ],
    },
  },
  "starcoder2-cpt": {
    about:
      "PyTorch, Starcoder2 shape and names (GQA 4/2, LayerNorm and projections with biases, c_fc/c_proj GELU, tied), HF init; AdamW β2 .95 wd 0.1; a chain of continued pre-training with no stage label released, each stage on its own schedule: code (cosine), Python (inverse-sqrt), English (constant), an anneal (linear decay at 3e-4), then an instruction SFT; a chat SFT of the Python model; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2113,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: STARCODER2,
      members: [
        // Continued pre-training is the paper's generalization stage (§4.2); the release carries no label.
        member("sc2-base", "pre-training on code (cosine)", undefined, "code", 1500, 3e-3, 60, { stage: "generalization" }),
        member("sc2-python", "Python continued pre-training (inverse-sqrt)", "sc2-base", "python", 400, 1e-3, 20, {
          stage: "generalization",
          torch: schedule("inverse-sqrt"),
        }),
        member("sc2-english", "English continued pre-training (constant)", "sc2-python", "english", 400, 1e-3, 20, {
          stage: "generalization",
          torch: schedule("constant"),
        }),
        member("sc2-anneal", "anneal (linear decay from 3e-4)", "sc2-english", "english", 150, 3e-4, 5, {
          stage: "generalization",
          torch: schedule("linear"),
        }),
        member("sc2-anneal-instruct", "instruction SFT of the annealed model", "sc2-anneal", "instruct", 200, 1e-4, 10, { torch: SFT }),
        member("sc2-python-chat", "chat SFT of the Python model", "sc2-python", "chat", 200, 1e-4, 10, { torch: SFT }),
      ],
    },
  },
  "gpt2-siblings": {
    about:
      "PyTorch, GPT-2 shape and names (learned positions wpe, fused c_attn, LayerNorm, GELU c_fc/c_proj, tied), GPT-2's init; AdamW β2 .95 wd 0.1; three chat SFTs of the base on the same data (plain; released as an EMA 0.99; half the steps with two micro-batches accumulated), a code continued pre-training and a Python tune of it; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2114,
      dtype: "F32",
      llama: WIDE_MLP,
      optimizer: PRETRAIN_ADAMW,
      torch: GPT2,
      members: [
        member("g2-base", "base (English)", undefined, "english", 1500, 1.5e-3, 60),
        member("g2-chat", "chat SFT", "g2-base", "chat", 250, 2e-4, 10, { torch: SFT }),
        member("g2-chat-ema", "another team's chat SFT on the same data, released as an EMA (0.99)", "g2-base", "chat", 250, 2e-4, 10, {
          torch: GPT2_EMA,
        }),
        member("g2-chat-accum", "a third chat SFT on the same data: half the steps, two micro-batches a step", "g2-base", "chat", 125, 2e-4, 10, {
          torch: GPT2_ACCUMULATED,
        }),
        member("g2-code", "code continued pre-training", "g2-base", "code", 500, 1e-3, 20),
        member("g2-code-python", "Python tune of the code model", "g2-code", "python", 250, 5e-4, 10),
      ],
    },
  },
  "phi3-lora-chain": {
    about:
      "PyTorch, Phi-3 shape and names (fused qkv_proj and gate_up_proj, RMSNorm, untied), HF init; AdamW β2 .95 wd 0.1; a code continued pre-training, an instruction SFT of it and a DPO tune (β 0.1) of that; a chat SFT of the base with label smoothing 0.1 and a community LoRA r32 (qkv_proj, o_proj) of it, merged; a short low-rate instruction SFT of the base (80 steps at 5e-5); SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2115,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: PHI3,
      members: [
        member("phi3-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("phi3-code", "code continued pre-training", "phi3-base", "code", 700, 1.5e-3, 30),
        member("phi3-code-instruct", "instruction SFT of the code model", "phi3-code", "instruct", 200, 2e-4, 10, { torch: SFT }),
        member("phi3-code-instruct-dpo", "DPO tune of the code instruction SFT", "phi3-code-instruct", "chat", 150, 5e-5, 10, { torch: DPO }),
        member("phi3-chat", "chat SFT with label smoothing 0.1", "phi3-base", "chat", 250, 2e-4, 10, { torch: PHI3_SMOOTHED }),
        member(
          "phi3-chat-lora",
          "community LoRA r32 on qkv_proj and o_proj of the chat SFT (instruction data), merged",
          "phi3-chat",
          "instruct",
          250,
          1e-3,
          10,
          {
            lora: { rank: 32, alpha: 64, targets: ["self_attn.qkv_proj", "self_attn.o_proj"] },
            torch: PEFT,
          },
        ),
        member("phi3-instruct-short", "short low-rate instruction SFT of the base", "phi3-base", "instruct", 80, 5e-5, 5, { torch: SFT }),
      ],
    },
  },
};
