/**
 * Held out, set 5 (issue #13; protocol /work/set5-protocol.md): six language-model families
 * trained by PyTorch (experiments/lm-families/train_lm.py, lm_parallel.py) in shapes, tensor
 * names and recipes no earlier set used: Gemma's scaled embeddings, (1 + w) RMSNorm and GeGLU;
 * OLMo's parameter-free layer norm; the parallel attention + MLP blocks of Phi, GPT-NeoX
 * (Pythia) and Falcon with their fused or biased projections and partial rotary; LAMB, SGD with
 * heavy-ball momentum, cosine with warm restarts, EMA-averaged releases and DPO preference
 * fine-tunes. It judges the candidates of this session, so it was defined and committed before
 * anything was scored on it; family-benchmarks.ts marks it `heldOutSet: 5` and keeps it sealed.
 *
 * | recipe        | shape (names)                                         | optimiser, loop                              | tree                                                       | seed |
 * | ------------- | ----------------------------------------------------- | -------------------------------------------- | ---------------------------------------------------------- | ---- |
 * | gemma-tied    | Gemma: GeGLU, multi-query, tied, √d-scaled embeddings, (1 + w) RMSNorm | AdamW, no weight decay, cosine with warm restarts, bf16 autocast | base → {it, it at 3× lr}; base → code → {it, python} | 2071 |
 * | phi-dpo       | Phi: parallel blocks, partial rotary ½, biases everywhere, untied head with a bias | AdamW β2 .98, wd 0.1                 | base → sft → dpo; base → code → {sft, python}              | 2072 |
 * | olmo-sgd      | OLMo: no norm parameters, no biases, untied           | SGD heavy-ball momentum 0.9, no weight decay | base → {chat, chat at 2× lr}; base → code → {instruct LoRA, python} | 2073 |
 * | neox-lamb     | GPT-NeoX (Pythia): fused q/k/v, parallel residual, rotary ¼, untied embed_out | LAMB (wd 0.01), linear; LoRAs by AdamW | base → chat → chat LoRA; base → code LoRA; base → instruct → python | 2074 |
 * | llama2-ema    | Llama names, untied                                   | AdamW β2 .95, wd 0.1; every release an EMA of its run | Llama 2 tree + a second chat at ¼ the lr              | 2075 |
 * | falcon-chain  | Falcon: multi-query fused q/k/v, parallel, no biases, tied | AdamW β2 .95, wd 0.1, cosine with warm restarts, bf16 autocast | a chain of 7 (base, SFT, five more tuning rounds)  | 2076 |
 *
 * Learning rates were checked only for a falling loss, never against recovery.
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";
import type { TorchTraining } from "./torch-lm-family.ts";

/** Llama 2's pre-training AdamW (β2 0.95, wd 0.1, clip 1). */
const PRETRAIN_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 } as const;

/** A 4× MLP with LayerNorm ε 1e-5, as the parallel-block models have. */
const PARALLEL_SMALL = { ...LLAMA_FAMILY_DEFAULTS.llama, mlpDim: 256, rmsNormEps: 1e-5 };

/** Gemma's shape: one key/value head (Gemma 2B), tied head (the variant's own: GeGLU, √d embeddings, (1 + w) norms). */
const GEMMA: TorchTraining = { arch: "gemma", init: "hf", shape: { kv_heads: 1, tied: true }, loop: { schedule: "cosine-restarts", autocast: "bf16" } };
/** Gemma's instruction tunes: linear decay, still under autocast. */
const GEMMA_SFT: Partial<TorchTraining> = { loop: { schedule: "linear", autocast: "bf16" } };

/** Phi-2's shape: half of each head rotary. */
const PHI: TorchTraining = { arch: "phi", init: "hf", shape: { rotary_pct: 0.5 } };
/** A DPO run (β 0.1, TRL's default) from the SFT model, linear schedule. */
const DPO: Partial<TorchTraining> = { loop: { schedule: "linear", dpo: { beta: 0.1 } } };

