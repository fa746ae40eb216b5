/** Messages of the model definitions and the trainer (src/models/, src/train/): configs and runs that cannot work. */
import { MotherError } from "../errors.ts";

/** A ViT or Llama config that describes no valid model (`problem` says which rule it breaks). */
export function modelConfigInvalid(model: "vit" | "llama", problem: string, value: unknown): MotherError {
  return new MotherError(`${model} config`, problem, { value });
}

/** A LoRA config whose target modules match no weight of the model. */
export function loraTargetsMatchNothing(targets: readonly string[]): MotherError {
  return new MotherError("lora config", "no weight matches the targets", { value: targets.join(", ") });
}

/** A classifier head sized differently from the data's number of classes. */
export function classifierSizeMismatch(headClasses: number, dataClasses: number | undefined): MotherError {
  return new MotherError("train config", "classifier size differs from the data's number of classes", { value: headClasses, limit: dataClasses });
}

/** A parent checkpoint tensor whose shape is not the model's. */
export function parentTensorShape(parent: string, tensor: string, have: readonly number[], want: readonly number[]): MotherError {
  return new MotherError(parent, `tensor ${tensor} has another shape than the model`, { value: `[${have}]`, limit: `[${want}]` });
}

/** Training diverged: the loss is NaN or infinite. */
export function lossNotFinite(step: number, loss: number | undefined): MotherError {
  return new MotherError("train", `loss is not finite at step ${step}`, { value: loss, help: "lower the learning rate or enable clipGradNorm" });
}

/** Fewer evaluation examples than one batch: nothing would be evaluated. */
export function noCompleteEvalBatch(batchSize: number): MotherError {
  return new MotherError("train config", "no complete evaluation batch", { value: `batch size ${batchSize}`, help: "raise evalCount or lower the batch size" });
}

/** A checkpoint path that holds no model or several. */
export function checkpointNotOneModel(path: string, found: number): MotherError {
  return new MotherError(path, "expected exactly one model", { value: found });
}
