/**
 * Held out, set 6 (issue #13; protocol /work/set6-protocol.md): six language-model families
 * trained by PyTorch (experiments/lm-families/train_lm.py, lm_hub.py, lm_preference.py) in
 * architectures, tensor names and recipes no earlier set used: a Mixtral-like mixture of experts
 * (router + experts), StableLM 2 (LayerNorm with biases, partial rotary), Starcoder2 (biases
 * everywhere, c_fc/c_proj), BLOOM (ALiBi, embedding LayerNorm, tied) and GPT-J (parallel block,
 * interleaved partial rotary, head bias), plus an untied Qwen2; Muon, schedule-free AdamW,
 * Adagrad, AdamW with strong decay and tight clipping; KTO and ORPO preference tunes,
 * distillation from a sibling, QLoRA (adapters trained against an NF4-rounded base, merged into
 * the original or the rounded weights), a continued pre-training chain. It judges the candidates
 * of this session, so it was defined and committed before anything was scored on it;
 * family-benchmarks.ts marks it `heldOutSet: 6` and keeps it sealed.
 *
 * | recipe             | shape (names)                                                   | optimiser, loop                                     | tree                                                              | seed |
 * | ------------------ | --------------------------------------------------------------- | --------------------------------------------------- | ----------------------------------------------------------------- | ---- |
 * | mixtral-muon       | Mixtral: 4 experts, top-2, router, GQA 4/2, untied              | Muon (wd 0.1) pre-training, bf16 autocast; SFTs AdamW; a KTO tune | base → instruct → KTO; base → code → {python, instruct}  | 2081 |
 * | bloom-adagrad      | BLOOM: ALiBi, embedding LayerNorm, fused q/k/v, tied            | Adagrad, no weight decay, linear                     | base → {chat, instruct}; base → code → python → python-instruct   | 2082 |
 * | gptj-schedulefree  | GPT-J: parallel block, rotary ¼ interleaved, head bias, untied  | schedule-free AdamW (wd 0.05), constant after warmup | a chain of 7: English, code, Python, anneal, three SFTs           | 2083 |
 * | stablelm-distill   | StableLM 2: LayerNorm + biases, q/k/v biases, rotary ¼, untied  | AdamW wd 0.3, clip 0.5                               | base → chat; base → chat distilled from it; base → code → {python, instruct} | 2084 |
 * | qwen2-qlora        | Qwen2-7B-like: GQA 4/2, q/k/v biases, untied, θ 1e6              | AdamW wd 0.1; ORPO; QLoRA merges                     | base → {instruct, ORPO, chat QLoRA}; base → coder → {instruct QLoRA, python} | 2085 |
 * | starcoder2-star    | Starcoder2: GQA 4/2, biases everywhere, c_fc/c_proj, tied        | AdamW no decay, warmup-stable-decay; float32         | base → Python; base → instruct → {chat, chat at 5× lr, merged LoRA} | 2086 |
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

/** A 4× MLP with LayerNorm ε 1e-5 (BLOOM, GPT-J, Starcoder2). */
const WIDE_MLP = { ...LLAMA_FAMILY_DEFAULTS.llama, mlpDim: 256, rmsNormEps: 1e-5 };

/** Mixtral's shape: 4 experts of 96 hidden units (≈ the dense MLP's active width), 2 per token, router_aux_loss_coef 0.02; Muon pre-training under bf16 autocast. */
const MIXTRAL: TorchTraining = {
  arch: "mixtral",
  init: "hf",
  shape: { kv_heads: 2, experts: 4, top_k: 2, router_aux: 0.02 },
  optimizer: { kind: "muon", momentum: 0.95, beta1: 0.9, beta2: 0.95, wd: 0.1, clip: 1 },
  loop: { autocast: "bf16" },
};
/** Mixtral SFTs: AdamW without decay, linear, bf16 autocast. */
const MIXTRAL_SFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", autocast: "bf16" } };

/** StableLM 2: a quarter of each head rotary, q/k/v biases (the architecture's own); AdamW with strong decay and a tight clip. */
const STABLELM: TorchTraining = { arch: "stablelm", init: "hf", shape: { rotary_pct: 0.25 } };

/** Qwen2-7B's shape: grouped-query attention, q/k/v biases, untied head, θ 1e6. */
const QWEN2_UNTIED: TorchTraining = { arch: "qwen2", init: "hf", shape: { kv_heads: 2, qkv_bias: true } };
/** peft's QLoRA on every linear layer of a Qwen2 block. */
const QWEN2_ALL_LINEAR = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];
/** A QLoRA run (paged AdamW without decay in the QLoRA paper: plain AdamW here), constant schedule, merged into `mergeInto`. */
const qlora = (mergeInto: "original" | "dequantized"): Partial<TorchTraining> => ({
  ...QWEN2_UNTIED,
  optimizer: SFT_ADAMW,
  loop: { schedule: "constant" },
  loraDropout: 0.05,
  qlora: { mergeInto },
});

