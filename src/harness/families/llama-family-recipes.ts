/**
 * The Llama-like family under other recipes, trainers, names and sizes (issue #13 item 4):
 * the same five-model tree (base → chat, base → code → {python, instruct}) trained in ways
 * the direction rules and the distance were never tuned on. Each recipe has its own seed,
 * so no two families share a model. `--recipe` in experiments/llama-family.ts picks one.
 *
 * | recipe        | trainer | optimiser                  | what changes                                                 |
 * | ------------- | ------- | -------------------------- | ------------------------------------------------------------ |
 * | llama-2       | ours    | AdamW β2 .95, wd 0.1       | the default family (Llama 2's optimiser and token ratios)    |
 * | adam-low-lr   | ours    | Adam, no weight decay      | chat/instruct at 1e-5 (SFT-style), code at 1e-3              |
 * | lora          | ours    | AdamW wd 0.1               | chat and instruct as rank-8 q/v LoRA, merged                 |
 * | long-code     | ours    | AdamW wd 0.1               | code stage as long as the base's, then instruct; F32         |
 * | large         | ours    | AdamW wd 0.1               | 12.9 M parameters (dim 512, depth 4, context 64)             |
 * | torch         | PyTorch | torch.optim.AdamW wd 0.01  | torch's default init (kaiming-uniform), torch's optimizer    |
 * | gpt2          | PyTorch | torch.optim.AdamW wd 0.01  | GPT-2 (LayerNorm, Conv1D, biases, tied head), HF GPT-2 names |
 * | hf-adamw      | ours    | AdamW β2 .999, wd 0.01     | HF Trainer-style: decay to 0, instruct longer than python    |
 *
 * hf-adamw was added after the direction rules and distance variants were chosen on the
 * others (family-benchmarks.ts marks it held out).
 */
import type { OptimizerSettings } from "../../onnx/index.ts";
import { LLAMA_FAMILY_DEFAULTS, LLAMA_MEMBERS, type LlamaFamilySettings, type LmMemberRecipe } from "./llama-family-settings.ts";

/** A named recipe: its settings and one line for the report. */
export interface LlamaRecipe {
  readonly about: string;
  readonly settings: LlamaFamilySettings;
}

const byId = (id: string): LmMemberRecipe => LLAMA_MEMBERS.find((m) => m.id === id)!;

/** Adam without weight decay; chat-style fine-tunes at a learning rate 100× below the base's (Alpaca/Vicuna: 2e-5). */
const ADAM: OptimizerSettings = { kind: "adam", beta1: 0.9, beta2: 0.999, clipGradNorm: 1 };

/** torch.optim.AdamW's own defaults (β 0.9/0.999, weight decay 0.01), with clipping as HF's Trainer does. */
const TORCH_ADAMW: OptimizerSettings = { kind: "adamw", beta1: 0.9, beta2: 0.999, weightDecay: 0.01, clipGradNorm: 1 };

/**
 * PyTorch's single thread here runs generic BLAS (Debian's build: ~6 GFLOP/s), ~3× slower per
 * step than our trainer on the small LM, so its families take fewer steps (same ratios).
 */
const TORCH_MEMBERS: readonly LmMemberRecipe[] = [
  { ...byId("llama-2"), steps: 2500, warmupSteps: 100 },
  { ...byId("llama-2-chat"), steps: 250, lr: 1e-4, warmupSteps: 15 },
  { ...byId("codellama"), steps: 800, warmupSteps: 40 },
  { ...byId("codellama-python"), steps: 200, lr: 5e-4, warmupSteps: 15 },
  { ...byId("codellama-instruct"), steps: 150, lr: 1e-4, warmupSteps: 10 },
];

/**
 * Fine-tuning scripts' AdamW (Hugging Face Trainer's β, weight decay 0.01), learning rate
 * decayed to 0; instruct trains longer than python (at a lower rate) — the reverse of the default.
 */
const HF_MEMBERS: readonly LmMemberRecipe[] = [
  { ...byId("llama-2"), steps: 8000, lr: 2e-3, warmupSteps: 200 },
  { ...byId("llama-2-chat"), steps: 800, lr: 5e-5, warmupSteps: 0 },
  { ...byId("codellama"), steps: 3000, lr: 1e-3, warmupSteps: 100 },
  { ...byId("codellama-python"), steps: 400, lr: 2e-4, warmupSteps: 0 },
  { ...byId("codellama-instruct"), steps: 600, lr: 5e-5, warmupSteps: 0 },
];

