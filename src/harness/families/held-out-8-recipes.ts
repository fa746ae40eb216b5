/**
 * Held out, set 8 (issue #13): five language-model families trained by PyTorch (experiments/lm-families/train_lm.py and its
 * modules, nothing added to the trainer), chosen as hub families are and built to stress the four classes of miss set 7
 * showed (docs/direction.md, "What set 7 shows"): (A) a long continued pre-training of the base next to chat and instruction
 * tunes of the same base, (B) an unlabelled continued-pre-training chain with a long-context stage, (C) a clipped-step
 * (Lion) continued pre-training next to AdamW tunes, (D) siblings tuned on the same data. It judges the set-8 candidates of
 * session 14, so it was defined and committed before any candidate existed and before anything was scored on it;
 * family-benchmarks.ts marks it `heldOutSet: 8` and keeps it sealed (read only when `--only set8:` names it).
 *
 * | recipe          | shape (names)                                           | optimiser, loop                                             | tree                                                                                   | seed |
 * | --------------- | ------------------------------------------------------- | ----------------------------------------------------------- | -------------------------------------------------------------------------------------- | ---- |
 * | llama3-coder    | Llama 3-like: GQA 4/2, untied, θ 5e5                     | AdamW β2 .95 wd 0.1; SFTs without decay; DPO                 | base → instruct → DPO; base → chat; base → code (700) → {instruct, python}            | 2101 |
 * | olmo-longctx    | OLMo: no norm parameters, no biases, untied              | AdamW β2 .95 wd 0.1; long-context CPT (ctx 128, θ 1e6)       | chain base → long → code → python → instruct; long → chat (no stage labels released)  | 2102 |
 * | stablelm-lion   | StableLM 2: LayerNorm with biases, rotary ¼, untied      | AdamW base and SFTs; a Lion code CPT (wd 1.0, lr ÷10)        | base → {chat, instruct}; base → code (Lion) → {python, instruct}                      | 2103 |
 * | neox-siblings   | GPT-NeoX (Pythia): fused query_key_value, parallel       | AdamW β2 .95 wd 0.01; SFTs without decay; DPO; LoRA          | base → {chat, chat-b, chat LoRA, instruct}, chat → DPO: three tunes on one data set   | 2104 |
 * | mistral-codemix | Mistral: GQA 4/2, untied                                 | AdamW β2 .95 wd 0.1, bf16 autocast; SFTs without decay       | base → instruct; base → code (600) → {python, python-b, instruct}: same-data code kids | 2105 |
 *
 * Learning rates follow the earlier sets' (a base at 3e-3 for 1,500 steps, SFTs at 1e-4–2e-4, a code stage at 1.5e-3);
 * none was checked against recovery.
 */
import { LLAMA_FAMILY_DEFAULTS, lmMember as member, TORCH_FAMILY } from "./llama-family-settings.ts";
import type { LlamaRecipe } from "./llama-family-recipes.ts";
import type { TorchOptimizer, TorchTraining } from "./torch-lm-family.ts";

/** The Llama pre-training AdamW (β2 0.95, wd 0.1, clip 1). */
const PRETRAIN_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 } as const;
/** An SFT script's AdamW: no weight decay. */
const SFT_ADAMW = { kind: "adamw", beta1: 0.9, beta2: 0.999, wd: 0, clip: 1 } as const;
/** An SFT member: AdamW without decay, linear schedule. */
const SFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear" } };
/** A DPO run (β 0.1) from an SFT model by the SFT script's AdamW. */
const DPO: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", dpo: { beta: 0.1 } } };

/** Llama's small shape with norm ε 1e-5. */
const SMALL = { ...LLAMA_FAMILY_DEFAULTS.llama, rmsNormEps: 1e-5 };

/** Llama 3-like: grouped-query attention (4 heads, 2 key/value), untied, rotary base 5e5. */
const LLAMA3: TorchTraining = { arch: "llama", init: "hf", shape: { kv_heads: 2, rope_theta: 5e5 } };

