/**
 * The harness's standard pool job: train one model from a TrainConfig and, optionally, save it as a
 * HF checkpoint folder and record per-layer statistics of chosen tensors at each snapshot
 * (the directional-score trajectories of paper Fig. 3/14/19). Runs with one ORT thread.
 */
import type { NamedTensor } from "../models/init-params.ts";
import { layerStats } from "../stats/layer-stats.ts";
import type { LayerStats } from "../types.ts";
import type { EvalResult } from "../train/evaluate.ts";
import { saveCheckpoint } from "../train/save-checkpoint.ts";
import type { TrainConfig } from "../train/train-config.ts";
import { trainModel } from "../train/train-model.ts";
import { datasetSource } from "./dataset-source.ts";

/** Module path of this file, for `WorkerPool.run({ module: TRAIN_JOB_MODULE, exportName: "runTrainJob", input })`. */
export const TRAIN_JOB_MODULE: string = new URL(import.meta.url).pathname;

/** Input of `runTrainJob`. */
export interface TrainJobInput {
  readonly config: TrainConfig;
  /** Save the result here (model.safetensors + config.json + training.json). */
  readonly outputFolder?: string;
  readonly dtype?: "F32" | "BF16";
  /** Tensor names whose LayerStats are recorded at each snapshot (default: every 2-D tensor). */
  readonly statsOf?: readonly string[];
  /** Return the final params in the output (default false: they are in the checkpoint). */
  readonly returnParams?: boolean;
}

/** Output of `runTrainJob`. */
export interface TrainJobOutput {
  readonly losses: Float32Array;
  readonly evals: EvalResult[];
  readonly msPerStep: number;
  /** One entry per snapshot: step and the stats of each recorded tensor. */
  readonly snapshots: { step: number; stats: Record<string, LayerStats> }[];
  readonly params?: NamedTensor[];
}

/** Progress payload posted every 10 steps and at the end. */
export interface TrainJobProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
}

/** Train, optionally save, and return losses/evals/stat trajectories. */
export async function runTrainJob(input: TrainJobInput, report: (progress: TrainJobProgress) => void = () => {}): Promise<TrainJobOutput> {
  const snapshots: TrainJobOutput["snapshots"] = [];
  const statsOf = input.statsOf ? new Set(input.statsOf) : undefined;
  const result = await trainModel(input.config, datasetSource, {
    intraOpNumThreads: 1,
    onStep: (step, totalSteps, loss) => {
      if (step % 10 === 0 || step === totalSteps) report({ step, totalSteps, loss });
    },
    onSnapshot: (step, params) => {
      const stats: Record<string, LayerStats> = {};
      for (const tensor of params) {
        if (statsOf ? statsOf.has(tensor.name) : tensor.shape.length === 2) stats[tensor.name] = layerStats(tensor.data);
      }
      snapshots.push({ step, stats });
    },
  });
  if (input.outputFolder) {
    await saveCheckpoint(input.outputFolder, { tensors: result.params, hfConfig: result.hfConfig, training: input.config, dtype: input.dtype ?? "F32" });
  }
  return { losses: result.losses, evals: result.evals, msPerStep: result.msPerStep, snapshots, ...(input.returnParams ? { params: result.params } : {}) };
}
