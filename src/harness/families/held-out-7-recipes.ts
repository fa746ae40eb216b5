/**
 * Held out, set 7 (issue #13; protocol /work/set7-protocol.md): six language-model families
 * trained by PyTorch (experiments/lm-families/train_lm.py, lm_hub2.py, lm_preference.py, lm_optim.py)
 * in architectures, tensor names and recipes no earlier set used: Phi-3 and InternLM2 (fused
 * q/k/v and gate/up projections), GPT-BigCode (multi-query attention fused into c_attn, learned
 * positions), OPT (learned positions with an offset, ReLU), Cohere (parallel block, LayerNorm
 * without bias, logit scale) and a DeepSeekMoE (a dense first block, routed + shared experts);
 * SimPO, IPO and conservative DPO preference tunes, a uniform model soup, long-context continued
 * pre-training (context ×4, rotary base ×100), added tokens (resized embeddings), Sophia-G,
 * AdamW with and without decay. It judges the candidates of this session, so it was defined and
 * committed before anything was scored on it; family-benchmarks.ts marks it `heldOutSet: 7` and
 * keeps it sealed.
 *
 * | recipe              | shape (names)                                                  | optimiser, loop                                          | tree                                                                 | seed |
 * | ------------------- | -------------------------------------------------------------- | -------------------------------------------------------- | -------------------------------------------------------------------- | ---- |
 * | phi3-simpo          | Phi-3: qkv_proj, gate_up_proj, RMSNorm, untied                 | AdamW β2 .95 wd 0.1; SFTs without decay; SimPO; a soup   | base → chat SFT → SimPO; base → soup of 3 instruct SFTs; base → code → code-instruct | 2091 |
 * | internlm2-longctx   | InternLM2: wqkv by group (GQA 4/2), w1/w3/w2, untied `output`  | AdamW wd 0.1; long-context CPT (ctx 128, θ 1e6); IPO     | a chain of 6: base, 4× context, code, instruct, chat, IPO            | 2092 |
 * | bigcode-sophia      | GPT-BigCode: multi-query c_attn, wpe, GELU, tied               | Sophia-G (wd 0.1) pre-training; SFTs AdamW; float32      | a star of 6: Python, English, instruct, chat, merged LoRA, a 2nd chat | 2093 |
 * | opt-vocab           | OPT: positions +2, k/v/q/out_proj + biases, fc1/fc2 ReLU, tied | AdamW β2 .95 wd 0.1, linear decay; 8 added tokens        | base → instruct → chat (+8 tokens) → chat-v2; base → code → python    | 2094 |
 * | cohere-cdpo         | Cohere: parallel block, LayerNorm w/o bias, logit ×1/16, tied  | AdamW without decay; cDPO (ε 0.1)                         | base → chat SFT → {cDPO, small-step chat}; base → code → instruct     | 2095 |
 * | deepseek-moe        | DeepSeekMoE: dense block 0; router + 4 experts top-2 + shared  | AdamW wd 0.1, bf16 autocast; SFTs without decay          | base → chat → chat-v2; base → coder → {python, instruct}             | 2096 |
 *
 * Learning rates were checked only for a falling loss, never against recovery.
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";
import type { TorchTraining } from "./torch-lm-family.ts";

/** The Llama 2 pre-training AdamW (β2 0.95, wd 0.1, clip 1). */
const PRETRAIN_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 } as const;
/** An SFT script's AdamW: no weight decay. */
const SFT_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.999, wd: 0, clip: 1 } as const;
/** An SFT member: AdamW without decay, linear schedule. */
const SFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear" } };

/** Llama's small shape with LayerNorm/RMSNorm ε 1e-5 (all six architectures' configs). */
const SMALL = { ...LLAMA_FAMILY_DEFAULTS.llama, rmsNormEps: 1e-5 };
/** A 4× MLP (GPT-BigCode, OPT). */
const WIDE_MLP = { ...SMALL, mlpDim: 256 };