/** Every recipe, by name. */
export const LLAMA_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "llama-2": { about: "our trainer, AdamW wd 0.1, Llama 2's token ratios (the default family)", settings: LLAMA_FAMILY_DEFAULTS },
  "adam-low-lr": {
    about: "our trainer, Adam without weight decay, chat and instruct fine-tuned at lr 1e-5",
    settings: {
      ...LLAMA_FAMILY_DEFAULTS,
      seed: 2025,
      optimizer: ADAM,
      members: [
        { ...byId("llama-2"), lr: 2e-3 },
        { ...byId("llama-2-chat"), lr: 1e-5 },
        { ...byId("codellama"), lr: 1e-3 },
        { ...byId("codellama-python"), lr: 3e-4 },
        { ...byId("codellama-instruct"), lr: 1e-5 },
      ],
    },
  },
  lora: {
    about: "our trainer, AdamW wd 0.1; chat and instruct are rank-8 LoRA on q/v (lr 1e-3), merged",
    settings: {
      ...LLAMA_FAMILY_DEFAULTS,
      seed: 2026,
      members: LLAMA_MEMBERS.map((m) =>
        m.corpus === "chat" || m.corpus === "instruct"
          ? { ...m, lr: 1e-3, lora: { rank: 8, alpha: 16, targets: ["self_attn.q_proj", "self_attn.v_proj"] } }
          : m,
      ),
    },
  },
  "long-code": {
    about: "our trainer, AdamW wd 0.1; continued pre-training on code as long as the base's, then instruction tuning; float32",
    settings: {
      ...LLAMA_FAMILY_DEFAULTS,
      seed: 2027,
      dtype: "F32",
      members: [
        { ...byId("llama-2"), steps: 6000 },
        byId("llama-2-chat"),
        { ...byId("codellama"), steps: 6000, lr: 2e-3 },
        { ...byId("codellama-python"), steps: 800 },
        { ...byId("codellama-instruct"), steps: 800, lr: 5e-5 },
      ],
    },
  },
  large: {
    about: "our trainer, AdamW wd 0.1, 12.9 M parameters (dim 512, depth 4, 8 heads, context 64), batch 8",
    settings: {
      ...LLAMA_FAMILY_DEFAULTS,
      seed: 2028,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, dim: 512, depth: 4, heads: 8, mlpDim: 1376, contextLength: 64 },
      batchSize: 8,
      members: [
        { ...byId("llama-2"), steps: 600, lr: 1e-3, warmupSteps: 30 },
        { ...byId("llama-2-chat"), steps: 100, lr: 5e-5, warmupSteps: 5 },
        { ...byId("codellama"), steps: 300, lr: 1e-3, warmupSteps: 15 },
        { ...byId("codellama-python"), steps: 100, lr: 3e-4, warmupSteps: 5 },
        { ...byId("codellama-instruct"), steps: 80, lr: 5e-5, warmupSteps: 5 },
      ],
    },
  },
  torch: {
    about: "PyTorch: torch's default init and torch.optim.AdamW (wd 0.01), Llama names, bf16",
    settings: { ...LLAMA_FAMILY_DEFAULTS, seed: 2029, optimizer: TORCH_ADAMW, members: TORCH_MEMBERS, torch: { arch: "llama", init: "torch" }, workers: 1 },
  },
  gpt2: {
    about: "PyTorch: GPT-2 (LayerNorm, Conv1D, biases, tied head; GPT-2's init), HF GPT-2 names, torch.optim.AdamW (wd 0.01), float32",
    settings: {
      ...LLAMA_FAMILY_DEFAULTS,
      seed: 2030,
      llama: { ...LLAMA_FAMILY_DEFAULTS.llama, mlpDim: 256, rmsNormEps: 1e-5 },
      optimizer: TORCH_ADAMW,
      members: TORCH_MEMBERS,
      dtype: "F32",
      torch: { arch: "gpt2", init: "hf" },
      workers: 1,
    },
  },
  "hf-adamw": {
    about: "our trainer, HF Trainer-style AdamW (β2 0.999, wd 0.01), lr decayed to 0, instruct longer than python (held out)",
    settings: {
      ...LLAMA_FAMILY_DEFAULTS,
      seed: 2034,
      optimizer: { kind: "adamw", beta1: 0.9, beta2: 0.999, weightDecay: 0.01, clipGradNorm: 1 },
      lrFloorFraction: 0,
      members: HF_MEMBERS,
    },
  },
};

/** The recipe names, in table order. */
export const LLAMA_RECIPE_NAMES = Object.keys(LLAMA_RECIPES);