/** OLMo; its long-context members: 4× the context at a 1e6 rotary base, 4 sequences a batch (the same tokens a step). */
const OLMO: TorchTraining = { arch: "olmo", init: "hf" };
const OLMO_LONG: Partial<TorchTraining> = { shape: { context: 128, rope_theta: 1e6 }, loop: { batch: 4 } };
const OLMO_LONG_SFT: Partial<TorchTraining> = { ...OLMO_LONG, optimizer: SFT_ADAMW, loop: { batch: 4, schedule: "linear" } };

/** StableLM 2; its code stage continues by Lion (sign steps: lr ÷10 of AdamW's, decay ×10, Chen et al. 2023's advice). */
const STABLELM: TorchTraining = { arch: "stablelm", init: "hf", shape: { rotary_pct: 0.25 } };
const LION: TorchOptimizer = { kind: "lion", beta1: 0.9, beta2: 0.99, wd: 1.0, clip: 1 };

/** Pythia's shape (a quarter of each head rotary) trained by AdamW as Pythia was (wd 0.01). */
const PYTHIA: TorchTraining = { arch: "gpt_neox", init: "hf", shape: { rotary_pct: 0.25 } };
const PYTHIA_LORA: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear" }, loraDropout: 0.05 };

/** Mistral with two key/value heads, under bf16 autocast. */
const MISTRAL: TorchTraining = { arch: "mistral", init: "hf", shape: { kv_heads: 2 }, loop: { autocast: "bf16" } };
const MISTRAL_SFT: Partial<TorchTraining> = { optimizer: SFT_ADAMW, loop: { schedule: "linear", autocast: "bf16" } };