/** InternLM2's shape; its long-context members: 4× the context at a 100× rotary base (InternLM2's ABF), 4 sequences a batch (the same tokens per step). */
const INTERNLM2: TorchTraining = { arch: "internlm2", init: "hf", shape: { kv_heads: 2 } };
const LONG: Partial<TorchTraining> = { shape: { kv_heads: 2, context: 128, rope_theta: 1e6 }, loop: { batch: 4 } };
const LONG_SFT: Partial<TorchTraining> = { ...LONG, optimizer: SFT_ADAMW, loop: { batch: 4, schedule: "linear" } };

/** GPT-BigCode: Sophia-G with the paper's GPT-2 settings (ρ 0.04, Hessian every 10 steps) and wd 0.1. */
const BIGCODE: TorchTraining = {
  arch: "gpt_bigcode",
  init: "hf",
  optimizer: { kind: "sophia", beta1: 0.965, beta2: 0.99, rho: 0.04, every: 10, wd: 0.1, clip: 1 },
};
const BIGCODE_SFT: Partial<TorchTraining> = { ...SFT };

/** OPT's pre-training AdamW with linear decay; its chat members carry 8 added tokens (a chat template's specials). */
const OPT: TorchTraining = { arch: "opt", init: "hf", loop: { schedule: "linear" } };
const OPT_ADDED = 8;
const OPT_CHAT: Partial<TorchTraining> = { shape: { vocab: 256 + OPT_ADDED }, optimizer: SFT_ADAMW, loop: { schedule: "linear" } };

/** Cohere's shape (Command R's logit_scale 0.0625, no GQA); AdamW without decay throughout. */
const COHERE: TorchTraining = {
  arch: "cohere",
  init: "hf",
  shape: { logit_scale: 0.0625 },
  optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.95, wd: 0, clip: 1 },
};

/** DeepSeekMoE's shape at this size: block 0 dense, block 1 four routed experts of 48 (top-2) and one shared; aux_loss_alpha 0.001; bf16 autocast. */
const DEEPSEEK: TorchTraining = {
  arch: "deepseek",
  init: "hf",
  shape: { experts: 4, top_k: 2, router_aux: 0.001, shared_experts: 1, moe_mlp: 48, first_dense: 1 },
  loop: { autocast: "bf16" },
};
const DEEPSEEK_SFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", autocast: "bf16" } };

