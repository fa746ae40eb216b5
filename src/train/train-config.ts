/**
 * The full, serialisable description of one training run (stored as training.json and
 * sent to Workers). Same config (and same parent weights) ⇒ same output bytes.
 */
import type { LlamaConfig } from "../models/llama-config.ts";
import type { LoraConfig } from "../models/lora.ts";
import type { VitConfig } from "../models/vit-config.ts";
import type { OptimizerSettings } from "../onnx/index.ts";
import type { DataSpec } from "./data-source.ts";

/** Which model and loss. A classification config's `numClasses` must equal the data's. */
export type ObjectiveSpec =
  | { readonly kind: "vit-classification"; readonly vit: VitConfig }
  | { readonly kind: "vit-masked-patches"; readonly vit: VitConfig; readonly maskRatio: number }
  | { readonly kind: "llama-next-token"; readonly llama: LlamaConfig };

/** One training run. */
export interface TrainConfig {
  readonly objective: ObjectiveSpec;
  readonly data: DataSpec;
  /** Root seed: init, batch order and masks derive from it (datasets/rng.ts deriveSeed). */
  readonly seed: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerSettings;
  /** Peak learning rate, linear warmup steps, cosine to `lrFloor` at `steps`. */
  readonly lr: number;
  readonly warmupSteps: number;
  readonly lrFloor?: number;
  /** LoRA fine-tuning (base frozen, only adapters + `alsoTrain` trained). Off = full training. */
  readonly lora?: LoraConfig;
  /**
   * Parameters (re)initialised from the seed instead of copied from the parent — the head
   * for a new label space (default `["classifier.weight", "classifier.bias"]`). Under
   * LoRA these are also trained.
   */
  readonly freshParams?: readonly string[];
  /** Parent checkpoint folder (model.safetensors); absent = random init (pre-training). */
  readonly parent?: string;
  /** Evaluate every this many steps (and at the end); 0/absent = only at the end. */
  readonly evalEvery?: number;
  readonly evalBatchSize?: number;
  /** Call `onSnapshot` every this many steps (and at step 0 and the end); 0/absent = never. */
  readonly snapshotEvery?: number;
}

/** Default head names swapped for a new task. */
export const CLASSIFIER_HEAD: readonly string[] = ["classifier.weight", "classifier.bias"];
