/**
 * Every setting of the Llama-like family (paper Fig. 1: Llama 2 → Llama 2 Chat, Llama 2 →
 * Code Llama → {Code Llama Python, Code Llama Instruct}), with the reason for each default.
 * Ratios follow the Llama 2 and Code Llama papers, scaled to a 2-core machine.
 */
import { SMALL_LLAMA, type LlamaConfig } from "../../models/llama-config.ts";
import type { OptimizerSettings } from "../../onnx/index.ts";
import type { DataSpec } from "../../train/data-source.ts";
import type { RecoveryVariant } from "./recover-family.ts";
import { paperFamilyRecoveries } from "./paper-recoveries.ts";
import type { LoraConfig } from "../../models/lora.ts";
import type { TorchTraining } from "./torch-lm-family.ts";
import type { Stage } from "../../types.ts";

/** A text corpus of datasets/text. */
export type TextCorpus = Extract<DataSpec, { kind: "text" }>["corpus"];

/** One member of the family: its release name, parent and training run. */
export interface LmMemberRecipe {
  /** Release name (= model id and folder name), e.g. `codellama-python`. */
  readonly id: string;
  readonly paperName: string;
  readonly parent?: string;
  readonly corpus: TextCorpus;
  readonly steps: number;
  /** Peak learning rate; the schedule decays by cosine to `lrFloorFraction` of it. */
  readonly lr: number;
  readonly warmupSteps: number;
  /** Keep only the first this many byte tokens of the corpus (undefined: all of it). */
  readonly maxBytes?: number;
  /** Train LoRA adapters (merged into the saved weights) instead of every weight. */
  readonly lora?: LoraConfig;
  /** The truth's stage label (default specialization, paper §6.2); generalization for a continued pre-training checkpoint. */
  readonly stage?: Stage;
  /** PyTorch settings of this member over the family's `torch` (another team's fine-tuning script: optimizer, loop, dropout). */
  readonly torch?: Partial<TorchTraining>;
}

export interface LlamaFamilySettings {
  /** Master seed: every member's init, batch order and corpus shuffle derive from it. */
  readonly seed: number;
  readonly llama: LlamaConfig;
  readonly batchSize: number;
  readonly optimizer: OptimizerSettings;
  /** Llama 2 decays to 10 % of the peak learning rate (Touvron et al. 2023, §2.2). */
  readonly lrFloorFraction: number;
  /** Held-out tail of every corpus (evaluation only). */
  readonly evalFraction: number;
  readonly members: readonly LmMemberRecipe[];
  /** Released weights are bfloat16 (as Meta's Llama 2 / Code Llama checkpoints). */
  readonly dtype: "BF16" | "F32";
  /** Recovery settings to run; the first is the paper's (§6.2: ℓ_FT, every model specialization, one tree). */
  readonly recoveries: readonly RecoveryVariant[];
  readonly workers: number;
  /** Trained by PyTorch (experiments/lm-families/train_lm.py) instead of our ONNX trainer; absent = ours. */
  readonly torch?: TorchTraining;
}

/** Llama 2's optimiser: AdamW β2 = 0.95, weight decay 0.1, gradient clipping 1.0. */
const LLAMA_ADAMW: OptimizerSettings = { kind: "adamw", beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clipGradNorm: 1 };

/**
 * Steps mirror the token budgets: Code Llama continues Llama 2 on ¼ of its pre-training
 * tokens (500 B of 2 T) at Llama 2's peak learning rate, Code Llama - Python on 100 B more
 * (⅕ of the code stage) at ⅓ of it (1e-4 against 3e-4). Chat and Instruct are supervised
 * fine-tunes at Llama 2's SFT learning rate (2e-5 against 3e-4, ÷15); their real token
 * counts (≈ 0.001 % and 1 %) would be a handful of steps here, so they get a few hundred.
 * (A first full run gave Python 3e-3 and Instruct 1e-3; corrected to the papers' ratios.)
 */
export const LLAMA_MEMBERS: readonly LmMemberRecipe[] = [
  { id: "llama-2", paperName: "Llama 2", corpus: "english", steps: 10000, lr: 3e-3, warmupSteps: 200 },
  { id: "llama-2-chat", paperName: "Llama 2 Chat", parent: "llama-2", corpus: "chat", steps: 600, lr: 2e-4, warmupSteps: 30 },
  { id: "codellama", paperName: "Code Llama", parent: "llama-2", corpus: "code", steps: 2500, lr: 3e-3, warmupSteps: 100 },
  { id: "codellama-python", paperName: "Code Llama - Python", parent: "codellama", corpus: "python", steps: 500, lr: 1e-3, warmupSteps: 40 },
  { id: "codellama-instruct", paperName: "Code Llama - Instruct", parent: "codellama", corpus: "instruct", steps: 400, lr: 2e-4, warmupSteps: 30 },
];

/** The recoveries every run reports: the paper's setting (specialization) first, then what a user gets by default. */
export const LLAMA_RECOVERIES: readonly RecoveryVariant[] = paperFamilyRecoveries("specialization");

export const LLAMA_FAMILY_DEFAULTS: LlamaFamilySettings = {
  seed: 2023,
  llama: SMALL_LLAMA,
  batchSize: 16,
  optimizer: LLAMA_ADAMW,
  lrFloorFraction: 0.1,
  evalFraction: 0.02,
  members: LLAMA_MEMBERS,
  dtype: "BF16",
  recoveries: LLAMA_RECOVERIES,
  workers: 2,
};

/** `--quick`: the same five-model tree on 40 kB of each corpus and a few dozen steps — a smoke test, not a result. */
export const LLAMA_FAMILY_QUICK: LlamaFamilySettings = {
  ...LLAMA_FAMILY_DEFAULTS,
  evalFraction: 0.1,
  members: LLAMA_MEMBERS.map((member) => ({
    ...member,
    steps: member.parent === undefined ? 120 : 30,
    warmupSteps: member.parent === undefined ? 10 : 3,
    lr: Math.max(member.lr, 1e-3),
    maxBytes: 40_000,
  })),
};

/** What every PyTorch-trained family of the held-out sets shares: train_lm.py trains it, one model at a time. */
export const TORCH_FAMILY: LlamaFamilySettings = { ...LLAMA_FAMILY_DEFAULTS, workers: 1, torch: { arch: "llama", init: "torch" } };

/** A member in one line: id, what it stands for, parent, corpus, steps, peak lr, warmup, anything else. */
export const lmMember = (
  id: string,
  paperName: string,
  parent: string | undefined,
  corpus: LmMemberRecipe["corpus"],
  steps: number,
  lr: number,
  warmupSteps: number,
  extra: Partial<LmMemberRecipe> = {},
): LmMemberRecipe => ({ id, paperName, ...(parent !== undefined ? { parent } : {}), corpus, steps, lr, warmupSteps, ...extra });