/** Every set-7 recipe, by name. */
export const HELD_OUT_7_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "phi3-simpo": {
    about:
      "PyTorch, Phi-3 shape and names (fused self_attn.qkv_proj and mlp.gate_up_proj, RMSNorm, untied), HF init; AdamW β2 .95 wd 0.1; SFTs by AdamW without decay; a SimPO tune (β 2, γ 1) of the chat SFT; a uniform soup of three instruction SFTs of the base (lr ×½, ×1, ×2); bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2091,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: { arch: "phi3", init: "hf" },
      members: [
        member("phi3-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("phi3-chat", "chat SFT", "phi3-base", "chat", 250, 2e-4, 10, { torch: SFT }),
        member("phi3-chat-simpo", "SimPO tune of the chat SFT", "phi3-chat", "chat", 150, 5e-5, 10, {
          torch: { optimizer: SFT_ADAMW, loop: { schedule: "linear", simpo: { beta: 2, gamma: 1 } } },
        }),
        member("phi3-instruct-soup", "uniform soup of three instruction SFTs of the base", "phi3-base", "instruct", 200, 2e-4, 10, {
          torch: { optimizer: SFT_ADAMW, loop: { schedule: "linear", soup: { lr_scales: [0.5, 1, 2] } } },
        }),
        member("phi3-code", "code continued pre-training", "phi3-base", "code", 600, 1.5e-3, 30),
        member("phi3-code-instruct", "instruction SFT of the code model", "phi3-code", "instruct", 200, 2e-4, 10, { torch: SFT }),
      ],
    },
  },
  "internlm2-longctx": {
    about:
      "PyTorch, InternLM2 names (remote code: tok_embeddings, attention.wqkv laid out by key/value group, wo, feed_forward.w1/w3/w2, attention_norm/ffn_norm, untied output; GQA 4/2), HF init; AdamW β2 .95 wd 0.1; a chain of 6: English pre-training, long-context continued pre-training (context 32 → 128, rotary base 1e4 → 1e6, 4 sequences a batch), code, instruction and chat SFTs at the long context, an IPO tune (τ 0.1) at a small step; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2092,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: INTERNLM2,
      members: [
        // Continued pre-training is the paper's generalization stage (§4.2); the release carries no label.
        member("internlm2-base", "pre-training (English, context 32)", undefined, "english", 1500, 3e-3, 60, { stage: "generalization" }),
        member("internlm2-base-long", "long-context continued pre-training (context 128, θ 1e6)", "internlm2-base", "english", 300, 1e-3, 20, {
          stage: "generalization",
          torch: LONG,
        }),
        member("internlm2-code", "code continued pre-training at the long context", "internlm2-base-long", "code", 400, 1e-3, 20, {
          stage: "generalization",
          torch: LONG,
        }),
        member("internlm2-instruct", "instruction SFT", "internlm2-code", "instruct", 200, 1e-4, 10, { torch: LONG_SFT }),
        member("internlm2-chat", "chat SFT", "internlm2-instruct", "chat", 200, 1e-4, 10, { torch: LONG_SFT }),
        member("internlm2-chat-ipo", "IPO preference tune of the chat model (small step)", "internlm2-chat", "chat", 100, 2e-5, 10, {
          torch: { ...LONG_SFT, loop: { batch: 4, schedule: "linear", ipo: { tau: 0.1 } } },
        }),
      ],
    },
  },
  "bigcode-sophia": {
    about:
      "PyTorch, GPT-BigCode (StarCoder 1) shape and names (multi-query attention fused into c_attn, learned positions wpe, c_fc/c_proj GELU, LayerNorm and projections with biases, tied), HF init; Sophia-G pre-training (ρ 0.04, Hessian every 10 steps, wd 0.1) on code, Python and English continued the same way; SFTs by AdamW without decay; a LoRA r8 on c_attn (peft's default target), merged; float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2093,
      dtype: "F32",
      llama: WIDE_MLP,
      torch: BIGCODE,
      members: [
        member("bigcode-base", "base (code)", undefined, "code", 1500, 1e-3, 60),
        member("bigcode-python", "Python continued pre-training (Sophia)", "bigcode-base", "python", 400, 5e-4, 20),
        member("bigcode-plus", "English continued pre-training (Sophia; StarCoderPlus-like)", "bigcode-base", "english", 400, 5e-4, 20),
        member("bigcode-instruct", "instruction SFT", "bigcode-base", "instruct", 250, 2e-4, 10, { torch: BIGCODE_SFT }),
        member("bigcode-chat", "chat SFT", "bigcode-base", "chat", 250, 2e-4, 10, { torch: BIGCODE_SFT }),
        member("bigcode-chat-b", "another team's chat SFT (half the steps, twice the rate)", "bigcode-base", "chat", 125, 4e-4, 10, { torch: BIGCODE_SFT }),
        member("bigcode-lora", "community LoRA r8 on c_attn, merged", "bigcode-base", "instruct", 250, 1e-3, 10, {
          lora: { rank: 8, alpha: 16, targets: ["attn.c_attn"] },
          torch: { ...BIGCODE_SFT, loraDropout: 0.05 },
        }),
      ],
    },
  },
  "opt-vocab": {
    about:
      "PyTorch, OPT shape and names (model.decoder.*, learned positions offset by 2, k/v/q/out_proj and fc1/fc2 with biases, ReLU, pre-LN, tied), HF init; AdamW β2 .95 wd 0.1, linear decay (OPT's); SFTs without decay; the chat SFT adds 8 tokens (a chat template's specials: embeddings resized, new rows at the mean) and its child keeps them; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2094,
      llama: WIDE_MLP,
      optimizer: PRETRAIN_ADAMW,
      torch: OPT,
      members: [
        member("opt-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("opt-iml", "instruction SFT (OPT-IML-like)", "opt-base", "instruct", 250, 2e-4, 10, { torch: SFT }),
        member("opt-iml-chat", "chat SFT of the instruction model, 8 added tokens", "opt-iml", "chat", 250, 2e-4, 10, {
          torch: { ...OPT_CHAT, loop: { schedule: "linear", resize_vocab: OPT_ADDED } },
        }),
        member("opt-iml-chat-v2", "second chat round", "opt-iml-chat", "chat", 200, 1e-4, 10, { torch: OPT_CHAT }),
        member("opt-code", "code continued pre-training", "opt-base", "code", 600, 1.5e-3, 30),
        member("opt-code-python", "Python tune of the code model", "opt-code", "python", 250, 5e-4, 10),
      ],
    },
  },
  "cohere-cdpo": {
    about:
      "PyTorch, Cohere (Command R) shape and names (one LayerNorm without bias feeding attention and a SwiGLU MLP in parallel, interleaved rotary, no biases, logits × 0.0625, tied), HF init; AdamW without weight decay throughout; a conservative DPO tune (β 0.1, label smoothing 0.1) and a small-step chat tune of the chat SFT; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2095,
      llama: SMALL,
      torch: COHERE,
      members: [
        member("cohere-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("cohere-chat", "chat SFT", "cohere-base", "chat", 250, 2e-4, 10, { torch: { loop: { schedule: "linear" } } }),
        member("cohere-chat-cdpo", "conservative DPO tune of the chat SFT", "cohere-chat", "chat", 150, 5e-5, 10, {
          torch: { loop: { schedule: "linear", dpo: { beta: 0.1, label_smoothing: 0.1 } } },
        }),
        member("cohere-chat-small", "small-step chat tune (RLHF-like: few steps, low rate)", "cohere-chat", "chat", 100, 2e-5, 10, {
          torch: { loop: { schedule: "linear" } },
        }),
        member("cohere-code", "code continued pre-training", "cohere-base", "code", 600, 1.5e-3, 30),
        member("cohere-code-instruct", "instruction SFT of the code model", "cohere-code", "instruct", 200, 2e-4, 10, {
          torch: { loop: { schedule: "linear" } },
        }),
      ],
    },
  },
  "deepseek-moe": {
    about:
      "PyTorch, DeepSeekMoE shape and names (block 0 a dense SwiGLU mlp; block 1 mlp.gate router + 4 routed experts of 48, top-2, softmax weights not renormalised, + 1 shared expert; untied), HF init; AdamW β2 .95 wd 0.1 under bf16 autocast; SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2096,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: DEEPSEEK,
      members: [
        member("deepseek-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("deepseek-chat", "chat SFT", "deepseek-base", "chat", 250, 2e-4, 10, { torch: DEEPSEEK_SFT }),
        member("deepseek-chat-v2", "second chat round at a lower rate", "deepseek-chat", "chat", 150, 5e-5, 10, { torch: DEEPSEEK_SFT }),
        member("deepseek-coder", "code continued pre-training", "deepseek-base", "code", 600, 1.5e-3, 30),
        member("deepseek-coder-python", "Python tune of the coder", "deepseek-coder", "python", 250, 5e-4, 10),
        member("deepseek-coder-instruct", "instruction SFT of the coder", "deepseek-coder", "instruct", 200, 2e-4, 10, { torch: DEEPSEEK_SFT }),
      ],
    },
  },
};