/** Starcoder2's shape: grouped-query, tied; biases and the c_fc/c_proj MLP are the architecture's own. */
const STARCODER2: TorchTraining = { arch: "starcoder2", init: "hf", shape: { kv_heads: 2, tied: true }, loop: { schedule: "wsd" } };

/** Every set-6 recipe, by name. */
export const HELD_OUT_6_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "mixtral-muon": {
    about:
      "PyTorch, Mixtral shape and names (block_sparse_moe: router + 4 SwiGLU experts, top-2, load-balancing loss; GQA 4/2; untied), HF init; Muon (Moonlight scaling, wd 0.1) for pre-training and code, bf16 autocast; SFTs by AdamW without decay; a KTO tune (β 0.1) of the instruct model; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2081,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, mlpDim: 96 },
      torch: MIXTRAL,
      members: [
        member("mixtral-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("mixtral-instruct", "instruction SFT", "mixtral-base", "instruct", 250, 1e-4, 10, { torch: MIXTRAL_SFT }),
        member("mixtral-instruct-kto", "KTO preference tune of the instruct model", "mixtral-instruct", "chat", 150, 5e-5, 10, {
          torch: { optimizer: SFT_ADAMW, loop: { schedule: "linear", kto: { beta: 0.1 } } },
        }),
        member("mixtral-code", "code continued pre-training (Muon)", "mixtral-base", "code", 600, 1.5e-3, 30),
        member("mixtral-code-python", "Python SFT of the code model", "mixtral-code", "python", 200, 2e-4, 10, { torch: MIXTRAL_SFT }),
        member("mixtral-code-instruct", "instruction SFT of the code model", "mixtral-code", "instruct", 200, 1e-4, 10, { torch: MIXTRAL_SFT }),
      ],
    },
  },
  "bloom-adagrad": {
    about:
      "PyTorch, BLOOM shape and names (ALiBi, word_embeddings_layernorm, fused query_key_value head by head, biases, GELU, tied), HF init; Adagrad without weight decay (every run restarts its accumulators), linear; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2082,
      llama: WIDE_MLP,
      torch: { arch: "bloom", init: "hf", optimizer: { kind: "adagrad", clip: 1 }, loop: { schedule: "linear" } },
      members: [
        member("bloom-base", "base (English)", undefined, "english", 1500, 2e-2, 60),
        member("bloomz-chat", "chat tune", "bloom-base", "chat", 250, 2e-3, 10),
        member("bloomz-instruct", "instruction tune", "bloom-base", "instruct", 250, 2e-3, 10),
        member("bloom-code", "code continued pre-training", "bloom-base", "code", 600, 1e-2, 30),
        member("bloom-code-python", "Python tune of the code model", "bloom-code", "python", 300, 3e-3, 10),
        member("bloom-code-python-instruct", "instruction tune of the Python model", "bloom-code-python", "instruct", 200, 2e-3, 10),
      ],
    },
  },
  "gptj-schedulefree": {
    about:
      "PyTorch, GPT-J shape and names (ln_1 feeding attention and MLP in parallel, q/k/v/out_proj without biases, fc_in/fc_out, rotary on ¼ of each head interleaved, lm_head with a bias), HF init; schedule-free AdamW (wd 0.05; the released weights are its averaged iterate), constant after warmup; a chain of 7: English, code and Python pre-training, an English anneal, then instruction, chat and chat-v2 SFTs; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2083,
      llama: WIDE_MLP,
      torch: {
        arch: "gptj",
        init: "hf",
        shape: { rotary_pct: 0.25 },
        optimizer: { kind: "adamw-schedulefree", beta1: 0.9, beta2: 0.999, wd: 0.05, clip: 1 },
        loop: { schedule: "constant" },
      },
      members: [
        // Continued pre-training is the paper's generalization stage (§4.2); the release carries no label.
        member("gptj-base", "pre-training (English)", undefined, "english", 1200, 3e-3, 60, { stage: "generalization" }),
        member("gptj-code", "continued pre-training: code", "gptj-base", "code", 400, 2e-3, 20, { stage: "generalization" }),
        member("gptj-python", "continued pre-training: Python", "gptj-code", "python", 300, 1e-3, 20, { stage: "generalization" }),
        member("gptj-anneal", "annealing: English at a low rate", "gptj-python", "english", 300, 5e-4, 10, { stage: "generalization" }),
        member("gptj-instruct", "instruction SFT", "gptj-anneal", "instruct", 250, 2e-4, 10),
        member("gptj-chat", "chat SFT", "gptj-instruct", "chat", 250, 2e-4, 10),
        member("gptj-chat-v2", "second chat round", "gptj-chat", "chat", 200, 1e-4, 10),
      ],
    },
  },
  "stablelm-distill": {
    about:
      "PyTorch, StableLM 2 shape and names (LayerNorm with biases, q/k/v biases, o_proj without, SwiGLU, rotary ¼, untied), HF init; AdamW β2 .95 with strong decay (wd 0.3) and a tight clip (0.5), cosine; a chat model distilled (T 2, α 0.5) from its sibling chat tune, starting at the base; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2084,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, rmsNormEps: 1e-5 },
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.3, clipGradNorm: 0.5 },
      torch: STABLELM,
      members: [
        member("stablelm-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("stablelm-chat", "chat SFT", "stablelm-base", "chat", 300, 2e-4, 10),
        member("stablelm-chat-distilled", "the base distilled from the chat tune on chat data", "stablelm-base", "chat", 300, 2e-4, 10, {
          torch: { loop: { distill: { teacher: "stablelm-chat", temperature: 2, alpha: 0.5 } } },
        }),
        member("stablelm-code", "code continued pre-training", "stablelm-base", "code", 600, 1.5e-3, 30),
        member("stablelm-code-python", "Python tune of the code model", "stablelm-code", "python", 200, 5e-4, 10),
        member("stablelm-code-instruct", "instruction tune of the code model", "stablelm-code", "instruct", 200, 2e-4, 10),
      ],
    },
  },
  "qwen2-qlora": {
    about:
      "PyTorch, Qwen2-7B-like shape and names (GQA 4/2, q/k/v biases, untied head, θ 1e6), HF init; AdamW β2 .95, wd 0.1, cosine; an ORPO tune (λ 0.1) of the base; QLoRA tunes (all-linear r16/r8 against the NF4-rounded base, merged into the original weights / into the rounded ones); bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2085,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, ropeTheta: 1e6 },
      optimizer: PRETRAIN_ADAMW,
      torch: QWEN2_UNTIED,
      members: [
        member("qwen2-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("qwen2-instruct", "instruction SFT (every weight)", "qwen2-base", "instruct", 250, 1e-4, 10, { torch: { optimizer: SFT_ADAMW } }),
        member("qwen2-orpo", "ORPO tune of the base on chat", "qwen2-base", "chat", 250, 1e-4, 10, {
          torch: { optimizer: SFT_ADAMW, loop: { schedule: "linear", orpo: { lambda: 0.1 } } },
        }),
        member("qwen2-chat-qlora", "QLoRA r16 on the base, merged into the bf16 base", "qwen2-base", "chat", 300, 1e-3, 10, {
          lora: { rank: 16, alpha: 32, targets: QWEN2_ALL_LINEAR },
          torch: qlora("original"),
        }),
        member("qwen2-coder", "code continued pre-training", "qwen2-base", "code", 600, 1.5e-3, 30),
        member("qwen2-coder-qlora", "QLoRA r8 on the coder, merged into the NF4-rounded weights", "qwen2-coder", "instruct", 250, 1e-3, 10, {
          lora: { rank: 8, alpha: 16, targets: QWEN2_ALL_LINEAR },
          torch: qlora("dequantized"),
        }),
        member("qwen2-coder-python", "Python tune of the coder (every weight)", "qwen2-coder", "python", 200, 3e-4, 10),
      ],
    },
  },
  "starcoder2-star": {
    about:
      "PyTorch, Starcoder2 shape and names (GQA 4/2, LayerNorm and every projection with biases, c_fc/c_proj GELU, tied), HF init; AdamW without weight decay, warmup-stable-decay; base on code; community tunes of the instruct model (full at 1× and 5× lr, a merged all-projection LoRA); float32",
    settings: {
      ...TORCH_FAMILY,
      seed: 2086,
      dtype: "F32",
      llama: WIDE_MLP,
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0, clipGradNorm: 1 },
      torch: STARCODER2,
      members: [
        member("starcoder2-base", "base (code)", undefined, "code", 1500, 3e-3, 60),
        member("starcoder2-python", "Python continued pre-training", "starcoder2-base", "python", 400, 1e-3, 20),
        member("starcoder2-instruct", "instruction SFT", "starcoder2-base", "instruct", 300, 2e-4, 10),
        member("starcoder2-instruct-chat", "community chat tune of the instruct model", "starcoder2-instruct", "chat", 200, 1e-4, 10),
        member("starcoder2-instruct-chat-hot", "the same chat tune at 5× the learning rate", "starcoder2-instruct", "chat", 200, 5e-4, 10),
        member(
          "starcoder2-instruct-lora",
          "community LoRA r16 (every projection) on the instruct model, merged",
          "starcoder2-instruct",
          "python",
          250,
          1e-3,
          10,
          {
            lora: { rank: 16, alpha: 32, targets: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.c_fc", "mlp.c_proj"] },
            torch: { ...STARCODER2, optimizer: SFT_ADAMW, loop: { schedule: "linear" }, loraDropout: 0.05 },
          },
        ),
      ],
    },
  },
};
