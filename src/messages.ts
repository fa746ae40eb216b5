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