/** Every set-8 recipe, by name. */
export const HELD_OUT_8_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "llama3-coder": {
    about:
      "PyTorch, Llama 3-like shape and names (GQA 4/2, untied, rotary base 5e5), HF init; AdamW β2 .95 wd 0.1; instruction and chat SFTs of the base without decay, a DPO tune (β 0.1) of the instruction SFT; a long code continued pre-training (700 steps) with its own instruction SFT and Python tune; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2101,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: LLAMA3,
      members: [
        member("llama3-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("llama3-instruct", "instruction SFT", "llama3-base", "instruct", 250, 2e-4, 10, { torch: SFT }),
        member("llama3-instruct-dpo", "DPO tune of the instruction SFT", "llama3-instruct", "chat", 150, 5e-5, 10, { torch: DPO }),
        member("llama3-chat", "chat SFT", "llama3-base", "chat", 250, 2e-4, 10, { torch: SFT }),
        member("llama3-code", "code continued pre-training (long)", "llama3-base", "code", 700, 1.5e-3, 30),
        member("llama3-code-instruct", "instruction SFT of the code model", "llama3-code", "instruct", 200, 2e-4, 10, { torch: SFT }),
        member("llama3-code-python", "Python continued pre-training of the code model", "llama3-code", "python", 300, 5e-4, 10),
      ],
    },
  },
  "olmo-longctx": {
    about:
      "PyTorch, OLMo shape and names (no norm parameters, no biases, untied), HF init; AdamW β2 .95 wd 0.1; a chain of continued pre-training with no stage label released: English, long context (32 → 128, rotary base 1e4 → 1e6, 4 sequences a batch), code, Python, then an instruction SFT; a chat SFT of the long-context model; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2102,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: OLMO,
      members: [
        // Continued pre-training is the paper's generalization stage (§4.2); the release carries no label.
        member("olmo-base", "pre-training (English, context 32)", undefined, "english", 1500, 3e-3, 60, { stage: "generalization" }),
        member("olmo-long", "long-context continued pre-training (context 128, θ 1e6)", "olmo-base", "english", 300, 1e-3, 20, {
          stage: "generalization",
          torch: OLMO_LONG,
        }),
        member("olmo-long-code", "code continued pre-training at the long context", "olmo-long", "code", 400, 1e-3, 20, {
          stage: "generalization",
          torch: OLMO_LONG,
        }),
        member("olmo-long-python", "Python continued pre-training at the long context", "olmo-long-code", "python", 250, 5e-4, 10, {
          stage: "generalization",
          torch: OLMO_LONG,
        }),
        member("olmo-long-python-instruct", "instruction SFT of the Python model", "olmo-long-python", "instruct", 200, 1e-4, 10, { torch: OLMO_LONG_SFT }),
        member("olmo-long-chat", "chat SFT of the long-context model", "olmo-long", "chat", 200, 1e-4, 10, { torch: OLMO_LONG_SFT }),
      ],
    },
  },
  "stablelm-lion": {
    about:
      "PyTorch, StableLM 2 shape and names (LayerNorm with biases, rotary ¼, untied), HF init; AdamW β2 .95 wd 0.1 base; chat and instruction SFTs without decay; a code continued pre-training by Lion (β .9/.99, lr 1.5e-4, wd 1.0) with an AdamW Python tune and an instruction SFT of its own; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2103,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: STABLELM,
      members: [
        member("stablelm-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("stablelm-chat", "chat SFT", "stablelm-base", "chat", 250, 2e-4, 10, { torch: SFT }),
        member("stablelm-instruct", "instruction SFT", "stablelm-base", "instruct", 250, 2e-4, 10, { torch: SFT }),
        member("stablelm-code", "code continued pre-training by Lion", "stablelm-base", "code", 600, 1.5e-4, 30, { torch: { optimizer: LION } }),
        member("stablelm-code-python", "Python tune of the Lion code model (AdamW)", "stablelm-code", "python", 250, 5e-4, 10),
        member("stablelm-code-instruct", "instruction SFT of the Lion code model", "stablelm-code", "instruct", 200, 2e-4, 10, { torch: SFT }),
      ],
    },
  },
  "neox-siblings": {
    about:
      "PyTorch, GPT-NeoX (Pythia) shape and names (fused query_key_value, parallel residual, rotary ¼, biases, untied embed_out), HF init; AdamW β2 .95 wd 0.01; three tunes of the base on the same chat data by three teams (250 steps at 2e-4, 125 at 4e-4, a merged LoRA r16 on query_key_value and dense), a DPO tune of the first, an instruction SFT; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2104,
      llama: SMALL,
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.01, clipGradNorm: 1 },
      torch: PYTHIA,
      members: [
        member("pythia-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("pythia-chat", "chat SFT", "pythia-base", "chat", 250, 2e-4, 10, { torch: SFT }),
        member("pythia-chat-b", "another team's chat SFT on the same data (half the steps, twice the rate)", "pythia-base", "chat", 125, 4e-4, 10, {
          torch: SFT,
        }),
        member("pythia-chat-lora", "a community chat LoRA r16 on the same data, merged", "pythia-base", "chat", 250, 1e-3, 10, {
          lora: { rank: 16, alpha: 32, targets: ["attention.query_key_value", "attention.dense"] },
          torch: PYTHIA_LORA,
        }),
        member("pythia-chat-dpo", "DPO tune of the chat SFT", "pythia-chat", "chat", 150, 5e-5, 10, { torch: DPO }),
        member("pythia-instruct", "instruction SFT", "pythia-base", "instruct", 250, 2e-4, 10, { torch: SFT }),
      ],
    },
  },
  "mistral-codemix": {
    about:
      "PyTorch, Mistral shape and names (GQA 4/2, untied), HF init; AdamW β2 .95 wd 0.1 under bf16 autocast; an instruction SFT of the base; a code continued pre-training with two Python tunes on the same data by two teams (250 steps at 5e-4, 150 at 1e-3) and an instruction SFT; SFTs without decay; bf16",
    settings: {
      ...TORCH_FAMILY,
      seed: 2105,
      llama: SMALL,
      optimizer: PRETRAIN_ADAMW,
      torch: MISTRAL,
      members: [
        member("mistral-base", "base (English)", undefined, "english", 1500, 3e-3, 60),
        member("mistral-instruct", "instruction SFT", "mistral-base", "instruct", 250, 2e-4, 10, { torch: MISTRAL_SFT }),
        member("codestral", "code continued pre-training", "mistral-base", "code", 600, 1.5e-3, 30),
        member("codestral-python", "Python tune of the code model", "codestral", "python", 250, 5e-4, 10),
        member("codestral-python-b", "another team's Python tune on the same data (fewer steps, twice the rate)", "codestral", "python", 150, 1e-3, 10),
        member("codestral-instruct", "instruction SFT of the code model", "codestral", "instruct", 200, 2e-4, 10, { torch: MISTRAL_SFT }),
      ],
    },
  },
};
