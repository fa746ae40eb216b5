/**
 * What the trainer needs from a model family: its parameters, the batch tensors a step
 * consumes (graph inputs), and the scalar loss built from them. One objective = one
 * (architecture, head, loss); `evalMetrics` adds what evaluation reports.
 */
import type { ElemType, Graph, Sym } from "../onnx/index.ts";
import type { ParamSpec } from "./param-spec.ts";
import type { ParamLookup } from "./param-spec.ts";

/** A batch input of the step graph: fed by name from the data source. */
export interface BatchInputSpec {
  readonly name: string;
  readonly elemType: ElemType;
  /** Shape for a batch of `batchSize` examples. */
  readonly shape: readonly number[];
}

/** A model + loss the trainer can build step and eval graphs for. */
export interface Objective {
  /** Short name stored in training.json (e.g. "vit-classification"). */
  readonly name: string;
  /** Every parameter, in checkpoint order. */
  readonly specs: readonly ParamSpec[];
  /** HF config.json of the saved model. */
  readonly hfConfig: Record<string, unknown>;
  /** Batch inputs for a given batch size. */
  batchInputs(batchSize: number): readonly BatchInputSpec[];
  /** The scalar loss (mean over the batch). */
  loss(params: ParamLookup, batch: Readonly<Record<string, Sym>>, graph: Graph): Sym;
  /**
   * Extra evaluation outputs, each a scalar SUM over the batch (e.g. `correct` count),
   * so eval can add them over batches. Optional.
   */
  evalMetrics?(params: ParamLookup, batch: Readonly<Record<string, Sym>>, graph: Graph): Readonly<Record<string, Sym>>;
}
