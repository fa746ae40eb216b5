/**
 * Every setting of the VTHR experiment (paper §6 and App. A, scaled to a 2-core machine),
 * with the reason for each default. `experiments/vthr.ts` parses overrides against these;
 * the `quick` preset is a smaller tree set for smoke tests.
 */
import { TASKS } from "../../../datasets/index.ts";
import { VTHR_VIT, type VitConfig } from "../../models/vit-config.ts";
import type { OptimizerSettings } from "../../onnx/index.ts";

/** The three Model Graphs of VTHR (paper §6). */
export type SplitName = "ft" | "lora-v" | "lora-f";
export const SPLITS: readonly SplitName[] = ["ft", "lora-f", "lora-v"];

/** A foundation model pre-trained from random initialisation (generalization stage). */
export interface RootRecipe {
  readonly name: string;
  /** Supervised multi-class on the union label space, or masked-patch reconstruction. */
  readonly objective: "supervised" | "masked-patches";
  readonly tasks: readonly string[];
  readonly seed: number;
  readonly steps: number;
  readonly lr: number;
  /** Fraction of patches masked (masked-patches only). */
  readonly maskRatio?: number;
  /** The paper root it stands in for (Table 1 column). */
  readonly paperRoot: string;
}

/** The fine-tuning recipe; children draw their own seed, task and lr jitter from it. */
export interface FineTuneRecipe {
  readonly steps: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerSettings;
  /** Peak lr of full fine-tuning. */
  readonly lr: number;
  /** Peak lr of LoRA fine-tuning (adapters start at zero and need larger steps; paper 9e-3 vs 2e-4). */
  readonly loraLr: number;
  /** Each fine-tune multiplies its lr by one of these ("mildly varied hyper-parameters"). */
  readonly lrJitter: readonly number[];
  readonly warmupSteps: number;
  readonly trainCount: number;
  readonly evalCount: number;
}

export interface VthrSettings {
  /** Master seed: tasks, seeds and jitter of every fine-tune derive from it. */
  readonly seed: number;
  readonly vit: VitConfig;
  readonly roots: readonly RootRecipe[];
  readonly splits: readonly SplitName[];
  /** Children per root and grandchildren per child (paper: 4 and 4 ⇒ 21 models a tree). */
  readonly children: number;
  readonly grandchildren: number;
  /** Tasks fine-tunes draw from (a child's task always differs from its parent's). */
  readonly tasks: readonly string[];
  readonly fineTune: FineTuneRecipe;
  /** LoRA-V draws a rank per model from these; α = rank as in the paper (App. A, Tab. 3). */
  readonly loraRanks: readonly number[];
  /** LoRA-F's fixed rank (paper: 16 of 768; ours is a third of dim 48). */
  readonly loraFixedRank: number;
  /** Pre-training of the roots. */
  readonly pretrain: {
    readonly batchSize: number;
    readonly trainCount: number;
    readonly evalCount: number;
    readonly optimizer: OptimizerSettings;
    readonly warmupSteps: number;
  };
  /** Parallel training workers (one ORT thread each; SPEC §7). */
  readonly workers: number;
}

const ALL_TASKS = TASKS.map((task) => task.name);
const ADAMW: OptimizerSettings = { kind: "adamw", weightDecay: 0.05, clipGradNorm: 1 };

/**
 * Five diverse roots like the paper's (ImageNet, ImageNet-21k, MAE, DINO, MSN): different
 * data mixtures, seeds and two objectives.
 */
const ROOTS: readonly RootRecipe[] = [
  {
    name: "sup-objects",
    objective: "supervised",
    tasks: ["count-objects", "shape", "object-position", "object-size", "orientation"],
    seed: 11,
    steps: 2000,
    lr: 2e-3,
    paperRoot: "ImageNet",
  },
  { name: "sup-all", objective: "supervised", tasks: ALL_TASKS, seed: 12, steps: 2400, lr: 2e-3, paperRoot: "ImageNet-21k" },
  { name: "mae-all", objective: "masked-patches", tasks: ALL_TASKS, seed: 13, steps: 2000, lr: 2e-3, maskRatio: 0.75, paperRoot: "MAE" },
  {
    name: "sup-textures",
    objective: "supervised",
    tasks: ["texture", "stripe-frequency", "digits", "hue", "background-hue", "tissue-tumour"],
    seed: 14,
    steps: 2000,
    lr: 1.5e-3,
    paperRoot: "DINO",
  },
  {
    name: "mae-scenes",
    objective: "masked-patches",
    tasks: ["object-distance", "light-azimuth", "line-count", "symmetry", "count-objects"],
    seed: 15,
    steps: 2000,
    lr: 2e-3,
    maskRatio: 0.5,
    paperRoot: "MSN",
  },
];

export const VTHR_DEFAULTS: VthrSettings = {
  seed: 2024,
  vit: VTHR_VIT,
  roots: ROOTS,
  splits: SPLITS,
  children: 4,
  grandchildren: 4,
  tasks: ALL_TASKS,
  fineTune: {
    steps: 300,
    batchSize: 32,
    optimizer: ADAMW,
    lr: 1e-3,
    loraLr: 5e-3,
    lrJitter: [0.7, 1, 1.4],
    warmupSteps: 30,
    trainCount: 2048,
    evalCount: 256,
  },
  loraRanks: [2, 4, 8, 16],
  loraFixedRank: 8,
  pretrain: { batchSize: 64, trainCount: 8192, evalCount: 512, optimizer: ADAMW, warmupSteps: 100 },
  workers: 2,
};

/**
 * `--quick`: 2 roots × (2 children × 1 grandchild) per split, short runs — an end-to-end
 * smoke test (26 models, about half a minute of training on two idle cores). Its accuracies
 * are not meant to match the paper: the models barely train.
 */
export const VTHR_QUICK: VthrSettings = {
  ...VTHR_DEFAULTS,
  roots: [
    { ...ROOTS[0]!, steps: 200 },
    { ...ROOTS[2]!, steps: 200 },
  ],
  children: 2,
  grandchildren: 1,
  fineTune: { ...VTHR_DEFAULTS.fineTune, steps: 60, warmupSteps: 10, trainCount: 512, evalCount: 64 },
  pretrain: { ...VTHR_DEFAULTS.pretrain, batchSize: 32, trainCount: 1024, evalCount: 64, warmupSteps: 30 },
};