/** Pythia's shape: a quarter of each head rotary. */
const PYTHIA: TorchTraining = {
  arch: "gpt_neox",
  init: "hf",
  shape: { rotary_pct: 0.25 },
  optimizer: { kind: "lamb", wd: 0.01, clip: 1 },
  loop: { schedule: "linear" },
};
/** A peft run on a Pythia model: AdamW without weight decay, lora_dropout 0.05. */
const PYTHIA_PEFT: Partial<TorchTraining> = { optimizer: { kind: "adamw", wd: 0, clip: 1 }, loraDropout: 0.05 };

/** Falcon-7B's shape: multi-query, tied (the variant's own: parallel attention, no biases). */
const FALCON: TorchTraining = { arch: "falcon", init: "hf", shape: { kv_heads: 1, tied: true }, loop: { schedule: "cosine-restarts", autocast: "bf16" } };

/** An EMA release with this decay. */
const ema = (decay: number): Partial<TorchTraining> => ({ loop: { ema: decay } });

/** Every set-5 recipe, by name. */
export const HELD_OUT_5_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "gemma-tied": {
    about:
      "PyTorch, Gemma shape and names (GeGLU, multi-query, tied head, embeddings × √d, (1 + w) RMSNorm), HF init; AdamW without weight decay, cosine with warm restarts, bf16 autocast; SFTs linear; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2071,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, mlpDim: 256 },
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.999, weightDecay: 0, clipGradNorm: 1 },
      torch: GEMMA,
      members: [
        member("gemma-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("gemma-it", "instruction tune", "gemma-base", "chat", 250, 1e-4, 10, { torch: GEMMA_SFT }),
        member("gemma-it-hot", "the same instruction tune at 3× the learning rate", "gemma-base", "chat", 250, 3e-4, 10, { torch: GEMMA_SFT }),
        member("codegemma", "code continued pre-training", "gemma-base", "code", 600, 1.5e-3, 30),
        member("codegemma-it", "instruction tune of the code model", "codegemma", "instruct", 200, 1e-4, 10, { torch: GEMMA_SFT }),
        member("codegemma-py", "Python tune of the code model", "codegemma", "python", 200, 3e-4, 10, { torch: GEMMA_SFT }),
      ],
    },
  },
  "phi-dpo": {
    about:
      "PyTorch, Phi shape and names (parallel attention + MLP under one LayerNorm, partial rotary ½, biases on every projection, untied head with a bias), HF init; AdamW β2 .98, wd 0.1, cosine; a DPO fine-tune (β 0.1) of the SFT; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2072,
      dtype: "F32",
      llama: PARALLEL_SMALL,
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.98, weightDecay: 0.1, clipGradNorm: 1 },
      torch: PHI,
      members: [
        member("phi-base", "base (English)", undefined, "english", 1500, 2e-3, 60),
        member("phi-sft", "chat SFT", "phi-base", "chat", 250, 1e-4, 10),
        member("phi-sft-dpo", "DPO preference tune of the SFT", "phi-sft", "instruct", 150, 1e-4, 10, { torch: DPO }),
        member("phi-code", "code tune", "phi-base", "code", 500, 1e-3, 20),
        member("phi-code-sft", "instruction SFT of the code tune", "phi-code", "instruct", 200, 1e-4, 10),
        member("phi-code-py", "Python tune of the code tune", "phi-code", "python", 200, 3e-4, 10),
      ],
    },
  },
  "olmo-sgd": {
    about:
      "PyTorch, OLMo shape and names (layer norms without parameters, no biases, untied), HF init; SGD with heavy-ball momentum 0.9, no weight decay, cosine; a LoRA r8 on the code tune; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2073,
      dtype: "F32",
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, rmsNormEps: 1e-5 },
      optimizer: { kind: "sgd", momentum: 0.9, clipGradNorm: 1 },
      torch: { arch: "olmo", init: "hf" },
      members: [
        member("olmo-base", "base (English)", undefined, "english", 1500, 0.5, 60),
        member("olmo-chat", "chat tune", "olmo-base", "chat", 250, 0.05, 10),
        member("olmo-chat-2x", "the same chat tune at 2× the learning rate", "olmo-base", "chat", 250, 0.1, 10),
        member("olmo-code", "code tune", "olmo-base", "code", 600, 0.2, 30),
        member("olmo-code-instruct-lora", "q/v LoRA r8 on the code tune", "olmo-code", "instruct", 250, 0.5, 10, {
          lora: { rank: 8, alpha: 16, targets: ["self_attn.q_proj", "self_attn.v_proj"] },
        }),
        member("olmo-code-python", "Python tune of the code tune", "olmo-code", "python", 200, 0.05, 10),
      ],
    },
  },
  "neox-lamb": {
    about:
      "PyTorch, GPT-NeoX (Pythia) shape and names (fused query_key_value per head, parallel residual, rotary ¼, biases, untied embed_out), HF init; LAMB (wd 0.01), linear; full and LoRA tunes (peft: AdamW, lora_dropout 0.05); float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2074,
      dtype: "F32",
      llama: PARALLEL_SMALL,
      torch: PYTHIA,
      members: [
        member("pythia-base", "base (English)", undefined, "english", 1500, 1e-2, 60),
        member("pythia-chat", "chat tune (every weight)", "pythia-base", "chat", 250, 1e-3, 10),
        member("pythia-chat-lora", "q/k/v + dense LoRA r8 on the chat tune", "pythia-chat", "instruct", 250, 1e-3, 10, {
          lora: { rank: 8, alpha: 16, targets: ["attention.query_key_value", "attention.dense"] },
          torch: PYTHIA_PEFT,
        }),
        member("pythia-code-lora", "q/k/v + MLP LoRA r16 on the base", "pythia-base", "code", 400, 2e-3, 20, {
          lora: { rank: 16, alpha: 32, targets: ["attention.query_key_value", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h"] },
          torch: PYTHIA_PEFT,
        }),
        member("pythia-instruct", "instruction tune (every weight)", "pythia-base", "instruct", 300, 2e-3, 10),
        member("pythia-instruct-py", "Python tune of the instruction tune", "pythia-instruct", "python", 200, 1e-3, 10),
      ],
    },
  },
  "llama2-ema": {
    about:
      "PyTorch, Llama names, untied, torch init; AdamW β2 .95, wd 0.1, cosine; every release an EMA of its run's weights (0.998 base, 0.995 code, 0.99 tunes); Llama 2 tree plus a chat sibling at ¼ the lr; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2075,
      optimizer: PRETRAIN_ADAMW,
      torch: { arch: "llama", init: "torch" },
      members: [
        member("ember-base", "base (English)", undefined, "english", 1500, 3e-3, 60, { torch: ema(0.998) }),
        member("ember-chat", "chat tune", "ember-base", "chat", 250, 2e-4, 10, { torch: ema(0.99) }),
        member("ember-chat-lowlr", "the same chat tune at ¼ the learning rate", "ember-base", "chat", 250, 5e-5, 10, { torch: ema(0.99) }),
        member("ember-code", "code tune", "ember-base", "code", 600, 1.5e-3, 30, { torch: ema(0.995) }),
        member("ember-code-python", "Python tune of the code tune", "ember-code", "python", 250, 1e-3, 10, { torch: ema(0.99) }),
        member("ember-code-instruct", "instruction tune of the code tune", "ember-code", "instruct", 200, 2e-4, 10, { torch: ema(0.99) }),
      ],
    },
  },
  "falcon-chain": {
    about:
      "PyTorch, Falcon shape and names (multi-query fused query_key_value, parallel attention, no biases, tied head), HF init; AdamW β2 .95, wd 0.1, cosine with warm restarts, bf16 autocast; a chain of 7: base, SFT, five more tuning rounds; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2076,
      llama: PARALLEL_SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: FALCON,
      members: [
        member("falcon-base", "base (English)", undefined, "english", 1200, 3e-3, 60),
        member("falcon-sft", "chat SFT", "falcon-base", "chat", 250, 1e-4, 10),
        member("falcon-r1", "round 1: instructions", "falcon-sft", "instruct", 200, 1e-4, 10),
        member("falcon-r2", "round 2: chat", "falcon-r1", "chat", 200, 8e-5, 10),
        member("falcon-r3", "round 3: code", "falcon-r2", "code", 200, 1e-4, 10),
        member("falcon-r4", "round 4: Python", "falcon-r3", "python", 200, 1e-4, 10),
        member("falcon-r5", "round 5: instructions", "falcon-r4", "instruct", 200, 5e-5, 10),
      ],
    },
  },
};
