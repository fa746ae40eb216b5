/**
 * What training reads its examples through. A TrainConfig names its data with a serialisable
 * DataSpec (so a Worker job can carry it); the caller resolves it to batches (ResolveData):
 * the harness does so from datasets/ (src/harness/dataset-source.ts), so the training engine
 * itself never imports a data set.
 */
import type { TensorData } from "../onnx/index.ts";

/** Where a run's examples come from. */
export type DataSpec =
  | {
      readonly kind: "image-task";
      readonly task: string;
      readonly seed: number;
      readonly trainCount: number;
      readonly evalCount: number;
      readonly imageSize?: number;
    }
  | {
      readonly kind: "image-mixture";
      readonly tasks: readonly string[];
      readonly seed: number;
      readonly trainCount: number;
      readonly evalCount: number;
      readonly imageSize?: number;
    }
  | {
      readonly kind: "text";
      readonly corpus: "english" | "code" | "python" | "chat" | "instruct";
      readonly seed: number;
      readonly maxBytes?: number;
      readonly evalFraction?: number;
    };

/** Batches for the train loop (fed by input name) and a finite list of eval batches. */
export interface DataSource {
  /** Number of classes of an image spec (the classifier's size), undefined for text. */
  readonly numClasses?: number;
  /** Next training batch (cycles forever, epoch by epoch, deterministically). */
  nextTrain(): Record<string, TensorData>;
  /** All eval batches of `batchSize` (the tail that does not fill a batch is dropped). */
  evalBatches(batchSize: number): Record<string, TensorData>[];
}

/** Options a data source needs from the objective. */
export interface DataSourceOptions {
  readonly batchSize: number;
  /** Text: the sequence length. */
  readonly contextLength?: number;
  /** Masked-patch objective: patches per image and how many to mask (adds `bool_masked_pos`). */
  readonly masking?: { readonly patches: number; readonly maskedCount: number; readonly seed: number };
}

/** Resolves a DataSpec to a DataSource shaped for the step graph (int64 labels, NCHW float pixels). */
export type ResolveData = (spec: DataSpec, options: DataSourceOptions) => DataSource;
