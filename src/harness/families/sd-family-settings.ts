/**
 * Every setting of the Stable-Diffusion-like family (paper Fig. 8): a chain of continued
 * pre-training where every release resumes its parent on a re-filtered image mixture with
 * the same generative objective, mirroring the SD v1 model cards as the paper draws them:
 *
 *   sd-v1-1 → sd-v1-2 → {sd-v1-3, sd-v1-4},  sd-v1-4 → sd-v1-5   (4 levels, 5 models)
 *
 * Why a masked-patch ViT: SD's objective is pixel generation (denoising); of the harness's
 * objectives masked-patch reconstruction is the generative one, it trains on images as SD
 * does, and it needs no labels, so a continuation changes the data mixture, never the head.
 * The root is the VTHR "MAE" root (masked patches on every task), already trained by
 * experiments/vthr.ts with the same settings, so the chain adds only the continuations.
 */
import { TASKS } from "../../../datasets/index.ts";
import type { OptimizerSettings } from "../../onnx/index.ts";
import { VTHR_DEFAULTS, VTHR_QUICK, type VthrSettings } from "../vthr/vthr-settings.ts";
import type { RecoveryVariant } from "./recover-family.ts";
import { paperFamilyRecoveries } from "./paper-recoveries.ts";

/** One continuation: resumes `parent` on `tasks` (a stand-in for one LAION subset). */
export interface SdContinuationRecipe {
  readonly id: string;
  readonly paperName: string;
  readonly parent: string;
  /** What the mixture stands for, e.g. "laion-improved-aesthetics". */
  readonly stands: string;
  readonly tasks: readonly string[];
  readonly steps: number;
  /** Constant after warmup, as SD v1 trained (lr 1e-4 throughout, 10k warmup steps). */
  readonly lr: number;
  readonly warmupSteps: number;
  readonly maskRatio: number;
}

export interface SdFamilySettings {
  /** Master seed of the continuations (the root keeps VTHR's). */
  readonly seed: number;
  /** The VTHR settings whose root `rootName` is sd-v1-1 (same settings ⇒ same cached model). */
  readonly vthr: VthrSettings;
  readonly rootName: string;
  readonly continuations: readonly SdContinuationRecipe[];
  readonly batchSize: number;
  /** Fresh images per continuation (a new seed each: SD saw new samples at every stage). */
  readonly trainCount: number;
  readonly evalCount: number;
  readonly optimizer: OptimizerSettings;
  /** SD v1 checkpoints were released in float32 (sd-v1-x.ckpt). */
  readonly dtype: "F32" | "BF16";
  /** First = the paper's setting (§6.2: ℓ_FT, every model generalization, one tree). */
  readonly recoveries: readonly RecoveryVariant[];
  readonly workers: number;
}

const _ALL_TASKS = TASKS.map((task) => task.name);
/** "laion-improved-aesthetics": a filtered subset of the root's broad mixture. */
const IMPROVED_AESTHETICS = [
  "count-objects",
  "object-position",
  "object-distance",
  "orientation",
  "shape",
  "texture",
  "hue",
  "object-size",
  "background-hue",
  "light-azimuth",
];
/** "laion-aesthetics v2 5+": a stricter, slightly different filter, shared by v1.3, v1.4 and v1.5. */
const AESTHETICS_V2 = ["count-objects", "object-distance", "orientation", "shape", "texture", "hue", "background-hue", "light-azimuth", "symmetry"];

/**
 * Steps follow the model cards, scaled so sd-v1-1's 431 k steps are the VTHR root's 2000:
 * v1.2 515 k → 2400, v1.3 195 k → 900, v1.4 225 k → 1050, v1.5 595 k → 2750.
 */
const CONTINUATIONS: readonly SdContinuationRecipe[] = [
  {
    id: "sd-v1-2",
    paperName: "SD v1.2",
    parent: "sd-v1-1",
    stands: "laion-improved-aesthetics",
    tasks: IMPROVED_AESTHETICS,
    steps: 2400,
    lr: 1e-3,
    warmupSteps: 100,
    maskRatio: 0.75,
  },
  {
    id: "sd-v1-3",
    paperName: "SD v1.3",
    parent: "sd-v1-2",
    stands: "laion-aesthetics v2 5+",
    tasks: AESTHETICS_V2,
    steps: 900,
    lr: 1e-3,
    warmupSteps: 100,
    maskRatio: 0.75,
  },
  {
    id: "sd-v1-4",
    paperName: "SD v1.4",
    parent: "sd-v1-2",
    stands: "laion-aesthetics v2 5+",
    tasks: AESTHETICS_V2,
    steps: 1050,
    lr: 1e-3,
    warmupSteps: 100,
    maskRatio: 0.75,
  },
  {
    id: "sd-v1-5",
    paperName: "SD v1.5",
    parent: "sd-v1-4",
    stands: "laion-aesthetics v2 5+",
    tasks: AESTHETICS_V2,
    steps: 2750,
    lr: 1e-3,
    warmupSteps: 100,
    maskRatio: 0.75,
  },
];

/** The recoveries every run reports: the paper's setting (generalization) first, then what a user gets by default. */
export const SD_RECOVERIES: readonly RecoveryVariant[] = paperFamilyRecoveries("generalization");

export const SD_FAMILY_DEFAULTS: SdFamilySettings = {
  seed: 2022,
  vthr: VTHR_DEFAULTS,
  rootName: "mae-all",
  continuations: CONTINUATIONS,
  batchSize: VTHR_DEFAULTS.pretrain.batchSize,
  trainCount: VTHR_DEFAULTS.pretrain.trainCount,
  evalCount: VTHR_DEFAULTS.pretrain.evalCount,
  optimizer: VTHR_DEFAULTS.pretrain.optimizer,
  dtype: "F32",
  recoveries: SD_RECOVERIES,
  workers: 2,
};

/** `--quick`: VTHR's quick MAE root and 40-step continuations on 512 images — a smoke test, not a result. */
export const SD_FAMILY_QUICK: SdFamilySettings = {
  ...SD_FAMILY_DEFAULTS,
  vthr: VTHR_QUICK,
  continuations: CONTINUATIONS.map((c) => ({ ...c, steps: 40, warmupSteps: 5 })),
  batchSize: VTHR_QUICK.pretrain.batchSize,
  trainCount: 512,
  evalCount: 64,
};
