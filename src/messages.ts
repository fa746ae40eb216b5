/**
 * Every user-facing message of mother, as a named function that takes the offending values and returns
 * the {@link MotherError} to throw (vega-lite's `log/message.ts` is the model). Throw sites read
 * `throw messages.needTwoModels(found)`; tests assert on `code` and on these functions' output.
 *
 * Grouped by where the problem is met: command line, input files, output locations, recovery.
 */
import { MotherError } from "./errors.ts";

// ── Command line ────────────────────────────────────────────────────────────────────────────────

/** A `--stages` file that is not a JSON object of id → stage. */
export function stagesFileNotObject(file: string): MotherError {
  return new MotherError(file, "must be a JSON object mapping model id to stage", undefined, "option");
}

// ── Recovery ────────────────────────────────────────────────────────────────────────────────────

/** Fewer than two models were found under the paths given. */
export function needTwoModels(where: string, found: number): MotherError {
  return new MotherError(where, "need at least two models to recover a tree", { value: `${found} found` });
}

/** A `--stages` file names a model id that is not among the inputs. */
export function unknownStagesModel(id: string, knownIds: readonly string[]): MotherError {
  return new MotherError(
    "--stages",
    "names a model that is not among the inputs",
    { value: id, help: `known ids: ${knownIds.slice(0, 8).join(", ")}` },
    "option",
  );
}

/** A checkpoint holding LoRA adapter factors rather than a model's weights. */
export function loraFactorsNotModel(path: string): MotherError {
  return new MotherError(path, "holds LoRA adapter factors (lora_A/lora_B), not a model's weights", {
    help: "merge each adapter into its base model first (peft: merge_and_unload) and recover the merged models",
  });
}

/** A checkpoint with no attention or MLP matrices for recovery to compare. */
export function nothingToCompare(path: string, tensorCount: number): MotherError {
  return new MotherError(path, "has no weight matrices recovery can compare", {
    value: `${tensorCount} tensors`,
    help: "mother compares the attention and MLP matrices of transformer checkpoints (Hugging Face names, or any square 2-D weights)",
  });
}
